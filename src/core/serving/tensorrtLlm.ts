/**
 * TensorRT-LLM. After the engine's weights and its activation workspace (sized for
 * max_num_tokens, 8192 by default) are allocated, the KV pool takes a fraction of the memory still
 * free: KV pool = free_gpu_memory_fraction × (total − weights − activations − runtime)
 * (NVIDIA/TensorRT-LLM docs/source/reference/memory.md; free_gpu_memory_fraction 0.9).
 */
import { overheadModelBytes } from '../overhead.js';
import { formatInt } from '../units.js';
import { forwardPeakBytes, weightsPerGpu, weightsShardRow } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import type { EngineBudget, ServingScenario } from './types.js';

export const TRTLLM_DEFAULT_FREE_FRACTION = 0.9;
export const TRTLLM_DEFAULT_MAX_NUM_TOKENS = 8192;

export function tensorrtLlmBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const fraction = scenario.settings.freeGpuMemoryFraction ?? TRTLLM_DEFAULT_FREE_FRACTION;
  const tokens = scenario.settings.maxNumBatchedTokens ?? TRTLLM_DEFAULT_MAX_NUM_TOKENS;
  const weights = same(weightsPerGpu(inference, gpuCount, scenario.pipelineStages));
  const peak = forwardPeakBytes(inference, gpuCount, tokens);
  const activations = same(peak);
  const runtime = atLevels((level) => overheadModelBytes(level, peak));
  const free = minus(same(scenario.gpuMemoryBytes), weights, activations, runtime);
  const kvPool = atLevels((level) => Math.floor(free[level] * fraction));
  return {
    rows: [
      weightsShardRow(scenario, weights),
      {
        id: 'activations',
        label: 'Activation workspace',
        bytes: activations,
        formula: `forward of max_num_tokens ${formatInt(tokens)}`,
        basis: 'model',
      },
      {
        id: 'overhead',
        label: 'Runtime overhead',
        bytes: runtime,
        formula: 'CUDA context + allocator share',
        basis: 'heuristic',
      },
      { id: 'kv_pool', label: 'KV pool', bytes: kvPool, formula: `${fraction} × memory still free`, basis: 'derived' },
      {
        id: 'free',
        label: 'Left free',
        bytes: minus(free, kvPool),
        formula: `(1 − ${fraction}) × memory still free`,
        basis: 'derived',
      },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    split: 'tensor',
    requestTokens: inference.contextTokens,
    notes: [
      `TensorRT-LLM free_gpu_memory_fraction ${fraction} (0.85 in older C++ docs), max_num_tokens ${formatInt(tokens)}`,
    ],
    settings: { freeGpuMemoryFraction: fraction, maxNumTokens: tokens },
  };
}
