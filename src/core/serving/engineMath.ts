/**
 * Pieces every engine profile shares: the weights shard, the KV bytes per token and per
 * sequence on one GPU, and an activation peak over T tokens on a tensor-parallel shard.
 */
import type { InferenceScenario } from '../estimate.js';
import { inferenceWeightsComponent } from '../estimate.js';
import { activationElementBytes, inferenceActivationParts } from '../inferenceActivations.js';
import { kvCacheBytesPerGpu } from '../kvCache.js';
import { ceilDiv } from '../units.js';
import { shardForTensorParallel } from './shard.js';

export function weightsPerGpu(scenario: InferenceScenario, gpuCount: number): number {
  return ceilDiv(inferenceWeightsComponent(scenario).bytes, gpuCount);
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
