/**
 * SGLang. A static share of the GPU holds the weights and the token-level KV pool:
 *   KV pool = mem_fraction_static × (total − memory outside torch) − weights
 * (model_runner profile_max_num_token: rest = free after loading − free after init × (1 −
 * mem_fraction_static); memory outside torch = the CUDA context, plus one NCCL communicator at
 * tp > 1, overhead.ts's ranges). Activations and CUDA graphs live in the remaining
 * (1 − mem_fraction_static). The default
 * mem_fraction_static falls with the tensor-parallel size: 0.88 (1 GPU), 0.87 (2), 0.85 (4),
 * 0.81 (8), 0.79 (16) (sglang/srt/server_args.py, __post_init__; newer versions derive it from a
 * per-GPU-class reserve, pass --mem-fraction-static to match).
 */
import { formatInt } from '../units.js';
import { weightsPerGpu, weightsShardRow } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import { runtimeBytes } from '../overhead.js';
import type { EngineBudget, ServingScenario } from './types.js';

export function sglangDefaultMemFraction(gpuCount: number): number {
  if (gpuCount >= 16) return 0.79;
  if (gpuCount >= 8) return 0.81;
  if (gpuCount >= 4) return 0.85;
  if (gpuCount >= 2) return 0.87;
  return 0.88;
}

export function sglangBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const fraction = scenario.settings.memFractionStatic ?? sglangDefaultMemFraction(gpuCount);
  const weights = same(weightsPerGpu(inference, gpuCount, scenario.pipelineStages));
  // Used before the pool is sized: the CUDA context, and NCCL's buffers at tp > 1 (SGLang logs them as
  // "Init torch distributed ends. mem usage"). The docs' Llama-3.1-8B run on an 80 GB H100: 444,500
  // tokens = 0.88 × (79.19 GiB − 0.51 GiB) − 14.96 GiB weights, at 128 KiB per token.
  const ranks = gpuCount * scenario.pipelineStages;
  const nonTorch = atLevels((level) => runtimeBytes(level, ranks > 1 ? 1 : 0));
  // profile_max_num_token: rest = free after loading − (memory free after init) × (1 − fraction)
  //   = fraction × (total − non-torch) − weights
  const staticBytes = atLevels((level) => Math.floor((scenario.gpuMemoryBytes - nonTorch[level]) * fraction));
  const kvPool = minus(staticBytes, weights);
  return {
    rows: [
      weightsShardRow(scenario, weights),
      {
        id: 'overhead',
        label: 'Non-torch memory',
        bytes: nonTorch,
        formula: 'CUDA context, NCCL buffers (measured as used before the pool)',
        basis: 'heuristic',
      },
      {
        id: 'kv_pool',
        label: 'KV pool',
        bytes: kvPool,
        formula: `${fraction} × (GPU memory − non-torch) − weights`,
        basis: 'derived',
      },
      {
        id: 'free',
        label: 'Activations, CUDA graphs',
        bytes: atLevels((level) => scenario.gpuMemoryBytes - nonTorch[level] - staticBytes[level]),
        formula: `(1 − ${fraction}) × (GPU memory − non-torch)`,
        basis: 'derived',
      },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    split: 'tensor',
    requestTokens: inference.contextTokens,
    notes: [
      `SGLang mem_fraction_static ${fraction} at ${formatInt(gpuCount)} GPU${gpuCount > 1 ? 's' : ''}; the pool is token-level (page size 1)`,
    ],
    settings: { memFractionStatic: fraction },
  };
}
