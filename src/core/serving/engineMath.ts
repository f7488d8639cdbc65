/**
 * Pieces every engine profile shares: the weights shard, the KV bytes per token and per
 * sequence on one GPU, and an activation peak over T tokens on a tensor-parallel shard.
 */
import type { InferenceScenario } from '../estimate.js';
import { inferenceWeightsComponent } from '../estimate.js';
import {
  ENGINE_FORWARD,
  type ForwardProfile,
  activationElementBytes,
  inferenceActivationParts,
} from '../inferenceActivations.js';
import { kvCacheBytesPerGpu } from '../kvCache.js';
import { hasRecurrentState, recurrentStateBytes } from '../recurrentState.js';
import { visionParameterCount } from '../visionTower.js';
import { ceilDiv, exact } from '../units.js';
import { type ModelArchitecture, allLayerGroups, layerCount } from '../architecture.js';
import type { LowExpectedHigh } from '../overhead.js';
import { shardForTensorParallel } from './shard.js';
import type { BudgetRow, ServingScenario } from './types.js';
import { rememberedWeights } from './weightsMemo.js';
import { perArchitectureAndKey } from '../perArchitecture.js';

/** Share of the layers on the most loaded pipeline stage: ⌈L / pp⌉ of L. */
export function pipelineStageShare(arch: ModelArchitecture, stages: number): { layerFraction: number } {
  if (stages <= 1) return { layerFraction: 1 };
  const layers = layerCount(allLayerGroups(arch));
  return { layerFraction: Math.ceil(layers / stages) / layers };
}

/** The same model with each layer group's count replaced (a pipeline stage, or the ends without layers). */
export function withLayerCounts(arch: ModelArchitecture, count: (groupCount: number) => number): ModelArchitecture {
  const resize = (groups: ModelArchitecture['layers']) => groups.map((g) => ({ ...g, count: count(g.count) }));
  return { ...arch, layers: resize(arch.layers), encoderLayers: resize(arch.encoderLayers) };
}

/**
 * Weight bytes of `part`, an architecture derived from the scenario's, in the scenario's format, so
 * quantized formats keep their per-tensor types (16-bit embeddings beside 4-bit layers). A
 * checkpoint's stored bytes carry no per-layer split: they are shared out in proportion to the
 * parts' 16-bit sizes.
 */
export function weightBytesOf(scenario: InferenceScenario, part: ModelArchitecture): number {
  if (!scenario.storedWeights) return inferenceWeightsComponent({ ...scenario, arch: part }).bytes;
  const nominal = (arch: ModelArchitecture) =>
    inferenceWeightsComponent({ ...scenario, storedWeights: null, weightFormat: null, weightDtype: 'bf16', arch })
      .bytes;
  return Math.ceil((inferenceWeightsComponent(scenario).bytes * nominal(part)) / nominal(scenario.arch));
}

/**
 * Weights on one GPU: the most loaded pipeline stage's bytes, split over the tensor-parallel GPUs.
 * A stage is ⌈count / pp⌉ layers of each group with one vocabulary matrix (the embeddings on the
 * first stage, the head on the last; a tied head is loaded again there).
 */
export function weightsPerGpu(scenario: InferenceScenario, gpuCount: number, pipelineStages = 1): number {
  return rememberedWeights(scenario, 'tensor', gpuCount, pipelineStages, () =>
    stageWeightsPerGpu(scenario, gpuCount, pipelineStages),
  );
}

function stageWeightsPerGpu(scenario: InferenceScenario, gpuCount: number, pipelineStages: number): number {
  const tower = visionWeightBytes(scenario);
  if (pipelineStages <= 1) return ceilDiv(inferenceWeightsComponent(scenario).bytes + tower, gpuCount);
  return ceilDiv(weightBytesOf(scenario, stageArchitecture(scenario.arch, pipelineStages)) + tower, gpuCount);
}

/**
 * The most loaded of `stages` pipeline stages: ⌈count / stages⌉ layers of each group and one
 * vocabulary matrix (a tied head is loaded again on the last stage). Built once per architecture
 * and stage count, so its parameter count is too (planners try many stage counts).
 */
const stageArchitecture = perArchitectureAndKey((arch: ModelArchitecture, stages: number) =>
  withLayerCounts({ ...arch, tiedEmbeddings: true }, (count) => Math.ceil(count / stages)),
);

/** The vision tower's weights when the scenario loads it (split over the tensor-parallel GPUs with the rest; on the first stage). */
function visionWeightBytes(scenario: InferenceScenario): number {
  const tower = scenario.arch.vision;
  if (tower === null || scenario.images === null) return 0;
  return visionParameterCount(tower) * (scenario.weightDtype === 'fp32' ? 4 : 2);
}

/**
 * Cache bytes on one GPU for `sequences` sequences of `tokens` tokens: the KV cache (windows capped
 * as the scenario says) plus the fixed recurrent state of each sequence.
 */
export function kvBytesPerGpu(
  scenario: InferenceScenario,
  gpuCount: number,
  tokens: number,
  sequences: number,
): number {
  const kv = kvCacheBytesPerGpu(scenario.arch, scenario.kvDtype, tokens, sequences, scenario.slidingWindow, gpuCount);
  return exact(kv + recurrentStateBytes(scenario.arch, scenario.stateDtypes, sequences, gpuCount), 'cache bytes');
}

/**
 * The same scenario without what each sequence holds whatever its length (recurrent state, and
 * cross-attention K/V over a fixed encoder length): what grows with the tokens alone.
 */
export function withoutPerSequenceCache(scenario: InferenceScenario): InferenceScenario {
  const drop = (groups: ModelArchitecture['layers']) =>
    groups.map((group) => ({
      ...group,
      recurrent: null,
      crossAttention: scenario.arch.encoderTokens === null ? group.crossAttention : null,
    }));
  const arch = scenario.arch;
  return { ...scenario, arch: { ...arch, layers: drop(arch.layers), encoderLayers: drop(arch.encoderLayers) } };
}

/** Whether every layer caches every token (no sliding windows under the chosen policy, no per-sequence state). */
export function kvIsPerToken(scenario: InferenceScenario): boolean {
  const windows = scenario.slidingWindow === 'full' || scenario.arch.layers.every((g) => g.attention?.window == null);
  return windows && !hasRecurrentState(scenario.arch) && scenario.arch.encoderTokens === null;
}

/** Transient peak of a forward over `tokens` tokens on one tensor-parallel GPU. */
export function forwardPeakBytes(
  scenario: InferenceScenario,
  gpuCount: number,
  tokens: number,
  sequences = 1,
  profile: ForwardProfile = ENGINE_FORWARD,
): number {
  const arch = shardForTensorParallel(scenario.arch, gpuCount);
  return inferenceActivationParts(
    arch,
    activationElementBytes(scenario.weightDtype),
    tokens,
    scenario.attention,
    sequences,
    profile,
  ).totalBytes;
}

/** The weights row every engine's per-GPU table starts with. */
export function weightsShardRow(scenario: ServingScenario, bytes: LowExpectedHigh): BudgetRow {
  const { gpuCount, pipelineStages } = scenario;
  const formula =
    pipelineStages > 1 ? `the largest of ${pipelineStages} pipeline stages ÷ ${gpuCount}` : `weights ÷ ${gpuCount}`;
  return { id: 'weights', label: 'Weights shard', bytes, formula, basis: 'exact' };
}
