/**
 * Whole-scenario estimates: the components of serving or training one model, and their total.
 *
 *   inference: weights + kv_cache [+ recurrent_state] + activations [+ vision_weights +
 *              vision_activations] + overhead
 *   training:  weights + gradients + optimizer_states + activations + overhead
 * total = the exact sum of the components. Each component module documents its formula.
 */
import type { ModelArchitecture, VisionTower } from './architecture.js';
import type { AttentionImplementation } from './attention.js';
import { type Component, component, refigured, sumBytes } from './component.js';
import type { Dtype } from './dtype.js';
import { activationElementBytes, inferenceActivationsComponent } from './inferenceActivations.js';
import { type SlidingWindowPolicy, kvCacheComponent } from './kvCache.js';
import { type StateDtypes, recurrentStateComponent } from './recurrentState.js';
import { visionActivationsComponent, visionWeightsComponent } from './visionTower.js';
import {
  type FineTuning,
  type StateBytes,
  type TrainingOptimizer,
  type TrainingParallelism,
  type TrainingPrecision,
  modelStates,
  ncclCommunicatorCount,
  parameterShare,
  stateBytes,
} from './training/modelStates.js';
import type { MatrixKind } from './weightMatrices.js';
import { type OverheadSpec, allocatorCacheComponent, overheadComponent } from './overhead.js';
import { countParameters, trainingParameterCount } from './parameters.js';
import { exact, formatInt } from './units.js';
import { type FrameworkTerm, frameworkTerms } from './training/frameworkBuffers.js';
import { loraParameterCount } from './training/lora.js';
import { type WeightFormat, quantizedWeightsComponent } from './quantization.js';
import {
  type GradientCheckpointing,
  type TrainingActivationInput,
  trainingActivationsComponent,
} from './trainingActivations.js';
import { type StoredWeights, weightsComponent, weightsFromCheckpoint } from './weights.js';

export interface InferenceScenario {
  arch: ModelArchitecture;
  weightDtype: Dtype;
  kvDtype: Dtype;
  /** What the engine keeps state-space / linear-attention state in (read only for models that have it). */
  stateDtypes: StateDtypes;
  /** Tokens per sequence (context length). */
  contextTokens: number;
  /** Concurrent sequences sharing the GPU(s). */
  userCount: number;
  attention: AttentionImplementation;
  /** Whether sliding-window layers cache at most their window (cap) or every token (full). */
  slidingWindow: SlidingWindowPolicy;
  overhead: OverheadSpec;
  /** The checkpoint's stored bytes; when given they replace parameters × weightDtype. */
  storedWeights: StoredWeights | null;
  /** A quantized weight format (GPTQ, AWQ, bitsandbytes, FP8, GGUF); weightDtype is then the compute dtype. */
  weightFormat: WeightFormat | null;
  /** Images per request the vision tower encodes at once; null when the tower is not loaded (text only, or none). */
  images: number | null;
  /** Sequences whose prompts are prefilled in one forward (1: engines that prefill a request while the others decode). */
  prefillSequences: number;
  /** Tokens of each prompt (the prefill), the rest of the context generated; null: the whole context. */
  promptTokens: number | null;
}

/**
 * The prompt a forward prefills: the whole context, or promptTokens capped at it (capacity searches
 * other contexts, and the prompt follows them when it is the whole context).
 */
export function promptTokensOf(scenario: InferenceScenario): number {
  return scenario.promptTokens === null
    ? scenario.contextTokens
    : Math.min(scenario.promptTokens, scenario.contextTokens);
}

/** The weights of an inference scenario: as stored, in a quantized format, or parameters × dtype. */
export function inferenceWeightsComponent(scenario: InferenceScenario): Component {
  if (scenario.storedWeights) return weightsFromCheckpoint(scenario.storedWeights);
  if (scenario.weightFormat) return quantizedWeightsComponent(scenario.arch, scenario.weightFormat);
  return weightsComponent(countParameters(scenario.arch).totalCount, scenario.weightDtype);
}

export interface TrainingScenario {
  arch: ModelArchitecture;
  precision: TrainingPrecision;
  /** The 16-bit type of weights and gradients under mixed or bf16 precision (a label: both are 2 B). */
  halfDtype: 'fp16' | 'bf16';
  optimizer: TrainingOptimizer;
  checkpointing: GradientCheckpointing;
  attention: AttentionImplementation;
  /** Tokens per sequence. */
  contextTokens: number;
  /** Micro-batch size per GPU. */
  batchSize: number;
  overhead: OverheadSpec;
  /** GPUs, model parallelism, ZeRO and offload (SINGLE_GPU for one). */
  parallelism: TrainingParallelism;
  /** Full fine-tuning ({ kind: 'full' }), or LoRA / QLoRA. */
  fineTuning: FineTuning;
  /** Gradient accumulation steps: more throughput, no more activation memory (1F1B keeps min(pp, steps) micro-batches). */
  gradientAccumulation: number;
  /** A chunked/fused loss that never holds all the logits. */
  chunkedLoss: boolean;
  /** The loop keeps the model's output, so its logits live through the loss's backward. */
  keepOutput?: boolean;
  /** Count the optimizer step's temporaries (foreach Adam's sqrt, DeepSpeed's fp32 partition); off for fused optimizers. */
  optimizerStepTemporaries?: boolean;
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

/** Adds the allocator cache (when counted) and the overhead to `components`, and returns them. */
function withOverhead(components: Component[], spec: OverheadSpec, activationBytes: number): Component[] {
  const input = {
    activationBytes,
    otherBytes: sumBytes(components),
    workload: 'inference' as const,
    ncclCommunicators: 0,
  };
  const cache = allocatorCacheComponent(spec, input);
  if (cache) components.push(cache);
  components.push(overheadComponent(spec, input));
  return components;
}

function finish(
  mode: Estimate['mode'],
  arch: ModelArchitecture,
  trainableParameterCount: number,
  components: Component[],
): Estimate {
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

/** The vision tower's weights and encoder peak (a scenario that loads the tower). */
function visionComponents(tower: VisionTower, images: number, scenario: InferenceScenario): [Component, Component] {
  const computeDtype: Dtype =
    scenario.weightDtype === 'fp32' ? 'fp32' : scenario.weightDtype === 'fp16' ? 'fp16' : 'bf16';
  const e = activationElementBytes(scenario.weightDtype);
  return [
    visionWeightsComponent(tower, computeDtype),
    visionActivationsComponent(tower, e, images, scenario.attention),
  ];
}

/** The components of serving `userCount` sequences of `contextTokens` tokens. */
export function estimateInference(scenario: InferenceScenario): Estimate {
  const { arch } = scenario;
  const activations = inferenceActivationsComponent(
    arch,
    scenario.weightDtype,
    promptTokensOf(scenario),
    scenario.attention,
    scenario.userCount,
    scenario.prefillSequences,
  );
  const components = [
    inferenceWeightsComponent(scenario),
    kvCacheComponent(arch, scenario.kvDtype, scenario.contextTokens, scenario.userCount, scenario.slidingWindow),
  ];
  const state = recurrentStateComponent(arch, scenario.stateDtypes, scenario.userCount);
  if (state) components.push(state);
  components.push(activations);
  let transientBytes = activations.bytes;
  const tower = arch.vision;
  if (tower !== null && scenario.images !== null) {
    const [weights, encoderPeak] = visionComponents(tower, scenario.images, scenario);
    components.push(weights, encoderPeak);
    transientBytes += encoderPeak.bytes;
  }
  return finish('inference', arch, 0, withOverhead(components, scenario.overhead, transientBytes));
}

/** The activation model's input for a training scenario (one micro-batch on the most loaded GPU). */
function trainingActivationInput(scenario: TrainingScenario): TrainingActivationInput {
  const { arch, parallelism, fineTuning } = scenario;
  const lora = fineTuning.kind === 'lora' ? fineTuning.lora.targets : null;
  const trains = (...kinds: MatrixKind[]) => lora === null || kinds.some((kind) => lora.includes(kind));
  return {
    arch,
    elementBytes: scenario.precision === 'fp32' ? 4 : 2,
    sequenceTokens: scenario.contextTokens,
    batchSize: scenario.batchSize,
    attention: scenario.attention,
    checkpointing: scenario.checkpointing,
    tensorParallel: parallelism.tensorParallel,
    sequenceParallel: parallelism.sequenceParallel,
    contextParallel: parallelism.contextParallel,
    layerFraction: parameterShare(arch, parallelism).layerFraction,
    trainedLinear: {
      attentionIn: trains('attn_q', 'attn_k', 'attn_v', 'attn_q_a', 'attn_kv_a', 'ssm_in'),
      attentionOut: trains('attn_output', 'ssm_out'),
      mlpIn: trains('ffn_gate', 'ffn_up'),
      mlpDown: trains('ffn_down'),
    },
    linearInputBytes: scenario.precision === 'fp8' ? 1 : undefined,
    chunkedLoss: scenario.chunkedLoss,
    keepOutput: scenario.keepOutput ?? false,
  };
}

/**
 * Activations of the most loaded GPU. Pipeline (1F1B): the first stage holds min(pp, accumulation
 * steps) micro-batches in flight, the last stage one micro-batch plus the logits and loss; the more
 * loaded of the two is reported.
 */
function trainingActivations(scenario: TrainingScenario): Component {
  const input = trainingActivationInput(scenario);
  const pp = scenario.parallelism.pipelineParallel;
  if (pp <= 1) return trainingActivationsComponent(input);
  const inFlightMicroBatches = Math.min(pp, scenario.gradientAccumulation);
  const first = trainingActivationsComponent({ ...input, inFlightMicroBatches, holdsLoss: false });
  const last = trainingActivationsComponent({ ...input, inFlightMicroBatches: 1 });
  const activations = last.bytes > first.bytes ? last : first;
  return refigured(activations, {}, () => [
    `pipeline: first stage ${formatInt(first.bytes)} B (micro-batches in flight), last stage ${formatInt(last.bytes)} B (logits and loss); the larger is shown`,
  ]);
}

const STATE_EXPRESSIONS = {
  weights: 'params × bytes/param',
  gradients: 'trainable params × grad bytes',
  optimizer_states: 'trainable params × (master + states) bytes',
} as const;

/** A model-state component: per GPU, summed over `gpus`, and on the host (`notes`: its notes, written when read). */
function stateComponent(
  id: keyof typeof STATE_EXPRESSIONS,
  label: string,
  state: StateBytes,
  gpus: number,
  notes: () => string[] = () => [],
): Component {
  const figures = {
    id,
    label,
    bytes: exact(state.gpu * gpus, label),
    bytesPerGpu: state.gpu,
    hostBytes: exact(state.host * gpus, label),
    expression: STATE_EXPRESSIONS[id],
    basis: 'exact' as const,
    range: null,
  };
  return component(figures, () => ({ formula: state.formula, notes: notes() }));
}

/** The gradients with DDP's bucket copy when plain data parallelism keeps one. */
function withDdpBuckets(gradients: StateBytes, parallelism: TrainingParallelism): StateBytes {
  if (!parallelism.ddpGradientBuckets || gradients.gpu === 0) return gradients;
  return stateBytes(
    exact(2 * gradients.gpu, 'gradients'),
    gradients.host,
    () => `${gradients.formula} + the same again in DDP's all-reduce buckets`,
  );
}

/** A component held by every GPU: its bytes per GPU, summed over `gpus`, none on the host. */
function onEveryGpu(held: Component, gpus: number, what: string): Component {
  return refigured(held, { bytes: exact(held.bytes * gpus, what), bytesPerGpu: held.bytes, hostBytes: 0 });
}

/**
 * Temporaries of the optimizer step on one GPU, which runs after the activations are freed:
 * PyTorch's Adam/AdamW (foreach, the CUDA default) computes sqrt(exp_avg_sq) into a new tensor list,
 * one state's worth (torch/optim/adam.py _multi_tensor_adam: `exp_avg_sq_sqrt =
 * torch._foreach_sqrt(...)`): a third of master + two states under mixed precision, half of two
 * states otherwise. DeepSpeed's ZeRO step flattens the 16-bit gradient partition and converts it to
 * fp32 (stage_1_and_2.py step(): 2 + 4 B per parameter of the partition, half of its 12 B).
 * Measured on an H200 (llama-3.2-1b, AdamW): the step sets the peak of every short-sequence run.
 */
function optimizerStepBytes(scenario: TrainingScenario, optimizerGpuBytes: number): number {
  const { optimizer, precision, parallelism } = scenario;
  if (scenario.optimizerStepTemporaries === false) return 0;
  if (parallelism.framework === 'deepspeed' && parallelism.zeroStage > 0) return Math.ceil(optimizerGpuBytes / 2);
  if (optimizer !== 'adam' && optimizer !== 'adamw') return 0;
  const master = (precision === 'mixed' || precision === 'fp8') && scenario.fineTuning.kind === 'full';
  return Math.ceil(optimizerGpuBytes / (master ? 3 : 2));
}

/** The activations, or the optimizer step's temporaries where they are larger (the two never coexist). */
function withOptimizerStep(activations: Component, stepBytes: number): Component {
  if (stepBytes <= activations.bytes) return activations;
  const figures = {
    id: activations.id,
    label: 'Optimizer step temporaries',
    bytes: stepBytes,
    expression: 'optimizer step temporaries (larger than the activations)',
    basis: activations.basis,
    range: activations.range,
  };
  return component(figures, () => ({
    formula: `${formatInt(stepBytes)} B of optimizer step temporaries (sqrt of Adam's second moment, or DeepSpeed's fp32 gradient partition)`,
    notes: [
      "torch.optim.AdamW's default foreach step; a fused optimizer (fused=True, HF Trainer's adamw_torch_fused) has no such temporaries: --without optimizer-step",
      `the activations (${formatInt(activations.bytes)} B, ${activations.formula}) are freed before the optimizer step, whose temporaries are larger and set the peak`,
      ...activations.notes,
    ],
  }));
}

/** Bytes per stored weight element of the model (or LoRA's frozen base) before sharding. */
function weightElementBytes(scenario: TrainingScenario): number {
  const { fineTuning, precision } = scenario;
  if (fineTuning.kind === 'lora') return fineTuning.quantizedBase ? 0.5 : fineTuning.baseBytesPerParameter;
  return precision === 'fp32' ? 4 : 2;
}

/** The sharding framework's buffers on one GPU (frameworkBuffers.ts), or null when there are none. */
function frameworkComponent(scenario: TrainingScenario, trainableCount: number): Component | null {
  const { parallelism, fineTuning, precision } = scenario;
  const lora = fineTuning.kind === 'lora';
  const weightBytes = weightElementBytes(scenario);
  const terms = frameworkTerms({
    arch: scenario.arch,
    parallelism,
    weightBytesPerParameter: weightBytes,
    // QLoRA quantizes the blocks' linear layers; the embeddings and head stay 16-bit.
    rootBytesPerParameter: lora && fineTuning.quantizedBase ? 2 : weightBytes,
    // FSDP keeps LoRA's fp32 adapters in fp32; DeepSpeed's buckets follow the model dtype.
    gradientBytes: precision === 'fp32' || (lora && parallelism.framework === 'fsdp') ? 4 : 2,
    trainableCount,
    fullTraining: !lora,
    buckets: parallelism.zeroBuckets,
  });
  if (terms.length === 0) return null;
  const sum = (pick: (t: FrameworkTerm) => number) =>
    exact(
      terms.reduce((total, t) => total + pick(t), 0),
      'framework buffers',
    );
  const name = parallelism.framework === 'fsdp' ? 'PyTorch FSDP' : 'DeepSpeed ZeRO';
  const figures = {
    id: 'framework_buffers' as const,
    label: 'Framework buffers',
    bytes: sum((t) => t.bytes),
    expression: terms.map((t) => t.name).join(' + '),
    basis: 'model' as const,
    range: { lowBytes: sum((t) => t.range.lowBytes), highBytes: sum((t) => t.range.highBytes) },
  };
  return component(figures, () => ({
    formula: terms.map((t) => `${formatInt(t.bytes)} B (${t.name})`).join(' + '),
    notes: [
      ...terms.map(
        (t) => `${t.name}: ${t.formula()}; ${formatInt(t.range.lowBytes)}–${formatInt(t.range.highBytes)} B`,
      ),
      `${name}'s defaults, from its code (src/core/training/frameworkBuffers.ts); --without framework-buffers drops them`,
    ],
  }));
}

/** The components of one training step: per GPU (the most loaded), summed over GPUs, and on the host. */
export function estimateTraining(scenario: TrainingScenario): Estimate {
  const { arch, parallelism, fineTuning } = scenario;
  const gpus = parallelism.gpuCount;
  const states = modelStates({
    arch,
    precision: scenario.precision,
    optimizer: scenario.optimizer,
    parallelism,
    fineTuning,
  });
  const maskedLm = arch.layout === 'encoder' && fineTuning.kind === 'full';
  const weights = stateComponent('weights', 'Weights', states.weights, gpus, () => [
    ...states.notes,
    ...(maskedLm ? ['trained as a masked LM (BertForMaskedLM): the MLM head replaces the pooler'] : []),
  ]);
  const ddpNotes = parallelism.ddpGradientBuckets
    ? [
        "DDP's all-reduce buckets hold a second copy of the gradients (gradient_as_bucket_view False, PyTorch's default); --ddp-bucket-view drops it",
      ]
    : [];
  const gradientStates = withDdpBuckets(states.gradients, parallelism);
  const gradients = stateComponent('gradients', 'Gradients', gradientStates, gpus, () => ddpNotes);
  const forward = trainingActivations(scenario);
  const activations = withOptimizerStep(forward, optimizerStepBytes(scenario, states.optimizerStates.gpu));
  const components: Component[] = [
    weights,
    gradients,
    stateComponent('optimizer_states', 'Optimizer states', states.optimizerStates, gpus),
    onEveryGpu(activations, gpus, 'activations'),
  ];
  const framework = frameworkComponent(scenario, states.trainableCount);
  if (framework) components.push(onEveryGpu(framework, gpus, 'framework buffers'));
  const otherBytes = components.reduce((sum, c) => sum + componentBytesPerGpu(c), 0);
  const input = {
    activationBytes: forward.bytes,
    otherBytes,
    workload: 'training' as const,
    ncclCommunicators: ncclCommunicatorCount(parallelism),
  };
  const cache = allocatorCacheComponent(scenario.overhead, input);
  if (cache) components.push(onEveryGpu(cache, gpus, 'allocator cache'));
  components.push(onEveryGpu(overheadComponent(scenario.overhead, input), gpus, 'overhead'));
  return finish('training', arch, trainableParameterCount(arch, fineTuning), components);
}

/**
 * Trainable parameters of the whole model (not one GPU's share): all of them for full training; the
 * LoRA adapters, plus the embeddings and an untied head with trainEmbeddings.
 */
export function trainableParameterCount(arch: ModelArchitecture, fineTuning: FineTuning): number {
  if (fineTuning.kind === 'full') return trainingParameterCount(arch);
  const counts = countParameters(arch);
  return (
    loraParameterCount(arch, fineTuning.lora) +
    (fineTuning.trainEmbeddings ? counts.embeddingCount + counts.headCount : 0)
  );
}

/** A component's bytes on the most loaded GPU (its bytes when it is not split over GPUs). */
export function componentBytesPerGpu(component: Component): number {
  return component.bytesPerGpu ?? component.bytes;
}

/** The most loaded GPU's bytes of an estimate (Σ bytesPerGpu). */
export function bytesPerGpu(estimate: Estimate): number {
  return estimate.components.reduce((sum, c) => sum + componentBytesPerGpu(c), 0);
}

/** Host memory of an estimate's offloaded state, all GPUs (Σ hostBytes). */
export function hostBytesOf(estimate: Estimate): number {
  return estimate.components.reduce((sum, c) => sum + (c.hostBytes ?? 0), 0);
}
