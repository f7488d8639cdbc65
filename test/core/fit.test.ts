import { describe, expect, it } from 'vitest';
import { sumBytes } from '../../src/core/component.js';
import { type InferenceScenario, estimateInference } from '../../src/core/estimate.js';
import { type GpuSpec, fitInference, inferenceRequiredBytesPerGpu } from '../../src/core/fit.js';
import { MIB, ceilShare } from '../../src/core/units.js';
import { dtypeBytes } from '../../src/core/dtype.js';
import { kvCacheBytes, kvCacheBytesPerGpu } from '../../src/core/kvCache.js';
import { presetArch } from '../helpers.js';

const H100: GpuSpec = { id: 'h100-80gb', name: 'NVIDIA H100 80GB', memoryBytes: 81_559 * MIB };

function scenario(overrides: Partial<InferenceScenario> = {}): InferenceScenario {
  return {
    arch: presetArch('llama-70b'),
    weightDtype: 'fp16',
    kvDtype: 'fp16',
    contextTokens: 32_768,
    userCount: 10,
    attention: 'flash',
    slidingWindow: 'cap',
    stateDtypes: { conv: 'bf16', ssm: 'bf16' },
    images: null,
    prefillSequences: 1,
    promptTokens: null,
    overhead: { kind: 'model' },
    storedWeights: null,
    weightFormat: null,
    ...overrides,
  };
}

const MODELS = ['llama-7b', 'llama-70b', 'mixtral-8x7b', 'bert-base'];
const CONTEXTS = [128, 2048, 32_768];
const USERS = [1, 4, 64];

describe('inference invariants over a grid', () => {
  it('total equals the sum of the components, and equals the 1-GPU requirement', () => {
    for (const model of MODELS)
      for (const contextTokens of CONTEXTS)
        for (const userCount of USERS) {
          const s = scenario({ arch: presetArch(model), contextTokens, userCount });
          const estimate = estimateInference(s);
          expect(estimate.totalBytes).toBe(sumBytes(estimate.components));
          expect(inferenceRequiredBytesPerGpu(s, userCount, 1)).toBe(estimate.totalBytes);
        }
  });

  it('memory is monotonic in users and in context', () => {
    for (const model of MODELS) {
      const arch = presetArch(model);
      for (const contextTokens of CONTEXTS) {
        const byUsers = USERS.map(
          (userCount) => estimateInference(scenario({ arch, contextTokens, userCount })).totalBytes,
        );
        expect([...byUsers].sort((a, b) => a - b)).toEqual(byUsers);
      }
      for (const userCount of USERS) {
        const byContext = CONTEXTS.map(
          (contextTokens) => estimateInference(scenario({ arch, contextTokens, userCount })).totalBytes,
        );
        expect([...byContext].sort((a, b) => a - b)).toEqual(byContext);
      }
    }
  });

  it('sharding never increases per-GPU memory', () => {
    for (const model of MODELS) {
      const s = scenario({ arch: presetArch(model) });
      let previous = Infinity;
      for (const gpus of [1, 2, 3, 4, 8, 16]) {
        const required = inferenceRequiredBytesPerGpu(s, s.userCount, gpus);
        expect(required).toBeLessThanOrEqual(previous);
        previous = required;
      }
    }
  });
});

describe('fit verdict', () => {
  it('design card: llama-70b 32k × 10 users does not fit on 2 × H100 and fits on 4', () => {
    expect(fitInference(scenario(), H100, 2).fits).toBe(false);
    const four = fitInference(scenario(), H100, 4);
    expect(four.fits).toBe(true);
    expect(four.minGpuCount).toBe(4);
    expect(four.headroomBytes).toBe(four.usableBytesPerGpu - four.requiredBytesPerGpu);
  });

  it('maxUsers is the largest count that fits and minGpuCount the smallest', () => {
    for (const gpus of [1, 2, 4, 8]) {
      const s = scenario();
      const fit = fitInference(s, H100, gpus);
      const fits = (users: number, n: number) => inferenceRequiredBytesPerGpu(s, users, n) <= H100.memoryBytes;
      if (fit.maxUsers! > 0) expect(fits(fit.maxUsers!, gpus)).toBe(true);
      expect(fits(fit.maxUsers! + 1, gpus)).toBe(false);
      expect(fits(s.userCount, fit.minGpuCount!)).toBe(true);
      if (fit.minGpuCount! > 1) expect(fits(s.userCount, fit.minGpuCount! - 1)).toBe(false);
    }
  });

  it('maxUsers is 0 when the weights alone do not fit', () => {
    const fit = fitInference(scenario(), H100, 1);
    expect(fit.fits).toBe(false);
    expect(fit.maxUsers).toBe(0);
  });

  it('minGpuCount is null when activations and overhead alone exceed one GPU', () => {
    const tiny: GpuSpec = { id: 'tiny', name: 'tiny', memoryBytes: 256 * MIB };
    expect(fitInference(scenario(), tiny, 1).minGpuCount).toBeNull();
  });
});

describe('tensor-parallel KV and exactness', () => {
  it('K/V heads are replicated once the GPUs outnumber them (llama-70b has 8)', () => {
    const s = scenario({ weightDtype: 'fp16', userCount: 1 });
    const kv = kvCacheBytes(s.arch, 'fp16', 32_768, 1);
    expect(kvCacheBytesPerGpu(s.arch, 'fp16', 32_768, 1, 'cap', 8)).toBe(kv / 8);
    expect(kvCacheBytesPerGpu(s.arch, 'fp16', 32_768, 1, 'cap', 16)).toBe(kv / 8);
    expect(kvCacheBytesPerGpu(s.arch, 'fp16', 32_768, 1, 'cap', 3)).toBe((kv / 8) * 3);
  });

  it("MLA's latent cache is replicated on every GPU", () => {
    const deepseek = presetArch('deepseek-v3');
    expect(kvCacheBytesPerGpu(deepseek, 'bf16', 4096, 1, 'cap', 8)).toBe(kvCacheBytes(deepseek, 'bf16', 4096, 1));
  });

  it('perGpuFloorBytes is what no GPU count can shard away: one K/V head of every sequence, activations, overhead', () => {
    const s = scenario({ userCount: 1_000_000 });
    const fit = fitInference(s, H100, 4096);
    const oneHead = kvCacheBytesPerGpu(s.arch, 'fp16', 32_768, 1_000_000, 'cap', 8);
    expect(fit.minGpuCount).toBeNull();
    expect(fit.perGpuFloorBytes).toBeGreaterThan(oneHead);
    expect(fit.perGpuFloorBytes).toBeGreaterThan(fit.usableBytesPerGpu);
    expect(fitInference(scenario(), H100, 4).perGpuFloorBytes).toBeLessThan(H100.memoryBytes);
  });

  it('the library rejects a GPU count below 1', () => {
    expect(() => fitInference(scenario(), H100, 0)).toThrow(RangeError);
  });

  it('byte counts stay exact past 2^52 and overflow is an error, not a rounded number', () => {
    expect(dtypeBytes(329_853_488_332_800, 'fp32')).toBe(1_319_413_953_331_200);
    expect(() => dtypeBytes(2 ** 52, 'fp32')).toThrow(/2\^53/);
    expect(ceilShare(2 ** 52, 1000, 10_000, 'x')).toBe(450_359_962_737_050); // ceil(4,503,599,627,370,496 / 10)
  });
});
