/**
 * Whole-scenario estimates: the components of serving or training one model, and their total.
 *
 *   inference: weights + kv_cache + activations + overhead
 *   training:  weights + gradients + optimizer_states + activations + overhead
 * total = the exact sum of the components. Each component module documents its formula.
 */
import type { ModelArchitecture } from './architecture.js';
import type { AttentionImplementation } from './attention.js';
import { type Component, sumBytes } from './component.js';
import type { Dtype } from './dtype.js';
import { inferenceActivationsComponent, activationElementBytes } from './inferenceActivations.js';
import { type SlidingWindowPolicy, kvCacheComponent } from './kvCache.js';
import {
  type Optimizer,
  type Precision,
  gradientsComponent,
  optimizerStatesComponent,
  weightBytesPerParameter,
} from './optimizer.js';
import { type OverheadSpec, overheadComponent } from './overhead.js';
import { countParameters, trainingParameterCount } from './parameters.js';
import { type WeightFormat, quantizedWeightsComponent } from './quantization.js';
import { type GradientCheckpointing, trainingActivationsComponent } from './trainingActivations.js';
import { type StoredWeights, weightsComponent, weightsFromCheckpoint } from './weights.js';

export interface InferenceScenario {
  arch: ModelArchitecture;
  weightDtype: Dtype;
  kvDtype: Dtype;
  /** Tokens per sequence (context length). */
  contextTokens: number;
  /** Concurrent sequences sharing the GPU(s). */
  userCount: number;
  attention: AttentionImplementation;
  /** Whether sliding-window layers cache at most their window (cap) or every token (full). */
  slidingWindow: SlidingWindowPolicy;
  overhead: OverheadSpec;
  /** The checkpoint's stored bytes; when given they replace parameters × weightDtype. */
  storedWeights?: StoredWeights | null;
  /** A quantized weight format (GPTQ, AWQ, bitsandbytes, FP8, GGUF); weightDtype is then the compute dtype. */
  weightFormat?: WeightFormat | null;
}

/** The weights of an inference scenario: as stored, in a quantized format, or parameters × dtype. */
export function inferenceWeightsComponent(scenario: InferenceScenario): Component {
  if (scenario.storedWeights) return weightsFromCheckpoint(scenario.storedWeights);
  if (scenario.weightFormat) return quantizedWeightsComponent(scenario.arch, scenario.weightFormat);
  return weightsComponent(countParameters(scenario.arch).totalCount, scenario.weightDtype);
}

export interface TrainingScenario {
  arch: ModelArchitecture;
  precision: Precision;
  /** The 16-bit type of weights and gradients under mixed or bf16 precision (a label: both are 2 B). */
  halfDtype: 'fp16' | 'bf16';
  optimizer: Optimizer;
  checkpointing: GradientCheckpointing;
  attention: AttentionImplementation;
  /** Tokens per sequence. */
  contextTokens: number;
  /** Micro-batch size per GPU. */
  batchSize: number;
  overhead: OverheadSpec;
}

export interface Estimate {
  mode: 'inference' | 'training';
  parameterCount: number;
  /** Parameters one token passes through (differs from parameterCount for MoE). */
  activeParameterCount: number;
  trainableParameterCount: number;
  components: Component[];
  totalBytes: number;
}

function withOverhead(components: Component[], spec: OverheadSpec, activationBytes: number): Component[] {
  const overhead = overheadComponent(spec, { activationBytes, otherBytes: sumBytes(components) });
  return [...components, overhead];
}

function finish(mode: Estimate['mode'], arch: ModelArchitecture, trainableParameterCount: number, components: Component[]): Estimate {
  const counts = countParameters(arch);
  return {
    mode,
    parameterCount: counts.totalCount,
    activeParameterCount: counts.activeCount,
    trainableParameterCount,
    components,
    totalBytes: sumBytes(components),
  };
}

/** The components of serving `userCount` sequences of `contextTokens` tokens. */
export function estimateInference(scenario: InferenceScenario): Estimate {
  const { arch } = scenario;
  const activations = inferenceActivationsComponent(
    arch,
    activationElementBytes(scenario.weightDtype),
    scenario.contextTokens,
    scenario.attention,
    scenario.userCount,
  );
  const components = withOverhead(
    [
      inferenceWeightsComponent(scenario),
      kvCacheComponent(arch, scenario.kvDtype, scenario.contextTokens, scenario.userCount, scenario.slidingWindow),
      activations,
    ],
    scenario.overhead,
    activations.bytes,
  );
  return finish('inference', arch, 0, components);
}

/** The components of one training step on one GPU without sharding (plain data parallelism). */
export function estimateTraining(scenario: TrainingScenario): Estimate {
  const { arch } = scenario;
  const parameterCount = trainingParameterCount(arch);
  const weightDtype: Dtype = scenario.precision === 'fp32' ? 'fp32' : scenario.halfDtype;
  const activations = trainingActivationsComponent({
    arch,
    elementBytes: weightBytesPerParameter(scenario.precision),
    sequenceTokens: scenario.contextTokens,
    batchSize: scenario.batchSize,
    attention: scenario.attention,
    checkpointing: scenario.checkpointing,
  });
  const components = withOverhead(
    [
      weightsComponent(parameterCount, weightDtype),
      gradientsComponent(parameterCount, scenario.precision),
      optimizerStatesComponent(parameterCount, scenario.optimizer, scenario.precision),
      activations,
    ],
    scenario.overhead,
    activations.bytes,
  );
  if (arch.layout === 'encoder') {
    components[0]!.notes.push('trained as a masked LM (BertForMaskedLM): the MLM head replaces the pooler');
  }
  return finish('training', arch, parameterCount, components);
}
