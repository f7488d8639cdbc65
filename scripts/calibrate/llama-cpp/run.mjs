#!/usr/bin/env node
/**
 * Measures llama.cpp's own CPU buffer sizes (weights, KV cache, compute, output) over a grid of context settings
 * and writes the dataset test/fixtures/measured/llama-cpp-cpu.json. See README.md in this folder.
 *
 * It compiles probe.cpp (into a temporary folder) against the prebuilt llama.cpp of an installed node-llama-cpp,
 * with the headers of the exact llama.cpp release it was built from (its bundled git release), writes the models
 * of models.mjs as sparse GGUF files, and runs one probe process per point of grid.mjs.
 *
 *   node scripts/calibrate/llama-cpp/run.mjs [--only SUBSTRING]... [--out FILE] [--jobs N] [--llama-dir DIR]
 *        [--llama-src DIR] [--work DIR] [--no-alloc-check] [--timeout SECONDS]
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LLAMA_CPP_CALIBRATION_MODELS, writeGgufFile } from './models.mjs';
import { calibrationGrid, pointId } from './grid.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const PROBE_SOURCE = join(HERE, 'probe.cpp');
const CXX = process.env.CXX ?? 'g++';
const PROBE_THREADS = 2;

function parseArgs(argv) {
  const opts = { only: [], out: join(REPO, 'test/fixtures/measured/llama-cpp-cpu.json'), jobs: 2, timeout: 180 };
  opts.allocCheck = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === '--only') opts.only.push(next());
    else if (arg === '--out') opts.out = resolve(next());
    else if (arg === '--jobs') opts.jobs = Number(next());
    else if (arg === '--timeout') opts.timeout = Number(next());
    else if (arg === '--llama-dir') opts.llamaDir = resolve(next());
    else if (arg === '--llama-src') opts.llamaSrc = resolve(next());
    else if (arg === '--work') opts.work = resolve(next());
    else if (arg === '--no-alloc-check') opts.allocCheck = false;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

/** The folder of package `name` as `require` resolves it (these packages export no ./package.json). */
function packageDir(require, name) {
  const entry = require.resolve(name);
  const marker = `/node_modules/${name}/`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
}

/** node-llama-cpp's folder: --llama-dir, else $NODE_LLAMA_CPP_DIR, else resolved from the current directory. */
function findNodeLlamaCpp(opts) {
  const dir = opts.llamaDir ?? process.env.NODE_LLAMA_CPP_DIR;
  if (dir) return dir.endsWith('node-llama-cpp') ? dir : join(dir, 'node_modules/node-llama-cpp');
  try {
    return packageDir(createRequire(join(process.cwd(), 'noop.js')), 'node-llama-cpp');
  } catch {
    throw new Error('node-llama-cpp not found: install it in a scratch folder (see README.md) and pass --llama-dir');
  }
}

function llamaInstall(nlcDir) {
  const platform = `${process.platform}-${process.arch}`;
  const bins = join(
    packageDir(createRequire(join(nlcDir, 'package.json')), `@node-llama-cpp/${platform}`),
    'bins',
    platform,
  );
  const info = JSON.parse(readFileSync(join(nlcDir, 'llama/llama.cpp.info.json'), 'utf8'));
  const version = JSON.parse(readFileSync(join(nlcDir, 'package.json'), 'utf8')).version;
  return { nlcDir, bins, info, version, bundle: join(nlcDir, 'llama/gitRelease.bundle') };
}

/** Headers of the exact release (include/, ggml/include/, src/llama-ext.h) and its commit, from the bundle. */
function llamaSources(install, opts, work) {
  let src = opts.llamaSrc;
  if (!src) {
    src = join(work, 'llama.cpp');
    rmSync(src, { recursive: true, force: true });
    execFileSync('git', ['clone', '--quiet', '--no-checkout', install.bundle, src]);
    execFileSync('git', ['-C', src, 'checkout', '--quiet', 'HEAD', '--', 'include', 'ggml/include', 'src/llama-ext.h']);
  }
  const [commit, date] = execFileSync('git', ['-C', src, 'log', '-1', '--format=%H %cI'], { encoding: 'utf8' })
    .trim()
    .split(' ');
  return { src, commit, date };
}

/** Compiles probe.cpp against libllama, libggml and libggml-base of the prebuilt binaries, with an rpath to them. */
function buildProbe(install, sources, work) {
  const exe = join(work, 'probe');
  const libs = readdirSync(install.bins).filter((f) => /^lib(llama|ggml)(\.v[\d.]+|-base)?\.so$/.test(f));
  const includes = ['include', 'ggml/include', 'src'].map((d) => `-I${join(sources.src, d)}`);
  const args = ['-std=c++17', '-O1', '-o', exe, PROBE_SOURCE, ...includes, ...libs.map((l) => join(install.bins, l))];
  execFileSync(CXX, [...args, `-Wl,-rpath,${install.bins}`]);
  return exe;
}

function probeArgs(model, s, noAlloc, bins) {
  const flags = {
    model,
    'backend-dir': bins,
    ctx: s.ctx,
    batch: s.batch,
    ubatch: s.ubatch,
    parallel: s.parallel,
    fa: s.flashAttention,
    ctk: s.kTypes,
    ctv: s.vTypes,
    'kv-unified': s.kvUnified ? 1 : 0,
    'swa-full': s.swaFull ? 1 : 0,
    'n-outputs-max': s.nOutputsMax,
    'n-outputs-max-per-seq': s.nOutputsMaxPerSeq,
    'no-alloc': noAlloc ? 1 : 0,
    threads: PROBE_THREADS,
  };
  return Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

function runProbe(exe, args, timeoutSeconds) {
  return new Promise((done) => {
    const started = Date.now();
    execFile(exe, args, { timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const seconds = (Date.now() - started) / 1000;
      try {
        done({ raw: JSON.parse(stdout), seconds, stderr });
      } catch {
        done({ raw: null, seconds, stderr, error: err ? String(err.message).split('\n')[0] : 'no JSON on stdout' });
      }
    });
  });
}

/** "1062" or "1062 (with bs=512), 900 (with bs=1)" -> { pp, tg } */
function graphCounts(text) {
  const m = /^(\d+)(?: \(with bs=\d+\), (\d+))?/.exec(text);
  return m ? { pp: Number(m[1]), tg: Number(m[2] ?? m[1]) } : null;
}

function resolvedFlashAttention(raw, requested) {
  const lines = raw.logLines.join('\n');
  if (/Flash Attention (was )?enabled|enabling flash_attn/.test(lines)) return 'on';
  if (/Flash Attention not supported/.test(lines)) return 'off';
  return requested === 'auto' ? null : requested;
}

const sumBytes = (breakdown, field) => Object.values(breakdown ?? {}).reduce((a, b) => a + b[field], 0);

function measured(raw, settings) {
  const breakdown = raw.memoryBreakdownBytes;
  const graphNodes = graphCounts(raw.graphNodes);
  const graphSplits = graphCounts(raw.graphSplits);
  const computeBytes = Object.fromEntries(Object.entries(breakdown ?? {}).map(([k, v]) => [k, v.compute]));
  return {
    modelSizeBytes: raw.modelSizeBytes,
    modelParameterCount: raw.modelParameterCount,
    modelBuffersMiB: raw.noAlloc ? null : raw.modelBuffersMiB,
    modelBuffersBytes: Object.fromEntries(
      Object.entries(breakdown ?? {})
        .map(([k, v]) => [k, v.model])
        .filter(([, v]) => v),
    ),
    kvCaches: raw.kvCaches,
    kvBuffersMiB: raw.noAlloc ? null : raw.kvBuffersMiB,
    kvBytes: breakdown ? sumBytes(breakdown, 'context') : null,
    computeBufferMiB: raw.computeBufferMiB,
    computeBufferBytes: Object.fromEntries(Object.entries(computeBytes).filter(([, v]) => v)),
    outputBufferMiB: raw.outputBufferMiB.CPU ?? null,
    nCtx: raw.nCtx ?? null,
    nCtxSeq: raw.nCtxSeq ?? null,
    nBatch: raw.nBatch ?? null,
    nUbatch: raw.nUbatch ?? null,
    nSeqMax: raw.nSeqMax ?? null,
    nOutputsMax: raw.logNOutputsMax,
    nOutputsMaxPerSeq: raw.logNOutputsMaxPerSeq,
    flashAttention: resolvedFlashAttention(raw, settings.flashAttention),
    graphNodes: graphNodes?.pp ?? null,
    graphNodesTg: graphNodes?.tg ?? null,
    graphSplits: graphSplits?.pp ?? null,
  };
}

function pointRecord(pt, mode, result) {
  const { raw } = result;
  const record = { id: pointId(pt) + (mode === 'alloc' ? '@alloc' : ''), model: pt.model, mode, settings: pt.settings };
  record.seconds = Math.round(result.seconds * 100) / 100;
  if (!raw) return { ...record, error: result.error, stderr: result.stderr.slice(-2000) };
  record.measured = measured(raw, pt.settings);
  record.logLines = raw.logLines;
  if (!raw.ok) record.error = raw.logLines.filter((l) => /error|failed|requires/i.test(l)).join('\n') || 'no context';
  return record;
}

async function runAll(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}

/**
 * What a no_alloc point must reproduce of its real-allocation twin: the context's buffers, byte for byte. The weights
 * are reported apart: the twin maps the file (CPU_Mapped spans every tensor, also those copied to CPU_REPACK), while
 * no_alloc cannot map it and sizes the buffers of a load without mmap (load_mode none).
 */
function comparable(record) {
  const m = record.measured;
  if (!m) return null;
  const { kvCaches, kvBytes, computeBufferMiB, computeBufferBytes, outputBufferMiB, nCtx, nCtxSeq } = m;
  return {
    kvCaches,
    kvBytes,
    computeBufferMiB,
    computeBufferBytes,
    outputBufferMiB,
    nCtx,
    nCtxSeq,
    graph: m.graphNodes,
  };
}

function allocComparison(allocRecords, byId) {
  return allocRecords.map((alloc) => {
    const noAlloc = byId.get(alloc.id.replace(/@alloc$/, ''));
    const a = comparable(alloc);
    const b = noAlloc ? comparable(noAlloc) : null;
    const differences =
      a && b ? Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])) : ['missing'];
    return {
      allocId: alloc.id,
      noAllocId: noAlloc?.id ?? null,
      identical: differences.length === 0,
      differences,
      modelBuffersBytes: { alloc: alloc.measured?.modelBuffersBytes, noAlloc: noAlloc?.measured?.modelBuffersBytes },
    };
  });
}

function environment(install, cpu, seconds) {
  return {
    date: new Date().toISOString(),
    os: `${process.platform} ${release()}`,
    cpuModel: cpus()[0]?.model ?? null,
    logicalCpus: cpus().length,
    totalMemoryBytes: totalmem(),
    freeMemoryBytesAtEnd: freemem(),
    node: process.version,
    compiler: execFileSync(CXX, ['--version'], { encoding: 'utf8' }).split('\n')[0],
    cpuBackend: cpu.backend ? cpu.backend.split('/').pop() : null,
    cpuFeatures: cpu.features ?? null,
    probeThreads: PROBE_THREADS,
    nodeLlamaCppBins: relative(install.nlcDir, install.bins),
    elapsedSeconds: Math.round(seconds),
  };
}

function writeModels(work, models) {
  const dir = join(work, 'gguf');
  mkdirSync(dir, { recursive: true });
  const paths = new Map();
  for (const m of models) {
    const path = join(dir, `${m.id}.gguf`);
    writeGgufFile(path, m, { data: true });
    paths.set(m.id, path);
  }
  return paths;
}

async function measureAll(ctx, points, allocChecks, opts, log) {
  const task = (pt, noAlloc, i, n) => async () => {
    const result = await runProbe(
      ctx.exe,
      probeArgs(ctx.paths.get(pt.model), pt.settings, noAlloc, ctx.install.bins),
      opts.timeout,
    );
    if (result.raw && !ctx.cpu.backend) ctx.cpu = { backend: result.raw.cpuBackend, features: result.raw.cpuFeatures };
    const record = pointRecord(pt, noAlloc ? 'no_alloc' : 'alloc', result);
    log(
      `[${i + 1}/${n}] ${record.id} ${record.seconds}s ${record.error ? `ERROR ${record.error.split('\n')[0]}` : 'ok'}`,
    );
    return record;
  };
  const grid = await runAll(
    points.map((pt, i) => task(pt, true, i, points.length)),
    opts.jobs,
  );
  // real allocations map whole model files and allocate the KV and compute buffers: one at a time
  const checks = opts.allocCheck ? allocChecks.filter((c) => points.some((pt) => pointId(pt) === pointId(c))) : [];
  const allocs = await runAll(
    checks.map((pt, i) => task(pt, false, i, checks.length)),
    1,
  );
  return { grid, allocs };
}

function dataset(ctx, models, records, comparison, seconds) {
  const { install, sources } = ctx;
  return {
    schemaVersion: 1,
    source: {
      llamaCpp: {
        release: install.info.tag,
        commit: sources.commit,
        date: sources.date,
        repo: `https://github.com/${install.info.llamaCppGithubRepo}`,
      },
      nodeLlamaCpp: install.version,
      backend: 'CPU',
      probe: 'scripts/calibrate/llama-cpp/probe.cpp',
      precision:
        'MiB fields are llama.cpp log figures (bytes / 2^20 printed with 2 decimals); *Bytes fields are exact (llama_get_memory_breakdown, llama_model_size)',
    },
    environment: environment(install, ctx.cpu, seconds),
    models: models.map(({ id, description, source, arch }) => ({ id, description, source, arch })),
    noAllocCheck: comparison,
    points: records,
  };
}

async function calibrate(opts, install, work, log) {
  const started = Date.now();
  const sources = llamaSources(install, opts, work);
  log(`llama.cpp ${install.info.tag} ${sources.commit} (${sources.date}); node-llama-cpp ${install.version}`);
  const exe = buildProbe(install, sources, work);
  const grid = calibrationGrid(LLAMA_CPP_CALIBRATION_MODELS);
  const points = grid.points.filter((pt) => opts.only.length === 0 || opts.only.some((s) => pointId(pt).includes(s)));
  const models = LLAMA_CPP_CALIBRATION_MODELS.filter((m) => points.some((pt) => pt.model === m.id));
  const ctx = { install, sources, exe, paths: writeModels(work, models), cpu: {} };
  const { grid: noAlloc, allocs } = await measureAll(ctx, points, grid.allocChecks, opts, log);
  const comparison = allocComparison(allocs, new Map(noAlloc.map((r) => [r.id, r])));
  const records = [...noAlloc, ...allocs];
  const seconds = (Date.now() - started) / 1000;
  const ok = records.filter((r) => !r.error).length;
  const identical = comparison.filter((c) => c.identical).length;
  const summary = `${records.length} points, ${ok} ok, ${records.length - ok} refused or failed`;
  log(`${summary}; no_alloc identical to alloc: ${identical}/${comparison.length}; ${Math.round(seconds)} s`);
  writeFileSync(opts.out, `${JSON.stringify(dataset(ctx, models, records, comparison, seconds), null, 2)}\n`);
  return ok;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const install = llamaInstall(findNodeLlamaCpp(opts));
  const work = opts.work ?? mkdtempSync(join(tmpdir(), 'vram-llama-cpp-'));
  mkdirSync(work, { recursive: true });
  const logLines = [];
  const log = (line) => {
    console.log(line);
    logLines.push(line);
  };
  try {
    return (await calibrate(opts, install, work, log)) > 0 ? 0 : 1;
  } finally {
    writeFileSync(opts.out.replace(/\.json$/, '.log'), `${logLines.join('\n')}\n`);
    if (!opts.work) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  },
);
