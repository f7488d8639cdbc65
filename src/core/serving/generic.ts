/**
 * The generic engine: vram's own model, stated plainly. On each GPU: the weights shard, the
 * prefill peak of one --ctx sequence on the tensor-parallel shard, and the CUDA-context +
 * allocator overhead (overhead.ts); the KV cache may use all the rest.
 */
import { CUDA_CONTEXT_BYTES, ALLOCATOR_FRAGMENTATION_PERCENT } from '../overhead.js';
import { ceilShare, formatInt } from '../units.js';
import { forwardPeakBytes, weightsPerGpu } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import type { EngineBudget, ServingScenario } from './types.js';

export function genericBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const weights = same(weightsPerGpu(inference, gpuCount));
  const peak = forwardPeakBytes(inference, gpuCount, inference.contextTokens);
  const activations = same(peak);
  const overhead = atLevels((level) => CUDA_CONTEXT_BYTES[level] + ceilShare(peak, ALLOCATOR_FRAGMENTATION_PERCENT[level], 100, 'overhead'));
  const total = same(scenario.gpuMemoryBytes);
  const kvPool = minus(total, weights, activations, overhead);
  return {
    rows: [
      { id: 'weights', label: 'Weights shard', bytes: weights, formula: `weights ÷ ${gpuCount}`, basis: 'exact' },
      { id: 'activations', label: 'Activation reserve', bytes: activations, formula: `prefill peak of one ${formatInt(inference.contextTokens)}-token sequence on the shard`, basis: 'model' },
      { id: 'overhead', label: 'Runtime overhead', bytes: overhead, formula: 'CUDA context + allocator share × activations', basis: 'heuristic' },
      { id: 'kv_pool', label: 'KV pool', bytes: kvPool, formula: 'GPU memory − the rows above', basis: 'derived' },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    requestTokens: inference.contextTokens,
    notes: ['generic: vram\'s own model; no engine reserves a utilization margin'],
    settings: {},
  };
}
