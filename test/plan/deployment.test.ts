/**
 * One model of a deployment in every command: --gpus is the total, --tp × --pp × --dp say how it
 * is used, and `estimate` and `capacity --engine generic` agree on what fits.
 */
import { describe, expect, it } from 'vitest';
import { planCapacity } from '../../src/plan/capacity.js';
import { resolveDeployment } from '../../src/plan/deployment.js';
import { planEstimate } from '../../src/plan/estimate.js';
import { modelFromPreset } from '../../src/plan/model.js';
import { planTraining } from '../../src/plan/trainingPlan.js';
import { runJson } from '../helpers.js';

describe('resolveDeployment', () => {
  it.each([
    [{ gpus: 4 }, 'serving', [4, 1, 1]],
    [{ gpus: 16 }, 'serving', [8, 2, 1]],
    [{ gpus: 16, gpusPerNode: 4 }, 'serving', [4, 4, 1]],
    [{ gpus: 8, pp: 2 }, 'serving', [4, 2, 1]],
    [{ gpus: 8, tp: 2 }, 'serving', [2, 4, 1]],
    [{ gpus: 8, dp: 2 }, 'serving', [4, 1, 2]],
    [{ gpus: 8, tp: 2, pp: 2 }, 'serving', [2, 2, 2]],
    [{ tp: 4, pp: 2 }, 'serving', [4, 2, 1]],
    [{ gpus: 3 }, 'layers', [1, 3, 1]],
    [{ gpus: 8, dp: 2 }, 'layers', [1, 4, 2]],
    [{ gpus: 8 }, 'training', [1, 1, 8]],
    [{ gpus: 8, tp: 2 }, 'training', [2, 1, 4]],
  ] as const)('%j (%s) → tp, pp, dp = %j', (input, style, [tp, pp, dp]) => {
    const d = resolveDeployment(input, style);
    expect([d.tensorParallel, d.pipelineParallel, d.dataParallel]).toEqual([tp, pp, dp]);
    expect(d.gpuCount).toBe(tp * pp * dp * d.contextParallel);
  });

  it.each([
    [{ gpus: 16, tp: 4, pp: 2, dp: 1 }, 'serving', /--gpus: 16 is not --tp 4 × --pp 2 × --dp 1 = 8/],
    [{ gpus: 12 }, 'serving', /do not fill whole nodes of 8/],
    [{ gpus: 6, dp: 4 }, 'serving', /--gpus: 6 is not a multiple of --dp 4/],
    [{ gpus: 4, tp: 2 }, 'layers', /--tp: llama.cpp splits layers/],
    [{ gpus: 8, tp: 3 }, 'training', /--gpus: 8 is not a multiple of --tp 3 × --pp 1 × --cp 1 = 3/],
    [{ gpus: 8, dp: 4 }, 'training', /--gpus: 8 is not --tp 1 × --pp 1 × --cp 1 × --dp 4 = 4/],
  ] as const)('%j (%s) is refused', (input, style, message) => {
    expect(() => resolveDeployment(input, style)).toThrow(message);
  });

  it('means the same in estimate, estimate --train and capacity', async () => {
    const argv = ['--model', 'llama-3.1-70b', '--gpu', 'h100-80gb', '--gpus', '16', '--ctx', '8k'];
    const inference = (await runJson(['estimate', ...argv])).json.inputs;
    const serving = (await runJson(['capacity', ...argv, '--engine', 'vllm'])).json;
    const training = (await runJson(['estimate', '--train', ...argv])).json.inputs;
    expect(inference).toMatchObject({ gpus: 16, tp: 8, pp: 2, dp: 1 });
    expect(serving.inputs).toMatchObject({ gpus: 16, tp: 8, pp: 2, dp: 1 });
    expect(serving).toMatchObject({ gpuCount: 8, pipelineStages: 2, totalGpuCount: 16 });
    expect(training).toMatchObject({ gpus: 16, tp: 1, pp: 1, dataParallel: 16 });
  });

  it('replicas each serve their share of the users: --dp 2 doubles concurrency and the pool', async () => {
    const base = [
      'capacity',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'h100-80gb',
      '--engine',
      'vllm',
      '--ctx',
      '8k',
      '--users',
      '8',
    ];
    const one = (await runJson([...base, '--gpus', '1'])).json;
    const two = (await runJson([...base, '--gpus', '2', '--dp', '2'])).json;
    expect(two.maxConcurrency).toBeCloseTo(2 * one.maxConcurrency, 6);
    expect(two.kvCacheTokens).toBe(2 * one.kvCacheTokens);
    expect(two.totalGpuCount).toBe(2);
  });
});

describe('estimate and capacity --engine generic agree on what fits', () => {
  const MODELS = ['llama-70b', 'llama-3.1-8b', 'mixtral-8x7b', 'qwen2.5-7b', 'gemma-2-9b', 'gpt-oss-20b'];
  const CONTEXTS = [2048, 32_768];
  const USERS = [1, 16];
  const GPUS = ['rtx-4090', 'l40s', 'h100-80gb'];
  const DEPLOYMENTS = [{ gpus: 1 }, { gpus: 2 }, { gpus: 8, pp: 2 }];
  const grid = MODELS.flatMap((model) =>
    CONTEXTS.flatMap((ctx) =>
      USERS.flatMap((users) =>
        GPUS.flatMap((gpu) => DEPLOYMENTS.map((deployment) => ({ model, ctx, users, gpu, ...deployment }))),
      ),
    ),
  );

  it(`on a grid of ${grid.length} deployments`, () => {
    expect(grid.length).toBeGreaterThanOrEqual(200);
    let fits = 0;
    for (const { model, ...input } of grid) {
      const loaded = modelFromPreset(model);
      const estimate = planEstimate(loaded, input);
      const served = planCapacity(loaded, { ...input, engine: 'generic' });
      const capacityFits = served.capacity !== null && served.capacity.fits !== 'no';
      expect({ model, ...input, fits: estimate.fit?.fits }).toEqual({ model, ...input, fits: capacityFits });
      if (capacityFits) fits += 1;
    }
    // The grid is not one-sided: some deployments fit and some do not.
    expect(fits).toBeGreaterThan(grid.length / 10);
    expect(fits).toBeLessThan(grid.length - grid.length / 10);
  });

  it('training plans take the same deployment options', () => {
    const plan = planTraining(modelFromPreset('llama-7b'), { gpus: 16, tp: 2, pp: 2, zero: 1 });
    expect(plan.deployment).toMatchObject({ gpuCount: 16, tensorParallel: 2, pipelineParallel: 2, dataParallel: 4 });
  });
});
