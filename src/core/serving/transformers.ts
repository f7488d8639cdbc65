/**
 * Hugging Face transformers `generate` on a batch of `users` prompts of --ctx tokens: the whole
 * batch is prefilled in one forward (no chunking), the KV cache is contiguous (DynamicCache; window
 * layers keep their window in HybridCache), and only the last position's logits are computed
 * (logits_to_keep). Overhead as vram's model (overhead.ts).
 */
import { transformersForward } from '../inferenceActivations.js';
import { promptTokensOf } from '../estimate.js';
import { exact, formatInt } from '../units.js';
import { forwardPeakBytes } from './engineMath.js';
import { runtimeBudget } from './generic.js';
import type { EngineBudget, ServingScenario } from './types.js';

export function transformersBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const users = inference.userCount;
  const peak = exact(
    users *
      forwardPeakBytes(inference, gpuCount, promptTokensOf(inference), 1, transformersForward(inference.weightDtype)),
    'batched prefill',
  );
  return runtimeBudget(
    scenario,
    {
      bytes: peak,
      label: 'Batched prefill peak',
      formula: `${formatInt(users)} × prefill of ${formatInt(promptTokensOf(inference))} tokens + last-token logits`,
    },
    'Room for the KV cache',
    ['transformers generate: the batch is prefilled at once, so activations grow with users'],
  );
}
