import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type GgufMeta, TINY_LLAMA_GGUF_META, ggufFile } from '../fixtures/writers.js';
import { equalSplits, llamaCppUnitDevices } from '../../src/core/llamaCpp/placement.js';
import { capacity } from '../../src/core/serving/capacity.js';
import type { Engine } from '../../src/core/serving/types.js';
import { GIB, MIB } from '../../src/core/units.js';
import { presetArch, run, runJson } from '../helpers.js';
import { GPUS } from '../../src/model/gpus.js';

const H100 = 81_559 * MIB;

function serving(
  engine: Engine,
  overrides: { users?: number; ctx?: number; gpus?: number; settings?: Record<string, number> } = {},
) {
  return {
    inference: {
      arch: presetArch('llama-3.1-8b'),
      weightDtype: 'bf16' as const,
      kvDtype: 'bf16' as const,
      contextTokens: overrides.ctx ?? 8192,
      userCount: overrides.users ?? 1,
      attention: 'flash' as const,
      slidingWindow: 'cap' as const,
      stateDtypes: { conv: 'bf16' as const, ssm: 'bf16' as const },
      images: null,
      prefillSequences: 1,
      promptTokens: null,
      overhead: { kind: 'model' as const },
      storedWeights: null,
      weightFormat: null,
    },
    engine,
    settings: overrides.settings ?? {},
    gpuMemoryBytes: H100,
    gpuCount: overrides.gpus ?? 1,
    pipelineStages: 1,
  };
}

describe('engine profiles: their formulas', () => {
  const weights = 8_030_261_248 * 2;
  const perToken = 2 * 32 * 8 * 128 * 2; // 131,072 B

  it('SGLang: KV pool = mem_fraction_static × (memory − non-torch: the CUDA context, 512 MiB expected) − weights; 0.88 at 1 GPU, 0.85 at 4', () => {
    const nonTorch = 512 * 2 ** 20;
    expect(capacity(serving('sglang')).budget.kvPoolBytesPerGpu.expected).toBe(
      Math.floor((H100 - nonTorch) * 0.88) - weights,
    );
    expect(capacity(serving('sglang', { gpus: 4 })).budget.settings).toEqual({ memFractionStatic: 0.85 });
    const pool = capacity(serving('sglang')).kvCacheTokens.expected;
    expect(pool).toBe(Math.floor((Math.floor((H100 - nonTorch) * 0.88) - weights) / perToken));
  });

  it('vLLM: blocks of 16 tokens out of utilization × memory − weights − activations − non-torch', () => {
    const result = capacity(serving('vllm'), 'NVIDIA H100 80GB');
    const row = (id: string) => result.budget.rows.find((r) => r.id === id)!.bytes.expected;
    const pool = Math.floor(H100 * 0.9) - weights - row('activations') - row('overhead') - row('cuda_graphs');
    expect(result.budget.kvPoolBytesPerGpu.expected).toBe(pool);
    expect(result.kvCacheTokens.expected).toBe(Math.floor(pool / (16 * perToken)) * 16);
    expect(result.maxConcurrency.expected).toBe(result.kvCacheTokens.expected / 8192);
    expect(result.budget.settings).toMatchObject({
      gpuMemoryUtilization: 0.9,
      blockSize: 16,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 1024,
    });
  });

  it('vLLM batch defaults are smaller on A100 and on GPUs under 70 GiB', () => {
    expect(capacity(serving('vllm'), 'NVIDIA A100 80GB').budget.settings).toMatchObject({
      maxNumBatchedTokens: 2048,
      maxNumSeqs: 256,
    });
  });

  it('TensorRT-LLM: KV pool = 0.9 × the memory still free', () => {
    const budget = capacity(serving('tensorrt-llm')).budget;
    const free = budget.rows.find((r) => r.id === 'free')!.bytes.expected;
    expect(budget.kvPoolBytesPerGpu.expected / (budget.kvPoolBytesPerGpu.expected + free)).toBeCloseTo(0.9, 6);
  });

  it('llama.cpp: n_ctx = ctx × parallel slots, allocated up front', () => {
    const result = capacity(serving('llama.cpp', { users: 4, ctx: 8192 }));
    expect(result.budget.settings).toMatchObject({ nCtx: 4 * 8192, parallel: 4, ubatchSize: 512 });
    expect(result.fits).toBe('yes');
  });

  it('transformers: the batched prefill grows with users, so fewer fit than under vLLM', () => {
    const hf = capacity(serving('transformers', { ctx: 32_768 }));
    const vllm = capacity(serving('vllm', { ctx: 32_768 }), 'NVIDIA H100 80GB');
    expect(hf.maxConcurrency.expected).toBeLessThan(vllm.maxConcurrency.expected);
    expect(Number.isInteger(hf.maxConcurrency.expected)).toBe(true);
  });

  it('ranges: the worst end never holds more than the expected, nor the expected more than the best', () => {
    for (const engine of ['generic', 'vllm', 'sglang', 'tensorrt-llm', 'llama.cpp', 'transformers'] as const) {
      const c = capacity(serving(engine, { users: 4 }), 'NVIDIA H100 80GB');
      expect(c.kvCacheTokens.worst, engine).toBeLessThanOrEqual(c.kvCacheTokens.expected);
      expect(c.kvCacheTokens.expected, engine).toBeLessThanOrEqual(c.kvCacheTokens.best);
      expect(c.maxConcurrency.worst, engine).toBeLessThanOrEqual(c.maxConcurrency.best);
    }
  });

  it('more GPUs never reduce capacity', () => {
    let previous = 0;
    for (const gpus of [1, 2, 4, 8]) {
      const tokens = capacity(serving('vllm', { gpus }), 'NVIDIA H100 80GB').kvCacheTokens.expected;
      expect(tokens).toBeGreaterThanOrEqual(previous);
      previous = tokens;
    }
  });
});

describe('vram capacity', () => {
  it('llama-70b on 4 × H100 under vLLM at 32k: concurrency, KV tokens and per-GPU rows with ranges', async () => {
    const { code, json } = await runJson([
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '4',
      '--engine',
      'vllm',
      '--ctx',
      '32k',
    ]);
    expect(code).toBe(0);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'engine',
        'gpu',
        'gpuCount',
        'perGpu',
        'kvCacheBytes',
        'kvCacheTokens',
        'maxConcurrency',
        'maxContextTokens',
        'minGpuCount',
        'fits',
        'ranges',
        'warnings',
      ]),
    );
    expect(json).toMatchObject({
      schemaVersion: 1,
      engine: 'vllm',
      gpu: 'h100-80gb',
      gpuCount: 4,
      fits: true,
      fitsVerdict: 'yes',
      minGpuCount: 2,
    });
    expect(json.kvCacheTokens % 16).toBe(0);
    expect(json.maxConcurrency).toBeCloseTo(json.kvCacheTokens / 32_768, 10);
    expect(json.maxConcurrency).toBeGreaterThan(14);
    expect(json.ranges.maxConcurrency.worst).toBeLessThan(json.ranges.maxConcurrency.best);
    expect(json.perGpu.map((r: { id: string }) => r.id)).toEqual([
      'weights',
      'activations',
      'overhead',
      'cuda_graphs',
      'kv_pool',
      'free',
    ]);
    expect(json.inputs.engineSettings).toMatchObject({ maxModelLen: 32_768 });
  });

  it('without --gpu it lists, for each catalog GPU, how many are needed', async () => {
    const { code, json } = await runJson(['capacity', '--model', 'llama-70b', '--ctx', '32k', '--users', '10']);
    expect(code).toBe(0);
    const byGpu = Object.fromEntries(
      json.gpus.map((g: { gpu: string; minGpuCount: number | null }) => [g.gpu, g.minGpuCount]),
    );
    expect(byGpu['h100-80gb']).toBe(4);
    expect(byGpu.h200).toBe(2);
    expect(json.gpus).toHaveLength(GPUS.length);
  });

  it('--assert-fits exits 3 on an overloaded workload and 0 otherwise', async () => {
    expect(
      (
        await run([
          'capacity',
          '--model',
          'llama-3.1-8b',
          '--gpu',
          'h100',
          '--engine',
          'vllm',
          '--ctx',
          '32k',
          '--users',
          '500',
          '--assert-fits',
        ])
      ).code,
    ).toBe(3);
    expect(
      (
        await run([
          'capacity',
          '--model',
          'llama-3.1-8b',
          '--gpu',
          'h100',
          '--engine',
          'vllm',
          '--ctx',
          '32k',
          '--users',
          '4',
          '--assert-fits',
        ])
      ).code,
    ).toBe(0);
  });

  it('vLLM refuses a max_model_len its cache cannot hold; vram says so and estimates the maximum', async () => {
    const { json, stderr } = await runJson([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'rtx-3090',
      '--engine',
      'vllm',
      '--ctx',
      '64k',
    ]);
    expect(json.refusal).toMatch(/vLLM would refuse to start: max seq len \(65,536\) is larger than/);
    expect(stderr).toMatch(/warning: vLLM would refuse to start/);
    expect(json.fitsVerdict).toBe('no');
    expect(
      (
        await run([
          'capacity',
          '--model',
          'llama-3.1-8b',
          '--gpu',
          'rtx-3090',
          '--engine',
          'vllm',
          '--ctx',
          '64k',
          '--assert-fits',
        ])
      ).code,
    ).toBe(3);
  });

  it('vLLM, SGLang and TensorRT-LLM size from the CUDA-visible total where one was seen; other engines from nvidia-smi', async () => {
    const vllm = (
      await runJson(['capacity', '--model', 'llama-3.1-8b', '--gpu', 'rtx-3090', '--engine', 'vllm', '--ctx', '8k'])
    ).json;
    expect(vllm.gpuMemoryBytes).toBe(24_146 * 2 ** 20); // vllm#10517: total_gpu_memory=23.58GiB
    expect(vllm.notes.join(' ')).toMatch(/CUDA-visible total, 24,146 MiB on rtx-3090 \(nvidia-smi shows 24,576 MiB/);
    const generic = (await runJson(['capacity', '--model', 'llama-3.1-8b', '--gpu', 'rtx-3090', '--ctx', '8k'])).json;
    expect(generic.gpuMemoryBytes).toBe(24_576 * 2 ** 20);
    const h100 = (
      await runJson(['capacity', '--model', 'llama-3.1-8b', '--gpu', 'h100-80gb', '--engine', 'sglang', '--ctx', '8k'])
    ).json;
    expect(h100.gpuMemoryBytes).toBe(81_559 * 2 ** 20);
    expect(h100.notes.join(' ')).toMatch(/none was found for h100-80gb, so nvidia-smi's is used/);
  });

  it('vLLM with weights larger than its share of the GPU: no memory for the cache blocks, not "lower --max-model-len to 0"', async () => {
    const { json, stderr } = await runJson([
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--engine',
      'vllm',
      '--ctx',
      '4k',
    ]);
    expect(json.refusal).toMatch(/leave no memory for the KV cache/);
    expect(json.refusal).not.toMatch(/lower --max-model-len/);
    expect(json.fitsVerdict).toBe('no');
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('warning: vLLM')),
    ).toHaveLength(1);
  });

  it('tensor-parallel sizes must split or replicate the K/V heads evenly: Qwen2.5-7B, 28 heads, 4 K/V heads -> 1, 2, 4, 28 (not 7 or 14)', async () => {
    const { code, stderr } = await run([
      'capacity',
      '--model',
      'qwen2.5-7b',
      '--gpu',
      'h100',
      '--gpus',
      '7',
      '--engine',
      'vllm',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/\(1, 2, 4, 28\), not 7/);
  });

  it('llama.cpp splits layers: any GPU count, the KV cache divided rather than replicated', async () => {
    const one = (
      await runJson([
        'capacity',
        '--model',
        'llama-3.1-8b',
        '--gpu',
        'rtx-4090',
        '--engine',
        'llama.cpp',
        '--ctx',
        '32k',
        '--users',
        '8',
      ])
    ).json;
    const three = (
      await runJson([
        'capacity',
        '--model',
        'llama-3.1-8b',
        '--gpu',
        'rtx-4090',
        '--gpus',
        '3',
        '--engine',
        'llama.cpp',
        '--ctx',
        '32k',
        '--users',
        '8',
      ])
    ).json;
    expect(three.warnings.join(' ')).not.toMatch(/tensor-parallel/);
    // 33 units (32 layers + output) over 3 GPUs by upper_bound: 11, 11, 10 + output; the most loaded holds 11 layers' KV
    expect(three.kvBytesPerTokenPerGpu).toBe((one.kvBytesPerTokenPerGpu * 11) / 32);
    // GPU0 gets 5 layers, as llama-model.cpp assigns them; the output unit goes to the last GPU
    const devices = llamaCppUnitDevices(32, 33, equalSplits(8));
    const layersOn = (gpu: number) => devices.slice(0, 32).filter((d) => d === gpu).length;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(layersOn)).toEqual([5, 4, 4, 4, 4, 4, 4, 3]);
    expect(devices[32]).toBe(7);
    expect(one.minGpuCount).toBe(three.minGpuCount);
    expect(one.minGpuCount).toBeGreaterThan(1);
  });

  it('warns when users exceed what vLLM runs at once (max_num_seqs); llama.cpp refuses more than LLAMA_MAX_SEQ', async () => {
    const vllm = await runJson([
      'capacity',
      '--model',
      'llama-3.2-1b',
      '--gpu',
      'h100',
      '--engine',
      'vllm',
      '--ctx',
      '1k',
      '--users',
      '2000',
    ]);
    expect(vllm.stderr).toMatch(/--users 2000 is more than vLLM's max_num_seqs 1024/);
    const llama = await runJson([
      'capacity',
      '--model',
      'llama-3.2-1b',
      '--gpu',
      'h100',
      '--engine',
      'llama.cpp',
      '--ctx',
      '1k',
      '--users',
      '300',
    ]);
    // llama_init_from_model throws "n_seq_max must be <= 256"
    expect(llama.code).toBe(2);
    expect(llama.stderr).toMatch(/--users 300: llama.cpp runs at most 256 sequences/);
    const within = await runJson([
      'capacity',
      '--model',
      'llama-3.2-1b',
      '--gpu',
      'h100',
      '--engine',
      'llama.cpp',
      '--ctx',
      '1k',
      '--users',
      '4',
    ]);
    expect(within.json.notes.join(' ')).toMatch(/output buffer .* in pinned host memory/);
    expect(within.json.maxConcurrency).toBeLessThanOrEqual(256); // the search stops at LLAMA_MAX_SEQ
  });

  it('pipeline parallelism: stages split the layers (embeddings and head on the end stages); --gpus is the total, tp × pp', async () => {
    const { code, json } = await runJson([
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '8',
      '--pp',
      '2',
      '--engine',
      'vllm',
      '--ctx',
      '32k',
    ]);
    expect(code).toBe(0);
    expect(json).toMatchObject({ gpuCount: 4, pipelineStages: 2, totalGpuCount: 8 });
    // 40 of 80 layers of 855,654,400 parameters + the 262,144,000-parameter embedding (or head) + the
    // final norm's 8,192, fp16, ÷ 4
    const weights = json.perGpu.find((row: { id: string }) => row.id === 'weights').bytes;
    expect(weights).toBe((2 * (40 * 855_654_400 + 262_144_000 + 8_192)) / 4);
    // gpt-oss-20b: MXFP4 experts, 16-bit embeddings: the stage is costed in bytes, not parameters
    // (6 of 24 layers' 11,444,731,008 B / 4 + one 1,158,266,880 B vocabulary matrix, ±1 %)
    const oss = (await runJson(['capacity', '--model', 'gpt-oss-20b', '--gpu', 'l4', '--engine', 'vllm', '--pp', '4']))
      .json;
    const ossWeights = oss.perGpu.find((row: { id: string }) => row.id === 'weights').bytes;
    expect(Math.abs(ossWeights / (11_444_731_008 / 4 + 1_158_266_880) - 1)).toBeLessThan(0.01);
    expect(json.kvBytesPerTokenPerGpu).toBe(40_960); // 81,920 B at TP4, half the layers
    const { stdout } = await run([
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--tp',
      '4',
      '--pp',
      '2',
      '--engine',
      'vllm',
      '--ctx',
      '32k',
    ]);
    expect(stdout).toMatch(/on 4 × 2 pipeline stages × NVIDIA H100 80GB/);
    // llama.cpp splits layers: its GPUs are pipeline stages, and a tensor-parallel split is refused.
    const layers = (
      await runJson(['capacity', '--model', 'llama-70b', '--gpu', 'h100', '--pp', '2', '--engine', 'llama.cpp'])
    ).json;
    expect(layers).toMatchObject({ gpuCount: 2, pipelineStages: 1, totalGpuCount: 2 });
    expect(
      (await run(['capacity', '--model', 'llama-70b', '--gpu', 'h100', '--tp', '2', '--engine', 'llama.cpp'])).stderr,
    ).toMatch(/--tp: llama.cpp splits layers/);
    expect(
      (await run(['capacity', '--model', 'llama-70b', '--gpu', 'h100', '--pp', '2', '--engine', 'transformers']))
        .stderr,
    ).toMatch(/--pp: applies to --engine vllm or sglang or tensorrt-llm or generic or llama.cpp, not transformers/);
    expect(
      (await run(['capacity', '--model', 'llama-70b', '--gpu', 'h100', '--pp', '81', '--engine', 'vllm'])).stderr,
    ).toMatch(/--pp: 81 stages is more than llama-2-70b's 80 layers/);
  });

  it('vLLM starts on sliding-window models when one request fits its windows (gpt-oss-20b on an L4 at 128k)', async () => {
    const { json } = await runJson([
      'capacity',
      '--model',
      'gpt-oss-20b',
      '--gpu',
      'l4',
      '--engine',
      'vllm',
      '--ctx',
      '128k',
      '--gpu-memory-utilization',
      '0.85',
    ]);
    expect(json.maxConcurrency).toBeGreaterThan(1);
    expect(json.refusal).toBeNull();
    expect(json.fitsVerdict).not.toBe('no');
    const tiny = (
      await runJson([
        'capacity',
        '--model',
        'llama-3.1-8b',
        '--gpu-memory',
        '18754727212B',
        '--engine',
        'vllm',
        '--ctx',
        '8k',
      ])
    ).json;
    expect(tiny.refusal).toMatch(/leave no memory for the KV cache/);
  });

  it('a users sweep keeps an explicit --max-model-len; --ctx past it warns; max-num-batched-tokens is checked against the default max_num_seqs', async () => {
    const base = ['capacity', '--model', 'llama-3.1-8b', '--gpu', 'h100-80gb', '--engine', 'vllm'];
    const { json } = await runJson([
      ...base,
      '--ctx',
      '8k',
      '--max-model-len',
      '32k',
      '--users',
      '4',
      '--sweep-users',
      '4',
    ]);
    expect(json.sweeps.users[0].maxContextTokens.expected).toBe(json.maxContextTokens);
    expect((await runJson([...base, '--ctx', '32k', '--max-model-len', '8k'])).stderr).toMatch(
      /--ctx 32,768 is longer than --max-model-len 8,192: vLLM rejects such prompts/,
    );
    const { code, stderr } = await run([...base, '--max-num-batched-tokens', '100']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /--max-num-batched-tokens: 100 is less than max_num_seqs 1024 \(vLLM's default for this GPU\)/,
    );
    expect(
      (await run(['capacity', '--model', 'llama-3.1-8b', '--gpu', 'h100', '--engine', 'llama.cpp', '--gpus', '17']))
        .stderr,
    ).toMatch(/--gpus: llama.cpp's CUDA backend supports at most 16 GPUs/);
  });

  it('a float32 config loads in 16 bits under vLLM (dtype auto: bf16 for Gemma 2), with a warning; --dtype fp32 keeps it', async () => {
    const { json, stderr } = await runJson([
      'capacity',
      '--model',
      'gemma-2-9b',
      '--gpu',
      'h100',
      '--engine',
      'vllm',
      '--ctx',
      '8k',
    ]);
    expect(stderr).toMatch(/config says float32; vllm loads it in bf16/);
    expect(json.inputs).toMatchObject({ dtype: 'bf16', kvDtype: 'bf16' });
    const fp32 = (
      await runJson([
        'capacity',
        '--model',
        'gemma-2-9b',
        '--gpu',
        'h100',
        '--engine',
        'vllm',
        '--ctx',
        '8k',
        '--dtype',
        'fp32',
      ])
    ).json;
    const weights = (j: any) => j.perGpu.find((row: { id: string }) => row.id === 'weights').bytes;
    expect(weights(fp32)).toBe(2 * weights(json));
  });

  it("llama.cpp on several GPUs splits a GGUF file's stored bytes by layer (embeddings on the CPU)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vram-gguf-')), 'four-layers.gguf');
    const blocks = [0, 1, 2, 3].flatMap((i) => [
      { name: `blk.${i}.ffn_down.weight`, shape: [512, 256], type: 8 },
      { name: `blk.${i}.ffn_up.weight`, shape: [256, 512], type: 8 },
    ]);
    const meta = TINY_LLAMA_GGUF_META.map(
      ([key, type, value]): GgufMeta => (key === 'llama.block_count' ? [key, type, 4] : [key, type, value]),
    );
    writeFileSync(path, ggufFile(meta, [{ name: 'token_embd.weight', shape: [256, 1000], type: 8 }, ...blocks]));
    const weightsOn = async (gpus: string) =>
      (
        await runJson([
          'capacity',
          '--model',
          path,
          '--engine',
          'llama.cpp',
          '--gpu',
          't4',
          '--gpus',
          gpus,
          '--ctx',
          '1k',
        ])
      ).json.perGpu.find((row: { id: string }) => row.id === 'weights').bytes as number;
    const one = await weightsOn('1');
    const two = await weightsOn('2');
    // 5 units (4 layers + output) over 2 GPUs: 3 layers on GPU0, 1 layer + output on GPU1; the tied
    // output is the 1000 × 256 embedding again; the input embedding stays on the CPU
    expect(two).toBeGreaterThan(0);
    expect(two).toBeLessThan(one);
    expect(two).toBeGreaterThan(one / 4);
  });

  it('vLLM rejects a --ctx longer than --max-model-len, and the max context stops at max_model_len', async () => {
    const { json } = await runJson([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'h100-80gb',
      '--engine',
      'vllm',
      '--ctx',
      '16k',
      '--max-model-len',
      '8k',
    ]);
    expect(json.fitsVerdict).toBe('no');
    expect(json.maxContextTokens).toBe(8192); // the expected value; ranges are under json.ranges
    const within = (
      await runJson([
        'capacity',
        '--model',
        'llama-3.1-8b',
        '--gpu',
        'h100-80gb',
        '--engine',
        'vllm',
        '--ctx',
        '4k',
        '--max-model-len',
        '8k',
      ])
    ).json;
    expect(within.fitsVerdict).toBe('yes');
  });

  it('sweeps give a capacity curve', async () => {
    const { json } = await runJson([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'l40s',
      '--engine',
      'vllm',
      '--sweep-ctx',
      '4k,8k,32k',
      '--sweep-users',
      '1,8',
    ]);
    const concurrency = json.sweeps.ctx.map((s: { maxConcurrency: { expected: number } }) => s.maxConcurrency.expected);
    expect(concurrency[0]).toBeGreaterThan(concurrency[1]);
    expect(concurrency[1]).toBeGreaterThan(concurrency[2]);
    expect(json.sweeps.users[0].maxContextTokens.expected).toBeGreaterThan(
      json.sweeps.users[1].maxContextTokens.expected,
    );
    const table = await run([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'l40s',
      '--engine',
      'vllm',
      '--sweep-ctx',
      '4k,8k,32k',
    ]);
    expect(table.stdout).toMatch(/Max concurrency by context/);
    expect(table.stdout).toMatch(/█/);
  });

  it('a context above the trained maximum is a warning, not an error', async () => {
    const { code, json } = await runJson([
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100',
      '--gpus',
      '4',
      '--ctx',
      '32k',
    ]);
    expect(code).toBe(0);
    expect(json.warnings[0]).toMatch(/was trained on 4,096 tokens/);
  });

  it('--gpu-memory sizes a card not in the catalog', async () => {
    const { json } = await runJson([
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu-memory',
      '94GiB',
      '--engine',
      'sglang',
      '--ctx',
      '8k',
    ]);
    expect(json).toMatchObject({ gpu: 'custom', gpuMemoryBytes: 94 * GIB });
  });

  it.each([
    [
      ['--gpu', 'h100', '--engine', 'vllm', '--gpu-memory-utilization', '1.5'],
      /--gpu-memory-utilization: "1.5" must be greater than 0 and at most 1/,
    ],
    [
      ['--gpu', 'h100', '--engine', 'vllm', '--gpu-memory-utilization', '0'],
      /--gpu-memory-utilization: "0" must be greater than 0/,
    ],
    [['--gpu', 'h100', '--gpus', '0'], /--gpus: "0" must be at least 1/],
    [['--gpu', 'h1000'], /--gpu: unknown GPU "h1000" \(did you mean h100\?\)/],
    [
      ['--gpu', 'h100', '--gpus', '3', '--engine', 'vllm'],
      /--gpus: vllm needs a tensor-parallel size that divides the 32 attention heads and whose 8 K\/V heads split or replicate evenly \(1, 2, 4, 8, 16, 32\), not 3/,
    ],
    [
      ['--gpu', 'h100', '--mem-fraction-static', '0.8'],
      /--mem-fraction-static: applies to --engine sglang, not generic/,
    ],
    [['--sweep-ctx', '4k,8k'], /--sweep-ctx: needs --gpu/],
    [['--gpu', 'h100', '--sweep-ctx', '4k,,8k'], /--sweep-ctx: "4k,,8k" is not a comma-separated list/],
    [['--engine', 'vlm'], /--engine: "vlm" is not one of .* \(did you mean vllm\?\)/],
    [['--assert-fits'], /--assert-fits: needs --gpu <id> or --gpu-memory/],
    [['--gpus', '4'], /--gpus: 4 GPUs of which type\? give --gpu <id> or --gpu-memory <size>/],
    [['--gpu-memory', '512B'], /--gpu-memory: 512 B is less than 1 MiB/],
    [['--gpu', 'h100', '--engine', 'vllm', '--block-size', '24'], /--block-size: 24 is not a power of two/],
    [
      ['--gpu', 'h100', '--engine', 'vllm', '--max-num-batched-tokens', '128', '--max-num-seqs', '256'],
      /--max-num-batched-tokens: 128 is less than --max-num-seqs 256/,
    ],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const { code, stdout, stderr } = await run(['capacity', '--model', 'llama-3.1-8b', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('an encoder has no KV cache to plan', async () => {
    const { code, stderr } = await run(['capacity', '--model', 'bert-base']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is an encoder and keeps no KV cache/);
  });
});

describe('capacity --explain (issue 13)', () => {
  it('adds the working: each budget row with its basis, range and formula, and the engine notes; JSON is unchanged', async () => {
    const argv = [
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '4',
      '--engine',
      'vllm',
      '--ctx',
      '32k',
    ];
    const { stdout } = await run([...argv, '--explain']);
    expect(stdout).toContain('\nWorking\n  Weights shard: 32.12 GiB = 34,488,324,096 B [exact] = weights ÷ 4\n');
    expect(stdout).toMatch(/ {2}KV pool: .* \[derived, range .*\] = 0\.9 × GPU memory − the rows above/);
    expect(stdout).toMatch(/Engine notes\n {2}· vLLM V1 defaults for this GPU/);
    const json = await run([...argv, '--explain', '--format', 'json']);
    expect(json.stdout).toBe(
      (await run([...argv, '--format', 'json'])).stdout.replace('"explain": false', '"explain": true'),
    );
  });
});
