/**
 * vLLM (V1 engine, 0.8–0.10 defaults). At start-up vLLM profiles one forward of
 * max_num_batched_tokens tokens and gives the KV cache what is left of its share of the GPU:
 *   KV pool = total × gpu_memory_utilization − weights − peak activations − non-torch memory
 *             − CUDA-graph memory (0 expected: captured after the KV cache, see below)
 *   blocks  = floor(KV pool / (block_size × KV bytes per token));  tokens = blocks × block_size
 *   "Maximum concurrency for N tokens per request" = blocks / cdiv(max_model_len, block_size)
 * and refuses to start when one request of max_model_len does not fit (vllm/v1/core/kv_cache_utils.py,
 * check_enough_kv_cache_memory). Defaults (vllm/engine/arg_utils.py, get_batch_defaults, `vllm
 * serve`): gpu_memory_utilization 0.9, block_size 16, max_num_batched_tokens 8192 and max_num_seqs
 * 1024 on GPUs of ≥ 70 GiB other than A100, else 2048 and 256; max_model_len = --ctx.
 * The profiled peak is max(forward peak, sampler peak): the forward keeps three hidden-size
 * tensors beside its largest phase (VLLM_RESIDENT_HIDDEN_COPIES, fitted to vllm#10517's two
 * profiling results); the sampler holds fp32 logits for max_num_seqs sequences.
 */
import { ENGINE_FORWARD } from '../inferenceActivations.js';
import { kvCacheBytesPerGpu } from '../kvCache.js';
import type { LowExpectedHigh } from '../overhead.js';
import { recurrentStateBytesPerSequence } from '../recurrentState.js';
import { GIB, formatInt } from '../units.js';
import { forwardPeakBytes, weightsPerGpu, weightsShardRow } from './engineMath.js';
import { atLevels, minus, same } from './levels.js';
import type { BudgetRow, EngineBudget, ServingScenario } from './types.js';

export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
export const VLLM_DEFAULT_BLOCK_SIZE = 16;
/** Hidden-size tensors alive beside the peak phase of vLLM's profiling forward (vllm#10517 fit). */
export const VLLM_RESIDENT_HIDDEN_COPIES = 3;
/**
 * fp32 copies of max_num_seqs × vocabulary logits the profiling sampler holds at once (logits,
 * probabilities, log-probabilities, and in versions that profile top-p/top-k the sort's values and
 * int64 indices). The short-context profiles in test/validation/vllmLogs.test.ts, where the sampler
 * sets the peak, logged 1.8–9.6 copies across vLLM versions: low 2, expected 5, high 10.
 */
export const VLLM_SAMPLER_LOGIT_COPIES: LowExpectedHigh = { low: 2, expected: 5, high: 10 };
/**
 * Memory outside PyTorch's allocator on each GPU (CUDA context, NCCL, custom all-reduce). One GPU:
 * 0.01–0.73 GiB, median 0.14, over the 11 single-GPU logs in test/validation/vllmLogs.ts (two
 * identical runs logged 0.15 and 0.43), 0.35 in both vllm#10517 logs (V0, RTX 3090), 0.16 (PR
 * #12126) and 0.25 GiB (v0.19 V1 on an H100, llm-d-planner's accuracy CSV) in newer versions:
 * expected 0.15 GiB, the median of the 11 (the two vllm#10517 runs land 6–8 % over on it). Tensor parallel on NVSwitch GPUs with NVLS (H100, H200,
 * B200 SXM): 1.39 GiB per rank at TP4 (the same table), 2.53 GiB at TP8 × PP2 (vllm#13074), about
 * 2.1 GiB at TP2 and TP4 on H100 SXM with v0.19 (NCCL NVLS buffers, symmetric memory). Elsewhere
 * (PCIe cards, A100): 0.34–0.43 GiB per rank at TP4 on 4 × A10 (vllm#17469, #17327):
 * VLLM_NON_TORCH_BYTES_TENSOR_PARALLEL_PCIE.
 */
export const VLLM_NON_TORCH_BYTES: LowExpectedHigh = {
  low: Math.round(0.01 * GIB),
  expected: Math.round(0.15 * GIB),
  high: Math.round(0.75 * GIB),
};
export const VLLM_NON_TORCH_BYTES_TENSOR_PARALLEL: LowExpectedHigh = {
  low: Math.round(0.75 * GIB),
  expected: Math.round(1.39 * GIB),
  high: Math.round(2.53 * GIB),
};
export const VLLM_NON_TORCH_BYTES_TENSOR_PARALLEL_PCIE: LowExpectedHigh = {
  low: Math.round(0.25 * GIB),
  expected: Math.round(0.4 * GIB),
  high: Math.round(0.75 * GIB),
};

/** GPUs whose NVSwitch systems give NCCL its NVLS buffers (Hopper and Blackwell SXM). */
export function hasNvlsSwitch(gpuName: string): boolean {
  return /\b(h100|h200|h800|b100|b200|gb200|gh200)\b/i.test(gpuName) && !/pcie|nvl\b/i.test(gpuName);
}

/**
 * CUDA-graph memory counted against the KV pool. vLLM captures its decode graphs after allocating
 * the KV cache, out of the (1 − utilization) margin (logs: "Graph capturing finished in 10 secs,
 * took 0.48 GiB"), so the expected share is 0; versions that budget graphs before the KV cache
 * take up to about 1 GiB from it (high end).
 */
export const VLLM_CUDA_GRAPH_BYTES: LowExpectedHigh = { low: 0, expected: 0, high: 1 * GIB };

/** vLLM's default max_num_batched_tokens and max_num_seqs for `vllm serve` on a GPU of this size. */
export function vllmBatchDefaults(gpuMemoryBytes: number, gpuName: string): { batchedTokens: number; seqs: number } {
  const large = gpuMemoryBytes >= 70 * GIB && !/a100/i.test(gpuName);
  return large ? { batchedTokens: 8192, seqs: 1024 } : { batchedTokens: 2048, seqs: 256 };
}

/** vLLM's settings for this scenario, defaults filled in. */
interface VllmLimits {
  utilization: number;
  blockSize: number;
  maxModelLen: number;
  batchedTokens: number;
  seqs: number;
  /** The attention block vLLM's hybrid allocator raises to for recurrent layers (0 when not hybrid). */
  hybridBlock: number;
  /** The dummy sampler run covers min(max_num_seqs, max_num_batched_tokens) requests (gpu_model_runner). */
  samplerRows: number;
}

/**
 * The attention block size vLLM's hybrid allocator picks for a model with recurrent layers: the
 * smallest multiple of 16 tokens whose per-layer attention page holds one layer's recurrent state,
 * so both kinds share one page size (the state page is padded up to it):
 *   block = 16 × ⌈state page / (16 × attention bytes per token per layer)⌉
 * (vllm/model_executor/models/config.py HybridAttentionMambaModelConfig.verify_and_update_config;
 * Qwen3-Next bf16 on one GPU: 1,097,728 B state, 2,048 B per token → 544 tokens). 0 when not hybrid.
 */
export function hybridBlockTokens(scenario: ServingScenario): number {
  const { arch, kvDtype, stateDtypes } = scenario.inference;
  const statePage = Math.max(
    0,
    ...arch.layers.map((g) =>
      g.recurrent
        ? recurrentStateBytesPerSequence({ ...arch, layers: [{ ...g, count: 1 }] }, stateDtypes, scenario.gpuCount)
        : 0,
    ),
  );
  const attentionLayer = arch.layers.find((g) => g.attention !== null);
  if (statePage === 0 || attentionLayer === undefined) return 0;
  const perToken = kvCacheBytesPerGpu(
    { ...arch, layers: [{ ...attentionLayer, count: 1, recurrent: null }] },
    kvDtype,
    1,
    1,
    'full',
    scenario.gpuCount,
  );
  return VLLM_DEFAULT_BLOCK_SIZE * Math.ceil(statePage / (VLLM_DEFAULT_BLOCK_SIZE * perToken));
}

/**
 * vLLM V0's defaults (before 0.8; vllm/config.py SchedulerConfig.__post_init__, e.g. 0.6.6.post1):
 * max_num_batched_tokens max(max_model_len, 2048), or 2048 with chunked prefill, which V0 turned on
 * above 32,768 tokens of max_model_len; max_num_seqs 256. Its profile run prefilled that many tokens.
 */
export function vllmV0BatchDefaults(maxModelLen: number): { batchedTokens: number; seqs: number } {
  return { batchedTokens: maxModelLen > 32768 ? 2048 : Math.max(maxModelLen, 2048), seqs: 256 };
}

function vllmLimits(scenario: ServingScenario, gpuName: string): VllmLimits {
  const { inference, settings } = scenario;
  const maxModelLen = settings.maxModelLen ?? inference.contextTokens;
  const defaults =
    settings.vllmEngine === 'v0'
      ? vllmV0BatchDefaults(maxModelLen)
      : vllmBatchDefaults(scenario.gpuMemoryBytes, gpuName);
  const batchedTokens = settings.maxNumBatchedTokens ?? defaults.batchedTokens;
  const seqs = settings.maxNumSeqs ?? defaults.seqs;
  const hybridBlock = hybridBlockTokens(scenario);
  return {
    utilization: settings.gpuMemoryUtilization ?? VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
    blockSize: Math.max(settings.blockSize ?? VLLM_DEFAULT_BLOCK_SIZE, hybridBlock),
    hybridBlock,
    maxModelLen,
    batchedTokens,
    seqs,
    samplerRows: Math.min(seqs, batchedTokens),
  };
}

/** The profiled peak: a measured one when given, else max(forward, sampler logits) at each level. */
function vllmActivations(scenario: ServingScenario, limits: VllmLimits): LowExpectedHigh {
  const { inference, gpuCount, settings } = scenario;
  if (settings.profiledActivationBytes !== undefined) return same(settings.profiledActivationBytes);
  const forward = forwardPeakBytes(inference, gpuCount, limits.batchedTokens, 1, {
    ...ENGINE_FORWARD,
    residentHiddenCopies: VLLM_RESIDENT_HIDDEN_COPIES,
  });
  return atLevels((level) =>
    Math.max(forward, limits.samplerRows * inference.arch.vocabSize * 4 * VLLM_SAMPLER_LOGIT_COPIES[level]),
  );
}

/**
 * Non-torch memory: a measured one when given, else the single-GPU or the multi-GPU range (by
 * interconnect). A GPU known only by its memory (--gpu-memory, no name) gets the NVSwitch range:
 * the larger non-torch memory, so fewer users are promised.
 */
function vllmNonTorch(scenario: ServingScenario, gpuName: string): LowExpectedHigh {
  if (scenario.settings.nonTorchBytes !== undefined) return same(scenario.settings.nonTorchBytes);
  const range =
    scenario.gpuCount * scenario.pipelineStages <= 1
      ? VLLM_NON_TORCH_BYTES
      : gpuName === '' || hasNvlsSwitch(gpuName)
        ? VLLM_NON_TORCH_BYTES_TENSOR_PARALLEL
        : VLLM_NON_TORCH_BYTES_TENSOR_PARALLEL_PCIE;
  return atLevels((level) => range[level]);
}

export function vllmBudget(scenario: ServingScenario, gpuName = ''): EngineBudget {
  const limits = vllmLimits(scenario, gpuName);
  const { utilization, blockSize, maxModelLen, batchedTokens, seqs } = limits;
  const usable = same(Math.floor(scenario.gpuMemoryBytes * utilization));
  const weights = same(weightsPerGpu(scenario.inference, scenario.gpuCount, scenario.pipelineStages));
  const activations = vllmActivations(scenario, limits);
  const nonTorch = vllmNonTorch(scenario, gpuName);
  const graphs = atLevels((level) => VLLM_CUDA_GRAPH_BYTES[level]);
  const kvPool = minus(usable, weights, activations, nonTorch, graphs);
  return {
    rows: vllmRows(scenario, limits, { usable, weights, activations, nonTorch, graphs, kvPool }),
    kvPoolBytesPerGpu: kvPool,
    blockTokens: blockSize,
    split: 'tensor',
    requestTokens: maxModelLen,
    notes: [
      ...(limits.hybridBlock > 0
        ? [
            `hybrid model: vLLM raises the attention block to ${formatInt(blockSize)} tokens so one attention page holds one layer's recurrent state, and pads each state page up to it (not counted here: at most one page per recurrent layer and sequence)`,
          ]
        : []),
      scenario.settings.vllmEngine === 'v0'
        ? `vLLM V0 (--engine-version v0): max_num_batched_tokens ${formatInt(batchedTokens)} (max(max_model_len, 2048), or 2048 with chunked prefill above 32k), max_num_seqs ${formatInt(seqs)}; gpu_memory_utilization ${utilization}`
        : `vLLM V1 defaults for this GPU: max_num_batched_tokens ${formatInt(batchedTokens)}, max_num_seqs ${formatInt(seqs)}; gpu_memory_utilization ${utilization} (0.9 through vLLM 0.10; some newer versions use 0.92)`,
    ],
    settings: {
      gpuMemoryUtilization: utilization,
      blockSize,
      maxModelLen,
      maxNumBatchedTokens: batchedTokens,
      maxNumSeqs: seqs,
    },
  };
}

/** The per-GPU table: what vLLM reserves, the KV pool, and the margin gpu_memory_utilization leaves. */
function vllmRows(
  scenario: ServingScenario,
  limits: VllmLimits,
  bytes: Record<'usable' | 'weights' | 'activations' | 'nonTorch' | 'graphs' | 'kvPool', LowExpectedHigh>,
): BudgetRow[] {
  return [
    weightsShardRow(scenario, bytes.weights),
    {
      id: 'activations',
      label: 'Profiled activation peak',
      bytes: bytes.activations,
      formula: `max(forward of ${formatInt(limits.batchedTokens)} tokens, sampler over ${formatInt(limits.samplerRows)} sequences)`,
      basis: 'model',
    },
    {
      id: 'overhead',
      label: 'Non-torch memory',
      bytes: bytes.nonTorch,
      formula: 'CUDA context, NCCL buffers',
      basis: 'heuristic',
    },
    {
      id: 'cuda_graphs',
      label: 'CUDA graphs (if budgeted)',
      bytes: bytes.graphs,
      formula: 'captured after the KV cache in vLLM ≤ 0.10 (from the margin below)',
      basis: 'heuristic',
    },
    {
      id: 'kv_pool',
      label: 'KV pool',
      bytes: bytes.kvPool,
      formula: `${limits.utilization} × GPU memory − the rows above`,
      basis: 'derived',
    },
    {
      id: 'free',
      label: 'Left by gpu_memory_utilization',
      bytes: same(scenario.gpuMemoryBytes - bytes.usable.expected),
      formula: `(1 − ${limits.utilization}) × GPU memory (CUDA graphs use part of it)`,
      basis: 'exact',
    },
  ];
}
