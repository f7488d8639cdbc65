/**
 * llama.cpp's placement, fitting and front-end defaults through the CLI (estimate and capacity
 * --engine llama.cpp), on a real-shape GGUF (Llama-3.2-1B: 16 layers, tied head) written sparse.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_CPP_CALIBRATION_MODELS, writeGgufFile } from '../../scripts/calibrate/llama-cpp/models.mjs';
import { equalSplits, llamaCppUnitDevices } from '../../src/core/llamaCpp/placement.js';
import { LLAMA_CPP_FIT_MARGIN_BYTES } from '../../src/core/llamaCpp/fit.js';
import { CUDA_CONTEXT_BYTES } from '../../src/core/overhead.js';
import { run, runJson } from '../helpers.js';

const GIB = 2 ** 30;
let gguf = '';

beforeAll(() => {
  const spec = LLAMA_CPP_CALIBRATION_MODELS.find((m) => m.id === 'llama-3.2-1b-f16');
  if (!spec) throw new Error('llama-3.2-1b-f16 is not a calibration model');
  gguf = join(mkdtempSync(join(tmpdir(), 'vram-llama-plan-')), `${spec.id}.gguf`);
  writeGgufFile(gguf, spec, { data: true });
}, 30_000);

const estimate = async (...args: string[]) => {
  const { code, json, stderr } = await runJson(['estimate', '--model', gguf, ...args, '--format', 'json']);
  expect(code, stderr).toBe(0);
  return json;
};

describe('llama.cpp layer placement (src/llama-model.cpp load_tensors)', () => {
  it('-ngl n puts the last n units on the GPU, the output layer first', () => {
    expect(llamaCppUnitDevices(4, 0, [1])).toEqual([-1, -1, -1, -1, -1]);
    expect(llamaCppUnitDevices(4, 1, [1])).toEqual([-1, -1, -1, -1, 0]);
    expect(llamaCppUnitDevices(4, 3, [1])).toEqual([-1, -1, 0, 0, 0]);
    expect(llamaCppUnitDevices(4, 99, [1])).toEqual([0, 0, 0, 0, 0]);
    expect(llamaCppUnitDevices(4, 5, [])).toEqual([-1, -1, -1, -1, -1]);
  });

  it('--tensor-split shares units by cumulative split (upper_bound), the output on the last GPU', () => {
    const devices = llamaCppUnitDevices(32, 33, [3, 1]);
    expect(devices.filter((d) => d === 0).length).toBe(25); // il / 33 < 0.75
    expect(devices.at(-1)).toBe(1);
    expect(llamaCppUnitDevices(32, 33, equalSplits(3)).filter((d) => d === 2).length).toBe(11);
  });
});

describe('estimate --engine llama.cpp', () => {
  it('partial offload: the GPU holds its layers, the tied head copy and their KV; the host the embeddings and the rest', async () => {
    const all = await estimate('--gpu', 'rtx-4090', '--ctx', '4096', '--users', '1', '--gpu-layers', 'max');
    const part = await estimate('--gpu', 'rtx-4090', '--ctx', '4096', '--users', '1', '--gpu-layers', '5');
    expect(all.llamaCpp.layers).toEqual({ total: 16, units: 17, gpuUnits: 17, host: 0 });
    expect(part.llamaCpp.layers).toEqual({ total: 16, units: 17, gpuUnits: 5, host: 12 });
    const [gpuAll, gpuPart] = [all.llamaCpp.gpus[0], part.llamaCpp.gpus[0]];
    // 4 layers + the output on the GPU: a quarter of the layers' KV, and the tied head copied there
    expect(gpuPart.kvBytes * 4).toBe(gpuAll.kvBytes);
    expect(part.llamaCpp.host.kvBytes).toBe(gpuAll.kvBytes - gpuPart.kvBytes);
    expect(gpuPart.output).toBe(true);
    const embedding = 128_256 * 2048 * 2;
    expect(all.llamaCpp.host.weightBytes).toBe(embedding);
    // the file's 2,471,764,096 B, the tied head loaded a second time on the GPU
    expect(gpuAll.weightBytes + all.llamaCpp.host.weightBytes).toBe(2_471_764_096 + embedding);
    // weights: bytes on the GPU, hostBytes in RAM; the output buffer only in RAM
    const weights = part.components.find((c: { id: string }) => c.id === 'weights');
    expect([weights.bytes, weights.hostBytes]).toEqual([gpuPart.weightBytes, part.llamaCpp.host.weightBytes]);
    const output = part.components.find((c: { id: string }) => c.id === 'output_buffer');
    expect([output.bytes, output.hostBytes]).toEqual([0, 128_256 * 4]);
  });

  it('--gpu-layers auto: the most units that leave 1 GiB free (llama.cpp --fit-target)', async () => {
    const size = 3 * GIB;
    const json = await estimate('--gpu-memory', '3GiB', '--ctx', '32k', '--users', '1', '--gpu-layers', 'auto');
    const placed = json.llamaCpp.layers.gpuUnits;
    expect(placed).toBeGreaterThan(0);
    expect(placed).toBeLessThan(17);
    const room = size - CUDA_CONTEXT_BYTES.expected - LLAMA_CPP_FIT_MARGIN_BYTES;
    expect(json.llamaCpp.gpus[0].totalBytes - CUDA_CONTEXT_BYTES.expected).toBeLessThanOrEqual(room);
    const more = await estimate(
      '--gpu-memory',
      '3GiB',
      '--ctx',
      '32k',
      '--users',
      '1',
      '--gpu-layers',
      String(placed + 1),
    );
    expect(more.llamaCpp.gpus[0].totalBytes - CUDA_CONTEXT_BYTES.expected).toBeGreaterThan(room);
    expect(json.llamaCpp.notes.join(' ')).toMatch(/--gpu-layers auto: \d+ of 17 units/);
  });

  it("llama-server's defaults: the trained context shared by 4 slots in one unified cache; --fit shrinks it to fit", async () => {
    const roomy = await estimate('--gpu', 'h100-80gb');
    expect(roomy.inputs.ctx).toBe(131_072);
    expect(roomy.llamaCpp.settings).toMatchObject({
      nCtx: 131_072,
      sequences: 4,
      contextShared: true,
      kvUnified: true,
    });
    expect(roomy.llamaCpp.settings.outputsMax).toBe(4);
    const small = await estimate('--gpu-memory', '4GiB');
    expect(small.inputs.ctx).toBeLessThan(131_072);
    expect(small.llamaCpp.layers.gpuUnits).toBe(17);
    expect(small.llamaCpp.notes.join(' ')).toMatch(/--fit shrank the context from 131,072 to [\d,]+ tokens/);
  });

  it('front ends: Ollama num_ctx by GPU memory per slot, LM Studio 4096 shared by 4, node-llama-cpp n_ubatch = n_batch', async () => {
    const ollamaSmall = await estimate('--front-end', 'ollama', '--gpu', 't4');
    const ollamaMid = await estimate('--front-end', 'ollama', '--gpu', 'rtx-4090');
    const ollamaBig = await estimate('--front-end', 'ollama', '--gpu', 'h100-80gb');
    expect([ollamaSmall, ollamaMid, ollamaBig].map((j) => j.llamaCpp.settings.nCtx)).toEqual([4096, 32_768, 131_072]);
    expect(ollamaSmall.llamaCpp.settings).toMatchObject({
      sequences: 1,
      batchSize: 512,
      ubatchSize: 512,
      outputsMax: 1,
    });
    const lm = await estimate('--front-end', 'lm-studio', '--gpu', 'rtx-4090');
    expect(lm.llamaCpp.settings).toMatchObject({ nCtx: 4096, sequences: 4, kvUnified: true, flashAttention: false });
    const node = await estimate('--front-end', 'node-llama-cpp', '--ctx', '8k');
    expect(node.llamaCpp.settings).toMatchObject({ batchSize: 512, ubatchSize: 512, outputsMax: 512 });
  });

  it('without --gpu every layer runs in host memory; Apple silicon has no CUDA context', async () => {
    const cpu = await estimate('--ctx', '4096');
    expect(cpu.llamaCpp.backend).toBe('cpu');
    expect(cpu.llamaCpp.gpus).toEqual([]);
    expect(cpu.totalHostBytes).toBe(cpu.llamaCpp.host.totalBytes);
    const mac = await estimate('--gpu', 'm4-24gb', '--ctx', '4096');
    expect(mac.llamaCpp.backend).toBe('metal');
    expect(mac.components.map((c: { id: string }) => c.id)).not.toContain('overhead');
  });

  it('K and V types apart; a quantized V needs flash attention, as llama.cpp says', async () => {
    const f16 = await estimate('--ctx', '8k', '--users', '1');
    const mixed = await estimate('--ctx', '8k', '--users', '1', '--k-dtype', 'q8_0', '--v-dtype', 'q4_0');
    // f16 2 B, q8_0 34/32 B, q4_0 18/32 B per element: K + V = (34 + 18) / 64 of f16's
    expect(mixed.llamaCpp.host.kvBytes * 64).toBe((f16.llamaCpp.host.kvBytes * (34 + 18)) / 2);
    const refused = await run(['estimate', '--model', gguf, '--v-dtype', 'q8_0', '--attention', 'eager']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/quantized V cache requires flash_attn/);
  });

  it.each([
    [['--split-mode', 'row'], /--split-mode row: .* not modelled/],
    [['--gpu', 'rtx-4090', '--gpus', '2', '--tensor-split', '1,2,3'], /--tensor-split: 3 shares for 2 GPUs/],
    [['--tensor-split', '1,1'], /--tensor-split: needs --gpu/],
    [['--kv-dtype', 'fp8'], /llama.cpp's KV cache types are/],
    [['--gpu-layers', 'some'], /--gpu-layers: "some" is not a layer count, auto or max/],
    [['--engine', 'vllm'], /--engine vllm: estimate sizes the generic engine or llama.cpp/],
    [['--gpu', 'h100', '--tp', '2', '--engine', 'llama.cpp'], /--tp: llama.cpp splits layers/],
    [['--kv-unified', 'maybe'], /--kv-unified: "maybe" is not on or off/],
  ])('refuses %j with one line', async (args, message) => {
    const { code, stdout, stderr } = await run(['estimate', '--model', gguf, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--attention auto is llama.cpp only', async () => {
    const other = await run([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'h100',
      '--engine',
      'vllm',
      '--attention',
      'auto',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--attention auto: is llama.cpp's -fa auto; vllm takes flash or eager/);
    const training = await run(['estimate', '--train', '--model', 'llama-7b', '--attention', 'auto']);
    expect(training.code).toBe(2);
  });
});

describe('capacity --engine llama.cpp: the contract scripts read', () => {
  it('per-GPU rows weights, kv_cache, compute_buffer and output_buffer in exact bytes, host memory in hostBytes', async () => {
    const { code, json } = await runJson([
      'capacity',
      '--model',
      gguf,
      '--engine',
      'llama.cpp',
      '--gpu',
      'rtx-4090',
      '--ctx',
      '8k',
      '--users',
      '2',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const rows = Object.fromEntries(json.perGpu.map((row: { id: string }) => [row.id, row]));
    for (const id of ['weights', 'kv_cache', 'compute_buffer', 'output_buffer'])
      expect(Number.isInteger(rows[id].bytes), id).toBe(true);
    expect(rows.weights.hostBytes).toBe(128_256 * 2048 * 2); // token embeddings
    expect(rows.output_buffer).toMatchObject({ bytes: 0, hostBytes: 128_256 * 2 * 4 });
    expect(rows.kv_cache.bytes).toBe(16 * 2 * 8 * 64 * 2 * 8192 * 2);
    expect(json.fits).toBe(true);
  });

  it('llama.cpp options select llama.cpp when --engine is not given, and are refused for another engine', async () => {
    const implied = await runJson([
      'capacity',
      '--model',
      gguf,
      '--gpu',
      'rtx-4090',
      '--gpu-layers',
      'max',
      '--format',
      'json',
    ]);
    expect(implied.json.engine).toBe('llama.cpp');
    const other = await run([
      'capacity',
      '--model',
      gguf,
      '--gpu',
      'rtx-4090',
      '--engine',
      'vllm',
      '--front-end',
      'ollama',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--front-end: applies to --engine llama.cpp, not vllm/);
  });
});

describe('estimate --engine llama.cpp --solve ctx', () => {
  it('the longest context per sequence with every layer on the GPU, at the expected values and both ends', async () => {
    const json = await estimate('--gpu-memory', '4GiB', '--users', '1', '--solve', 'ctx');
    const { expected, pessimistic, optimistic } = json.llamaCpp.solvedContext;
    expect(pessimistic).toBeLessThanOrEqual(expected);
    expect(expected).toBeLessThanOrEqual(optimistic);
    const at = async (ctx: number) =>
      (await estimate('--gpu-memory', '4GiB', '--users', '1', '--ctx', String(ctx), '--gpu-layers', 'max')).fit;
    expect((await at(expected)).fits).toBe(true);
    expect((await at(expected + 1)).fits).toBe(false);
    const refused = await run(['estimate', '--model', gguf, '--solve', 'ctx']);
    expect(refused.stderr).toMatch(/--solve ctx: needs --gpu/);
  });
});

describe('llama.cpp refusals across commands', () => {
  it.each([
    [
      ['capacity', '--engine', 'llama.cpp', '--gpu', 'rtx-4090', '--gpus', '2', '--tensor-split', '1,2,3'],
      /--tensor-split: 3 shares for 2 GPUs per replica/,
    ],
    [['estimate', '--engine', 'llama.cpp', '--gpu', 'all'], /--gpu all: llama.cpp is sized on one GPU type/],
    [
      ['capacity', '--engine', 'llama.cpp', '--gpu', 'rtx-4090', '--model', 'deepseek-v2-lite'],
      /latent attention \(MLA\)/,
    ],
    [['estimate', '--engine', 'llama.cpp', '--model', 'jamba-1.5-mini'], /recurrent/],
  ])('%j', async (args, message) => {
    const argv = args.includes('--model') ? args : [...args, '--model', 'llama-3.1-8b'];
    const { code, stdout, stderr } = await run(argv);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(message);
  });
});

describe('a real Llama 3 GGUF layout', () => {
  it('rope_freqs (precomputed RoPE factors) is loaded on each device with layers but is not a parameter: no mismatch warning', async () => {
    const { code, stderr, json } = await runJson(['estimate', '--model', gguf, '--ctx', '4096', '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/tensor table holds/);
    expect(json.model.parameterCount).toBe(1_235_814_400);
  });
});

describe('llama.cpp rules the review found (llama.cpp 80fb11a)', () => {
  const preset = async (...args: string[]) => {
    const { code, json, stderr } = await runJson(['estimate', '--engine', 'llama.cpp', ...args, '--format', 'json']);
    expect(code, stderr).toBe(0);
    return json;
  };

  it('sliding windows only where llama.cpp has a sliding-window cache: not Mistral v0.1 (llama) nor Phi-3', async () => {
    const mistral = await preset('--model', 'mistral-7b-v0.1', '--ctx', '32k', '--users', '1');
    expect(mistral.llamaCpp.kvCells).toEqual({ full: 32_768, sliding: null });
    const phi = await preset('--model', 'phi-3-mini-4k', '--ctx', '4k', '--users', '1');
    expect(phi.llamaCpp.kvCells.sliding).toBeNull();
    const gemma = await preset('--model', 'gemma-2-9b', '--ctx', '8k', '--users', '1');
    expect(gemma.llamaCpp.kvCells).toEqual({ full: 8192, sliding: 4608 }); // pad(4096 + 512, 256)
  });

  it('-np N without -c: --fit gives every stream the trained context (n_ctx = n_ctx_train × n_streams)', async () => {
    const json = await preset('--model', 'llama-3.2-1b', '--users', '4', '--gpu', 'h100-80gb');
    expect(json.llamaCpp.settings).toMatchObject({ nCtx: 4 * 131_072, nCtxSeq: 131_072, kvUnified: false });
  });

  it('CUDA has no flash-attention kernel for K q8_0 with V f16: -fa auto turns it off; a quantized V is then refused', async () => {
    const mixed = await preset(
      '--model',
      'llama-3.2-1b',
      '--ctx',
      '8k',
      '--users',
      '1',
      '--gpu',
      'rtx-4090',
      '--k-dtype',
      'q8_0',
    );
    expect(mixed.llamaCpp.settings.flashAttention).toBe(false);
    const cpu = await preset('--model', 'llama-3.2-1b', '--ctx', '8k', '--users', '1', '--k-dtype', 'q8_0');
    expect(cpu.llamaCpp.settings.flashAttention).toBe(true);
    const refused = await run([
      'estimate',
      '--engine',
      'llama.cpp',
      '--model',
      'llama-3.2-1b',
      '--gpu',
      'rtx-4090',
      '--v-dtype',
      'q5_1',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no flash-attention kernel for this pair/);
  });

  it.each([
    [['--users', '300'], /--users 300: llama.cpp runs at most 256 sequences/],
    [['--kv-unified', 'off'], /llama-server's -np auto \(no --users\) always unifies the cache/],
    [['--model', 'opt-1.3b'], /no llama.cpp architecture/],
  ])('refuses %j', async (args, message) => {
    const argv = [
      'estimate',
      '--engine',
      'llama.cpp',
      ...(args.includes('--model') ? [] : ['--model', 'llama-3.2-1b']),
      ...args,
    ];
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('estimate --engine llama.cpp --format markdown', () => {
  it('has the table’s columns (per GPU, all GPUs, host RAM), ranges scaled to one GPU, and llama.cpp’s lines', async () => {
    const { code, stdout } = await run([
      'estimate',
      '--model',
      'gemma-2-9b',
      '--engine',
      'llama.cpp',
      '--gpu',
      'rtx-4090',
      '--gpus',
      '2',
      '--ctx',
      '8k',
      '--format',
      'markdown',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| Component \| Per GPU \| All 2 GPUs \| Host RAM \| Basis \| Formula \|/);
    expect(stdout).toMatch(
      /\| CUDA context \| 512\.00 MiB \| 1\.00 GiB \| 0 B \| heuristic, range 273\.75 MiB – 1\.31 GiB \|/,
    );
    expect(stdout).toMatch(/- VRAM, GPU 1: .* \(20 layers \+ output\)/);
    expect(stdout).toMatch(/required per GPU: .*the most loaded GPU: its layers' weights and KV cache/);
  });
});
