/**
 * Pieces every engine profile shares: the weights shard, the KV bytes per token and per
 * sequence on one GPU, and an activation peak over T tokens on a tensor-parallel shard.
 */
import type { InferenceScenario } from '../estimate.js';
import { inferenceWeightsComponent } from '../estimate.js';
import { activationElementBytes, inferenceActivationParts } from '../inferenceActivations.js';
import { kvCacheBytesPerGpu } from '../kvCache.js';
import { ceilDiv } from '../units.js';
import { type ModelArchitecture, allLayerGroups, layerCount } from '../architecture.js';
import { countParameters } from '../parameters.js';
import { shardForTensorParallel } from './shard.js';

/**
 * Share of the weights and of the layers on the most loaded pipeline stage: ceil(L / pp) layers
 * plus the larger of the embeddings and the head (the first and last stages hold them; a tied head
 * is loaded again on the last stage), by parameter count.
 */
export function pipelineStageShare(arch: ModelArchitecture, stages: number): { weightFraction: number; layerFraction: number } {
  if (stages <= 1) return { weightFraction: 1, layerFraction: 1 };
  const counts = countParameters(arch);
  const layers = layerCount(allLayerGroups(arch));
  const layerFraction = Math.ceil(layers / stages) / layers;
  const head = counts.headCount > 0 ? counts.headCount : arch.vocabSize * arch.hiddenSize;
  const layerParameters = counts.totalCount - counts.embeddingCount - counts.headCount;
  return { weightFraction: (layerParameters * layerFraction + Math.max(counts.embeddingCount, head)) / counts.totalCount, layerFraction };
}

/**
 * Weights on one GPU: the most loaded pipeline stage's bytes, split over the tensor-parallel GPUs.
 * A stage is costed as a model of ⌈count / pp⌉ layers of each group with one vocabulary matrix, so
 * quantized formats keep their per-tensor types (16-bit embeddings beside 4-bit layers); weights
 * read from a checkpoint, which carry no per-layer split, use the parameter share.
 */
export function weightsPerGpu(scenario: InferenceScenario, gpuCount: number, pipelineStages = 1): number {
  if (pipelineStages <= 1) return ceilDiv(inferenceWeightsComponent(scenario).bytes, gpuCount);
  if (scenario.storedWeights) return Math.ceil((inferenceWeightsComponent(scenario).bytes * pipelineStageShare(scenario.arch, pipelineStages).weightFraction) / gpuCount);
  const stage = (groups: ModelArchitecture['layers']) => groups.map((g) => ({ ...g, count: Math.ceil(g.count / pipelineStages) }));
  const arch = scenario.arch;
  const stageArch: ModelArchitecture = { ...arch, tiedEmbeddings: true, layers: stage(arch.layers), encoderLayers: stage(arch.encoderLayers) };
  return ceilDiv(inferenceWeightsComponent({ ...scenario, arch: stageArch }).bytes, gpuCount);
}

/** KV bytes on one GPU for `sequences` sequences of `tokens` tokens (windows capped as the scenario says). */
export function kvBytesPerGpu(scenario: InferenceScenario, gpuCount: number, tokens: number, sequences: number): number {
  return kvCacheBytesPerGpu(scenario.arch, scenario.kvDtype, tokens, sequences, scenario.slidingWindow, gpuCount);
}

/** Whether every layer caches every token (no sliding windows under the chosen policy). */
export function kvIsPerToken(scenario: InferenceScenario): boolean {
  return scenario.slidingWindow === 'full' || scenario.arch.layers.every((g) => g.attention.window === null);
}

/** Transient peak of a forward over `tokens` tokens on one tensor-parallel GPU. */
export function forwardPeakBytes(scenario: InferenceScenario, gpuCount: number, tokens: number, sequences = 1, residentHiddenCopies = 2): number {
  const arch = shardForTensorParallel(scenario.arch, gpuCount);
  return inferenceActivationParts(arch, activationElementBytes(scenario.weightDtype), tokens, scenario.attention, sequences, residentHiddenCopies).totalBytes;
}
