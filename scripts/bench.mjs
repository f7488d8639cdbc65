// `npm run bench`: start-up of every command against bare `node -e 0`, interleaved in the same
// rounds so machine noise hits all alike (median and interquartile spread of each, and its ratio to
// bare node against the 1.2× goal; 1.5× for sweeps and solvers, 2× for the 163-shard repository),
// whether V8 accepted the code cache, and the library's in-process throughput (operations per
// second, median and spread of five timed batches). Usage: npm run bench [-- --runs 15] [-- --only capacity]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchCheckpoints } from './bench/checkpoints.mjs';

const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const runs = Number(flag('--runs', 15));
const only = flag('--only', '');
if (!existsSync('dist/cli.cjs')) {
  console.error('dist/cli.cjs is missing: run `npm run build` first');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'vram-bench-'));
const config = join(scratch, 'config.json');
writeFileSync(config, JSON.stringify(JSON.parse(readFileSync('presets/models/llama-3.1-8b.json', 'utf8')).config));
const checkpoints = await writeBenchCheckpoints(scratch);
const vram = (goal, ...args) => ({ goal, command: [process.execPath, ['bin/vram.js', ...args]] });
const SEVENTY = ['--model', 'llama-70b'];
const FIFTY_CONTEXTS = Array.from({ length: 50 }, (_, i) => `${i + 1}k`).join(',');
const sweep = (engine) =>
  vram(1.5, 'capacity', ...SEVENTY, '--gpu', 'h100', '--gpus', '4', '--engine', engine, '--sweep-ctx', FIFTY_CONTEXTS);
const solve = (what) =>
  vram(1.5, 'estimate', '--train', ...SEVENTY, '--gpu', 'h100', '--gpus', '8', '--zero', '3', '--solve', what);
const allCases = {
  'node -e 0': { goal: null, command: [process.execPath, ['-e', '0']] },
  'estimate (design card)': vram(1.2, 'estimate', ...SEVENTY, '--ctx', '32k', '--users', '10'),
  '--help': vram(1.2, '--help'),
  '--version': vram(1.2, '--version'),
  'training, ZeRO-3': vram(1.2, 'estimate', '--train', ...SEVENTY, '--gpus', '8', '--zero', '3', '--gpu', 'h100'),
  'capacity, whole catalog': vram(1.2, 'capacity', ...SEVENTY),
  'capacity, vLLM': vram(1.2, 'capacity', ...SEVENTY, '--gpu', 'h100', '--gpus', '4', '--engine', 'vllm'),
  'capacity, vLLM, 6-point sweep': vram(
    1.2,
    'capacity',
    ...SEVENTY,
    '--gpu',
    'h100',
    '--gpus',
    '4',
    '--engine',
    'vllm',
    '--sweep-ctx',
    '4k,8k,16k,32k,64k,128k',
  ),
  gpus: vram(1.2, 'gpus'),
  models: vram(1.2, 'models'),
  inspect: vram(1.2, 'inspect', 'llama-70b'),
  '--config': vram(1.2, 'estimate', '--config', config),
  '50-point sweep, vLLM': sweep('vllm'),
  '50-point sweep, SGLang': sweep('sglang'),
  '50-point sweep, llama.cpp': sweep('llama.cpp'),
  '50-point sweep, transformers': sweep('transformers'),
  '50-point sweep, generic': sweep('generic'),
  '--solve batch': solve('batch'),
  '--solve ctx': solve('ctx'),
  '--solve gpus': solve('gpus'),
  [`163-shard repository (${checkpoints.tensorCount} tensors)`]: vram(2, 'inspect', checkpoints.repository),
  [`GGUF, 256k vocabulary (${checkpoints.ggufTensors} tensors)`]: vram(1.5, 'inspect', checkpoints.gguf),
  'llama.cpp: GGUF, 157 layers, --gpu-layers auto': vram(
    1.5,
    'estimate',
    '--model',
    checkpoints.gguf,
    '--gpu',
    'rtx-4060',
    '--gpu-layers',
    'auto',
    '--ctx',
    '4096',
  ),
};
const cases = Object.fromEntries(
  Object.entries(allCases).filter(([name]) => name === 'node -e 0' || name.includes(only)),
);
const env = { ...process.env, NO_COLOR: '1' };
const timings = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, { command }] of Object.entries(cases)) {
    const [cmd, args] = command;
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      console.error(`${name} exited ${result.status}: ${result.stderr}`);
      process.exit(1);
    }
    if (i >= 2) timings[name].push(ms); // the first two rounds warm the file cache
  }
}
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
};
const bare = quantile(timings['node -e 0'], 0.5);
console.log(`start-up: ${runs} interleaved runs each (node ${process.version}); goals against bare node`);
console.log(['command', 'median ms', 'spread (IQR) ms', 'ratio', 'goal'].join('\t'));
for (const [name, values] of Object.entries(timings)) {
  const median = quantile(values, 0.5);
  const spread = `${quantile(values, 0.25).toFixed(1)}–${quantile(values, 0.75).toFixed(1)}`;
  const ratio = median / bare;
  const { goal } = cases[name];
  const met = goal === null ? '' : `≤ ${goal}× ${ratio <= goal ? 'met' : 'not met'}`;
  console.log([name, median.toFixed(1), spread, `${ratio.toFixed(2)}×`, met].join('\t'));
}

// Whether V8 took the code cache as this Node runs it (NODE_OPTIONS included).
const probe = spawnSync(
  process.execPath,
  ['-e', "process.stdout.write(String(require('./bin/load-cli.js').loadCli().script.cachedDataRejected))"],
  { env, encoding: 'utf8' },
);
console.log(
  `code cache: ${probe.stdout === 'false' ? 'accepted' : probe.stdout === 'true' ? 'REJECTED' : `unknown (${probe.stdout}${probe.stderr})`}`,
);

// Library throughput, in process: the core computations (goals: a million inference estimates, and
// 100,000 training estimates and capacity computations, a second) and the plans the CLI runs.
const library = await import(join(process.cwd(), 'dist', 'index.mjs'));
const seventy = library.modelFromPreset('llama-70b');
const inference = library.planEstimate(seventy, { ctx: 32768, users: 10 }).scenario;
const training = library.planTraining(seventy, { gpus: 8, zero: 3, gpu: 'h100' }).scenario;
const capacityPlan = (engine) => library.planCapacity(seventy, { gpu: 'h100', gpus: 4, engine });
const capacityOf = (engine) => {
  const { serving, target } = capacityPlan(engine);
  return () => library.capacity(serving, target.name);
};
const ENGINES = {
  vLLM: 'vllm',
  SGLang: 'sglang',
  'TensorRT-LLM': 'tensorrt-llm',
  'llama.cpp': 'llama.cpp',
  transformers: 'transformers',
  generic: 'generic',
};
const workloads = {
  'estimateInference (llama-70b, 32k × 10)': [1e6, () => library.estimateInference(inference)],
  'estimateTraining (llama-70b, ZeRO-3 × 8)': [1e5, () => library.estimateTraining(training)],
  ...Object.fromEntries(
    Object.entries(ENGINES).map(([name, engine]) => [`capacity, ${name} × 4`, [1e5, capacityOf(engine)]]),
  ),
  'planEstimate (the whole plan)': [null, () => library.planEstimate(seventy, { ctx: 32768, users: 10 })],
  'planLlamaCppEstimate, --gpu-layers auto on an RTX 4090': [
    null,
    () => library.planLlamaCppEstimate(seventy, { ctx: 8192, gpu: 'rtx-4090', gpuLayers: 'auto' }),
  ],
  'planTraining (the whole plan)': [null, () => library.planTraining(seventy, { gpus: 8, zero: 3, gpu: 'h100' })],
  ...Object.fromEntries(
    Object.entries(ENGINES).map(([name, engine]) => [`planCapacity, ${name} × 4`, [null, () => capacityPlan(engine)]]),
  ),
};
console.log(['library', 'ops/s (median)', 'spread (min–max of 5 batches)', 'goal'].join('\t'));
const fmt = (x) => String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
for (const [name, [goal, work]] of Object.entries(workloads)) {
  const started = process.hrtime.bigint();
  let warmups = 0;
  while (warmups < 200 || Number(process.hrtime.bigint() - started) < 3e8) {
    work(); // warm up the JIT: at least 200 calls and 0.3 s
    warmups++;
  }
  const count = Math.max(50, Math.round(warmups / 3)); // about 0.1 s a batch
  const rates = [];
  for (let batch = 0; batch < 5; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) work();
    rates.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const median = quantile(rates, 0.5);
  const met = goal === null ? '' : `≥ ${fmt(goal)} ${median >= goal ? 'met' : 'not met'}`;
  console.log([name, fmt(median), `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`, met].join('\t'));
}
