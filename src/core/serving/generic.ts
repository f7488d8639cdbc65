/**
 * The generic engine: vram's own model, stated plainly, and the layout `vram estimate` fits with
 * (core/fit.ts), so the two agree. On each GPU: the weights shard, the prefill peak of one
 * sequence of the context over the whole model (conservative: tensor parallelism would split its
 * attention and MLP parts), and the CUDA-context + allocator overhead (overhead.ts); the KV cache
 * may use all the rest. runtimeBudget is that
 * layout for any activation reserve (transformers uses it with a batched prefill).
 */
import { transformersForward } from '../inferenceActivations.js';
import { promptTokensOf } from '../estimate.js';
import { pytorchInferenceOverheadBytes } from '../overhead.js';
import { formatInt } from '../units.js';
import { forwardPeakBytes, weightsPerGpu, weightsShardRow } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import type { EngineBudget, ServingScenario } from './types.js';

/** GPU memory − weights shard − an activation reserve − vram's overhead model: the rest is the KV cache's. */
export function runtimeBudget(
  scenario: ServingScenario,
  activation: { bytes: number; label: string; formula: string },
  poolLabel: string,
  notes: string[],
): EngineBudget {
  const { inference, gpuCount } = scenario;
  const weights = same(weightsPerGpu(inference, gpuCount, scenario.pipelineStages));
  const activations = same(activation.bytes);
  const overhead = atLevels((level) => pytorchInferenceOverheadBytes(level, activation.bytes));
  const kvPool = minus(same(scenario.gpuMemoryBytes), weights, activations, overhead);
  return {
    rows: [
      weightsShardRow(scenario, weights),
      { id: 'activations', label: activation.label, bytes: activations, formula: activation.formula, basis: 'model' },
      {
        id: 'overhead',
        label: 'Runtime overhead',
        bytes: overhead,
        formula: 'CUDA context + allocator cache (50 % of activations, as estimate counts it)',
        basis: 'heuristic',
      },
      { id: 'kv_pool', label: poolLabel, bytes: kvPool, formula: 'GPU memory − the rows above', basis: 'derived' },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    split: 'tensor',
    requestTokens: inference.contextTokens,
    notes,
    settings: {},
  };
}

export function genericBudget(scenario: ServingScenario): EngineBudget {
  const { inference } = scenario;
  return runtimeBudget(
    scenario,
    {
      bytes: forwardPeakBytes(inference, 1, promptTokensOf(inference), 1, transformersForward(inference.weightDtype)),
      label: 'Activation reserve',
      formula: `prefill peak of one ${formatInt(promptTokensOf(inference))}-token prompt`,
    },
    'KV pool',
    ["generic: vram's own model; no engine reserves a utilization margin"],
  );
}
