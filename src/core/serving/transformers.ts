/**
 * Hugging Face transformers `generate` on a batch of `users` prompts of --ctx tokens: the whole
 * batch is prefilled in one forward (no chunking), the KV cache is contiguous (DynamicCache; window
 * layers keep their window in HybridCache), and only the last position's logits are computed
 * (logits_to_keep). Overhead as vram's model (overhead.ts).
 */
import { ALLOCATOR_FRAGMENTATION_PERCENT, CUDA_CONTEXT_BYTES } from '../overhead.js';
import { ceilShare, exact, formatInt } from '../units.js';
import { forwardPeakBytes, weightsPerGpu } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import type { EngineBudget, ServingScenario } from './types.js';

export function transformersBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const users = inference.userCount;
  const perSequence = forwardPeakBytes(inference, gpuCount, inference.contextTokens);
  const logitsPerSequence = inference.arch.vocabSize * 6;
  const peak = exact(users * (perSequence - logitsPerSequence) + users * logitsPerSequence, 'batched prefill');
  const activations = same(peak);
  const overhead = atLevels((level) => CUDA_CONTEXT_BYTES[level] + ceilShare(peak, ALLOCATOR_FRAGMENTATION_PERCENT[level], 100, 'overhead'));
  const weights = same(weightsPerGpu(inference, gpuCount));
  const kvPool = minus(same(scenario.gpuMemoryBytes), weights, activations, overhead);
  return {
    rows: [
      { id: 'weights', label: 'Weights shard', bytes: weights, formula: `weights ÷ ${gpuCount}`, basis: 'exact' },
      { id: 'activations', label: 'Batched prefill peak', bytes: activations, formula: `${formatInt(users)} × prefill of ${formatInt(inference.contextTokens)} tokens + last-token logits`, basis: 'model' },
      { id: 'overhead', label: 'Runtime overhead', bytes: overhead, formula: 'CUDA context + allocator share × activations', basis: 'heuristic' },
      { id: 'kv_pool', label: 'Room for the KV cache', bytes: kvPool, formula: 'GPU memory − the rows above', basis: 'derived' },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    requestTokens: inference.contextTokens,
    notes: ['transformers generate: the batch is prefilled at once, so activations grow with users'],
    settings: {},
  };
}
