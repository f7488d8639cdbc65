/**
 * llama.cpp (llama-server), layers split over the GPUs (--split-mode layer, the default;
 * src/llama-model.cpp): the n_layer repeating layers and the output layer are n_layer + 1 units,
 * split evenly by upper_bound(splits, il / units), the output on the last GPU; the input
 * embeddings stay on the CPU. Each GPU holds its layers' weights and KV cache. n_ctx is shared by the --parallel slots, so serving `users` sequences
 * of --ctx tokens needs n_ctx = users × ctx, allocated up front (sliding-window layers keep an SWA
 * cache of their window unless --swa-full). On top: a compute buffer sized for one micro-batch
 * (--ubatch-size, 512); the fp32 logits buffer of n_vocab per output sequence (src/llama-context.cpp:
 * output buffer n_vocab × n_outputs × 4 B) is a pinned host buffer ("CUDA_Host output buffer"). With flash attention (on by
 * default on CUDA) no n_ubatch × n_ctx score matrix is kept; without it one per head is (f32).
 * The compute buffer is a heuristic: the graph allocator reuses memory, so it ranges 0.75–1.5× the
 * forward peak vram computes.
 */
import { CUDA_CONTEXT_BYTES } from '../overhead.js';
import type { LowExpectedHigh } from '../overhead.js';
import { formatInt } from '../units.js';
import { forwardPeakBytes, weightBytesOf, weightsPerGpu, withLayerCounts } from './engineMath.js';
import { type ModelArchitecture, allLayerGroups, layerCount, leadAttention } from '../architecture.js';
import { atLevels, minus, same } from './levels.js';
import type { EngineBudget, ServingScenario } from './types.js';
import { rememberedWeights } from './weightsMemo.js';
import type { InferenceScenario } from '../estimate.js';

export const LLAMA_CPP_DEFAULT_UBATCH = 512;
/** Compute buffer relative to vram's forward peak over one micro-batch. */
export const LLAMA_CPP_COMPUTE_BUFFER_FACTOR: LowExpectedHigh = { low: 0.75, expected: 1, high: 1.5 };

/** Repeating layers on each of `gpuCount` GPUs under llama.cpp's even layer split (the output layer is the last unit, on the last GPU). */
export function llamaCppLayersPerGpu(layerTotal: number, gpuCount: number): number[] {
  const units = layerTotal + 1;
  const counts = new Array<number>(gpuCount).fill(0);
  for (let il = 0; il < layerTotal; il++) {
    // upper_bound over the cumulative splits (g + 1) / N: the first GPU whose split exceeds il / units
    const gpu = Math.min(gpuCount - 1, Math.floor((il * gpuCount) / units));
    counts[gpu] = (counts[gpu] ?? 0) + 1;
  }
  return counts;
}

/** Weights on the most loaded GPU under llama.cpp's layer split: its layers, plus the output layer on the last GPU; embeddings on the CPU. */
function llamaCppWeightsPerGpu(scenario: ServingScenario): number {
  const { inference, gpuCount } = scenario;
  if (gpuCount <= 1) return weightsPerGpu(inference, 1);
  return rememberedWeights(inference, 'layers', gpuCount, 1, () => mostLoadedLayerSplit(inference, gpuCount));
}

function mostLoadedLayerSplit(inference: InferenceScenario, gpuCount: number): number {
  const arch = inference.arch;
  const ends = (a: ModelArchitecture) => withLayerCounts(a, () => 0);
  const full = weightBytesOf(inference, arch);
  const endBytes = weightBytesOf(inference, ends(arch));
  const embedding = weightBytesOf(inference, ends({ ...arch, tiedEmbeddings: true }));
  const output = arch.tiedEmbeddings ? embedding : endBytes - embedding;
  const layerBytes = full - endBytes;
  const layers = layerCount(allLayerGroups(arch));
  const perGpu = llamaCppLayersPerGpu(layers, gpuCount).map(
    (count, gpu) => Math.ceil((layerBytes * count) / layers) + (gpu === gpuCount - 1 ? output : 0),
  );
  return Math.max(...perGpu);
}

export function llamaCppBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const ubatch = scenario.settings.microBatchTokens ?? LLAMA_CPP_DEFAULT_UBATCH;
  const nCtx = inference.contextTokens * inference.userCount;
  const lead = leadAttention(inference.arch);
  // Layer split (--split-mode layer, the default): every GPU runs whole layers, so the graph is not sharded.
  const forward = forwardPeakBytes({ ...inference, attention: 'flash' }, 1, ubatch);
  const scores = inference.attention === 'eager' ? (lead?.headCount ?? 0) * ubatch * nCtx * 4 : 0;
  // The output (logits) buffer, n_vocab × n_seq × 4 B, is pinned host memory ("CUDA_Host output buffer"), not GPU memory.
  const logits = inference.arch.vocabSize * inference.userCount * 4;
  const compute = atLevels((level) => Math.ceil((forward + scores) * LLAMA_CPP_COMPUTE_BUFFER_FACTOR[level]));
  const weights = same(llamaCppWeightsPerGpu(scenario));
  const overhead = atLevels((level) => CUDA_CONTEXT_BYTES[level]);
  const kvPool = minus(same(scenario.gpuMemoryBytes), weights, compute, overhead);
  return {
    rows: [
      {
        id: 'weights',
        label: 'Weights shard',
        bytes: weights,
        formula:
          gpuCount > 1
            ? `the most loaded of ${gpuCount} GPUs' layers (+ the output layer on the last; embeddings on the CPU)`
            : 'all weights',
        basis: 'exact',
      },
      {
        id: 'activations',
        label: 'Compute buffer',
        bytes: compute,
        formula: `graph for --ubatch-size ${ubatch}${scores > 0 ? ` + f32 scores over n_ctx ${formatInt(nCtx)}` : ''}`,
        basis: 'heuristic',
      },
      {
        id: 'overhead',
        label: 'CUDA context',
        bytes: overhead,
        formula: 'CUDA context and library workspaces',
        basis: 'heuristic',
      },
      {
        id: 'kv_pool',
        label: 'Room for the KV cache',
        bytes: kvPool,
        formula: 'GPU memory − the rows above',
        basis: 'derived',
      },
    ],
    kvPoolBytesPerGpu: kvPool,
    blockTokens: 1,
    split: 'layers',
    requestTokens: inference.contextTokens,
    notes: [
      `llama.cpp keeps the output buffer (${formatInt(inference.arch.vocabSize)} × ${inference.userCount} × 4 B = ${formatInt(logits)} B of logits) in pinned host memory, not on the GPU`,
      `llama.cpp: n_ctx ${formatInt(nCtx)} = context × ${inference.userCount} slot${inference.userCount > 1 ? 's' : ''} (--parallel), allocated at start; --ubatch-size ${ubatch}`,
    ],
    settings: { nCtx, ubatchSize: ubatch, parallel: inference.userCount },
  };
}
