/**
 * Model states of one training GPU: weights, gradients and optimizer states, and what offload
 * moves to host memory.
 *
 * Parallelism: tensor parallelism (tp) splits every weight; pipeline parallelism (pp) gives each
 * stage ceil(L / pp) layers, the first stage the embeddings and the last the head (the most loaded
 * stage is reported); expert parallelism (ep) splits routed experts. The rest of the GPUs, dp =
 * gpus / (tp × pp × cp), replicate — or, with ZeRO, shard (ZeRO, arXiv:1910.02054, §5):
 *   stage 1 shards optimizer states, 2 also gradients, 3 also weights, over dp × cp (FSDP: shard_grad_op
 *   = 2, full_shard = 3, hybrid = 3 within a node); routed experts, already split over ep, shard over
 *   dp × cp / ep. Per GPU, mixed-precision Adam:
 *   (2 + 2 + 12/dp)Φ, (2 + 14/dp)Φ, 16Φ/dp.
 * Offload (ZeRO-Offload, arXiv:2101.06840): optimizer states, fp32 master and gradients live in host
 * memory; with parameter offload (ZeRO-Infinity) the weights too, the GPU keeping a working set of
 * the largest layer (4 B × its parameters, DeepSpeed's convention).
 * Optimizer state per trainable parameter (master fp32 4 B under mixed/fp8 precision, plus): Adam,
 * AdamW 2 × 4 B (2 × 2 B in pure bf16); Lion 1 state; SGD with momentum 1; SGD 0; 8-bit and paged
 * 8-bit AdamW 2 × 1 B (bitsandbytes); Adafactor a factored second moment: rows + columns per matrix
 * (Shazeer & Stern 2018, arXiv:1804.04235), 4 B each, and a full one for vectors.
 * LoRA: the base is frozen (16-bit, fp32 under --precision fp32, or NF4 with double quantization for QLoRA) and holds no
 * gradients or optimizer state; adapters train in fp32 (PEFT's autocast_adapter_dtype), 4 B weights
 * + 4 B gradients + optimizer states, no separate master.
 * DeepSpeed accounting (estimate_zero2/zero3_model_states_mem_needs, docs memory.rst): ZeRO-2
 * 4Φ + 16Φ/N, ZeRO-3 4 × largest layer + 18Φ/N, over all N GPUs.
 */
import type { ModelArchitecture } from '../architecture.js';
import { layerCount, allLayerGroups } from '../architecture.js';
import { countParameters, trainingParameterCount } from '../parameters.js';
import { quantizedWeightsComponent } from '../quantization.js';
import { ceilDiv, formatInt } from '../units.js';
import { matrixTotals } from '../weightMatrices.js';
import type { ZeroBuckets } from './frameworkBuffers.js';
import { type LoraSpec, loraMatrices, loraParameterCount } from './lora.js';

export const ZERO_STAGES = [0, 1, 2, 3] as const;
export type ZeroStage = (typeof ZERO_STAGES)[number];
export const OFFLOADS = ['none', 'optimizer', 'optimizer+params'] as const;
export type Offload = (typeof OFFLOADS)[number];
export const TRAINING_OPTIMIZERS = [
  'adamw',
  'adam',
  'adamw-8bit',
  'paged-adamw-8bit',
  'adafactor',
  'lion',
  'sgd',
  'sgd-momentum',
] as const;
export type TrainingOptimizer = (typeof TRAINING_OPTIMIZERS)[number];
export const TRAINING_PRECISIONS = ['mixed', 'fp32', 'bf16', 'fp8'] as const;
export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];

export interface TrainingParallelism {
  gpuCount: number;
  tensorParallel: number;
  pipelineParallel: number;
  contextParallel: number;
  expertParallel: number;
  sequenceParallel: boolean;
  zeroStage: ZeroStage;
  /** GPUs a ZeRO-3 shard spans (FSDP hybrid: one node); null = all data-parallel ranks. */
  zeroGroupSize: number | null;
  offload: Offload;
  accounting: 'paper' | 'deepspeed';
  /**
   * Plain data parallelism under PyTorch DDP with gradient_as_bucket_view False (its default): the
   * reducer's all-reduce buckets hold a second copy of every gradient (torch.nn.parallel.
   * DistributedDataParallel docs: bucket views save "memory equal to the total gradients size").
   */
  ddpGradientBuckets: boolean;
  /** The framework that shards or replicates: DeepSpeed for --zero, PyTorch FSDP for --fsdp, DDP for plain data parallelism. */
  framework: 'deepspeed' | 'fsdp' | 'ddp' | 'none';
  /** Count the framework's buffers (frameworkBuffers.ts); --without framework-buffers turns them off. */
  frameworkBuffers: boolean;
  /** ZeRO's bucket sizes (DeepSpeed's defaults, HF "auto", or --zero-bucket-size). */
  zeroBuckets: ZeroBuckets;
  /** Count NCCL's communicator buffers in the overhead (--without nccl turns them off). */
  nccl: boolean;
}

export type FineTuning =
  | { kind: 'full' }
  | {
      kind: 'lora';
      lora: LoraSpec;
      quantizedBase: boolean;
      /** Bytes per frozen base parameter when not NF4: 2 (a 16-bit base), 4 (fp32, as PEFT loads a model without torch_dtype). */
      baseBytesPerParameter: number;
      trainEmbeddings: boolean;
    };

export const SINGLE_GPU: TrainingParallelism = {
  gpuCount: 1,
  tensorParallel: 1,
  pipelineParallel: 1,
  contextParallel: 1,
  expertParallel: 1,
  sequenceParallel: false,
  zeroStage: 0,
  zeroGroupSize: null,
  offload: 'none',
  accounting: 'paper',
  ddpGradientBuckets: false,
  framework: 'none',
  frameworkBuffers: true,
  zeroBuckets: { kind: 'default' },
  nccl: true,
};

/**
 * NCCL communicators one GPU joins: its data-parallel (or ZeRO) group, and its tp, cp and ep groups;
 * pipeline send/recv pairs make two more (PyTorch creates a 2-rank communicator per neighbour).
 */
export function ncclCommunicatorCount(p: TrainingParallelism): number {
  if (!p.nccl || p.gpuCount <= 1) return 0;
  const groups = [dataParallelSize(p) > 1, p.tensorParallel > 1, p.contextParallel > 1, p.expertParallel > 1];
  return groups.filter(Boolean).length + (p.pipelineParallel > 1 ? 2 : 0);
}

export function dataParallelSize(p: TrainingParallelism): number {
  return Math.max(1, Math.floor(p.gpuCount / (p.tensorParallel * p.pipelineParallel * p.contextParallel)));
}

/**
 * Ranks a ZeRO shard of dense parameters spans: the data-parallel GPUs times the context-parallel
 * ones (Megatron's distributed optimizer and FSDP shard over dp × cp), within one node's group for
 * FSDP hybrid. Routed experts are already split over ep of them, so their shard spans 1/ep as many.
 */
function shardSizes(p: TrainingParallelism): { dense: number; expert: number } {
  const ranks = dataParallelSize(p) * p.contextParallel;
  const dense = p.zeroGroupSize === null ? ranks : Math.max(1, Math.min(ranks, p.zeroGroupSize));
  return { dense, expert: Math.max(1, Math.floor(dense / p.expertParallel)) };
}

/** Share of the model's parameters the most loaded GPU holds, before ZeRO (tp, pp, ep). */
export interface ParameterShare {
  /** Parameters on the GPU. */
  count: number;
  /** Fraction of the layers on its pipeline stage. */
  layerFraction: number;
  /** Embedding (or head) parameters on the GPU. */
  embeddingCount: number;
  /** Routed-expert parameters on the GPU (part of count). */
  expertCount: number;
}

export function parameterShare(arch: ModelArchitecture, p: TrainingParallelism): ParameterShare {
  const counts = countParameters(arch);
  const layers = layerCount(allLayerGroups(arch));
  const pp = Math.min(p.pipelineParallel, layers);
  const layerFraction = pp === 1 ? 1 : Math.ceil(layers / pp) / layers;
  const expert = matrixTotals(arch).expert;
  const head =
    counts.headCount > 0 ? counts.headCount : arch.tiedEmbeddings && pp > 1 ? arch.vocabSize * arch.hiddenSize : 0;
  const layerDense = trainingParameterCount(arch) - counts.embeddingCount - counts.headCount - expert;
  const ends = pp === 1 ? counts.embeddingCount + counts.headCount : Math.max(counts.embeddingCount, head);
  const dense = Math.ceil((layerDense * layerFraction + ends) / p.tensorParallel);
  const experts = Math.ceil((expert * layerFraction) / (p.tensorParallel * p.expertParallel));
  return {
    count: dense + experts,
    layerFraction,
    embeddingCount: Math.ceil(ends / p.tensorParallel),
    expertCount: experts,
  };
}

export interface StateBytes {
  /** Per GPU on the device. */
  gpu: number;
  /** Per GPU in host memory (offload). */
  host: number;
  /** Written when read. */
  readonly formula: string;
}

/** Bytes of a state, its formula written when first read (sweeps and solvers compute many and show few). */
class LazyStateBytes implements StateBytes {
  readonly gpu: number;
  readonly host: number;
  #formula: (() => string) | string;

  constructor(gpu: number, host: number, formula: () => string) {
    this.gpu = gpu;
    this.host = host;
    this.#formula = formula;
  }

  get formula(): string {
    if (typeof this.#formula === 'function') this.#formula = this.#formula();
    return this.#formula;
  }

  toJSON(): { gpu: number; host: number; formula: string } {
    return { gpu: this.gpu, host: this.host, formula: this.formula };
  }
}

export function stateBytes(gpu: number, host: number, formula: () => string): StateBytes {
  return new LazyStateBytes(gpu, host, formula);
}

export interface ModelStates {
  trainableCount: number;
  weights: StateBytes;
  gradients: StateBytes;
  optimizerStates: StateBytes;
  notes: string[];
}

export interface ModelStateInput {
  arch: ModelArchitecture;
  precision: TrainingPrecision;
  optimizer: TrainingOptimizer;
  parallelism: TrainingParallelism;
  fineTuning: FineTuning;
}

/** Bytes of optimizer state per trainable parameter (without a master copy), for non-factored optimizers. */
function stateBytesPerParameter(optimizer: TrainingOptimizer, stateBytes: number): number {
  switch (optimizer) {
    case 'adam':
    case 'adamw':
      return 2 * stateBytes;
    case 'adamw-8bit':
    case 'paged-adamw-8bit':
      return 2;
    case 'lion':
    case 'sgd-momentum':
      return stateBytes;
    case 'sgd':
      return 0;
    case 'adafactor':
      return 0; // factored: counted from rows and columns (factoredStateCount)
  }
}

export function modelStates(input: ModelStateInput): ModelStates {
  const { arch, precision, optimizer, parallelism: p, fineTuning } = input;
  const total = trainingParameterCount(arch);
  if (p.accounting === 'deepspeed' && fineTuning.kind === 'full' && p.zeroStage >= 2)
    return deepspeedModelStates(arch, p, total);
  const share = parameterShare(arch, p);
  const fraction = share.count / total;
  const local =
    fineTuning.kind === 'full'
      ? fullTrainingStates(arch, precision, share, total, fraction)
      : loraTrainingStates(arch, p, fineTuning, share, fraction);
  const notes = [...local.notes];
  if (optimizer === 'paged-adamw-8bit')
    notes.push(
      'paged 8-bit AdamW keeps its states in unified memory that spills to the host under pressure; counted on the GPU here',
    );
  const zero = zeroShard(p, share);
  return {
    trainableCount: local.trainable,
    weights: weightStates(arch, p, local, zero),
    gradients: gradientStates(p, local, zero),
    optimizerStates: optimizerStates(p, local, optimizer, zero),
    notes,
  };
}

/** DeepSpeed's estimators for ZeRO-2 and ZeRO-3 (mixed-precision Adam), over all `p.gpuCount` GPUs. */
function deepspeedModelStates(arch: ModelArchitecture, p: TrainingParallelism, total: number): ModelStates {
  const n = p.gpuCount;
  const params = `${formatInt(total)} params`;
  const notes = ["DeepSpeed's estimator convention (estimate_zero2/zero3_model_states_mem_needs), over all GPUs"];
  if (p.zeroStage === 2) {
    return {
      trainableCount: total,
      weights: stateBytes(2 * total, 0, () => `2 B × ${params} (fp16)`),
      gradients: stateBytes(2 * total, 0, () => `2 B × ${params} (fp16)`),
      optimizerStates: stateBytes(ceilDiv(16 * total, n), 0, () => `16 B × ${params} ÷ ${n} GPUs`),
      notes,
    };
  }
  const largest = matrixTotals(arch).largest;
  return {
    trainableCount: total,
    weights: stateBytes(4 * largest, 0, () => `4 B × ${formatInt(largest)} params of the largest layer`),
    gradients: stateBytes(0, 0, () => 'in the 18 B/param below'),
    optimizerStates: stateBytes(ceilDiv(18 * total, n), 0, () => `18 B × ${params} ÷ ${n} GPUs`),
    notes,
  };
}

/** What one GPU trains and stores before ZeRO and offload. */
interface LocalStates {
  /** Trainable parameters on the GPU. */
  trainable: number;
  /** Bytes of the weights, trainable or frozen. */
  weightBytes: number;
  weightFormula: () => string;
  /** Bytes per gradient element. */
  gradientBytesPer: number;
  /** Bytes of fp32 master copy per trainable parameter (0: none). */
  master: number;
  /** Bytes per optimizer state element. */
  stateBytes: number;
  /** Adafactor's factored second moment: rows + columns of each trainable matrix, plus every vector element. */
  factoredStateCount: number;
  notes: string[];
}

/** Full fine-tuning or pre-training: every parameter on the GPU trains, in the precision's sizes. */
function fullTrainingStates(
  arch: ModelArchitecture,
  precision: TrainingPrecision,
  share: ParameterShare,
  total: number,
  fraction: number,
): LocalStates {
  const half = precision === 'fp32' ? 4 : 2;
  const { linear, all, rowsAndColumns } = matrixTotals(arch);
  const fp8Cache = precision === 'fp8' ? Math.ceil(linear * fraction) : 0;
  const vectors = total - all;
  return {
    trainable: share.count,
    weightBytes: share.count * half + fp8Cache,
    weightFormula: () =>
      `${formatInt(share.count)} params × ${half} B${fp8Cache > 0 ? ' + an 8-bit copy of the linear weights (Transformer Engine)' : ''}`,
    gradientBytesPer: half,
    master: precision === 'mixed' || precision === 'fp8' ? 4 : 0,
    stateBytes: precision === 'bf16' ? 2 : 4,
    factoredStateCount: Math.ceil((rowsAndColumns + vectors) * fraction),
    notes: [],
  };
}

/** LoRA / QLoRA: a frozen 16-bit (or NF4) base; fp32 adapters, and the embeddings when trained, hold the states. */
function loraTrainingStates(
  arch: ModelArchitecture,
  p: TrainingParallelism,
  fineTuning: Extract<FineTuning, { kind: 'lora' }>,
  share: ParameterShare,
  fraction: number,
): LocalStates {
  const { lora } = fineTuning;
  const adapters = Math.ceil((loraParameterCount(arch, lora) * share.layerFraction) / p.tensorParallel);
  const embeddings = fineTuning.trainEmbeddings ? share.embeddingCount : 0;
  const trainable = adapters + embeddings;
  const base = fineTuning.quantizedBase
    ? Math.ceil(
        quantizedWeightsComponent(arch, { kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: true }).bytes * fraction,
      )
    : share.count * fineTuning.baseBytesPerParameter;
  // A (r × in) and B (out × r): rows + columns r + in and out + r; a trained embedding V + h.
  const adapterRowsCols = loraMatrices(arch, lora).reduce(
    (sum, m) => sum + m.count * (2 * lora.rank + m.inFeatures + m.outFeatures),
    0,
  );
  // The embedding, and an untied head on the same GPU.
  const embeddingRowsCols = fineTuning.trainEmbeddings
    ? (arch.tiedEmbeddings || p.pipelineParallel > 1 ? 1 : 2) * (arch.vocabSize + arch.hiddenSize)
    : 0;
  return {
    trainable,
    weightBytes: base + trainable * 4,
    weightFormula: () =>
      `${fineTuning.quantizedBase ? 'NF4 base (double quantization)' : `${formatInt(share.count)} frozen params × ${fineTuning.baseBytesPerParameter} B${fineTuning.baseBytesPerParameter === 1 ? ' (LLM.int8; its per-row fp32 scales are not counted)' : ''}`} + ${formatInt(trainable)} trainable params × 4 B (fp32 adapters)`,
    gradientBytesPer: 4,
    master: 0,
    stateBytes: 4,
    factoredStateCount: Math.ceil((adapterRowsCols * share.layerFraction) / p.tensorParallel) + embeddingRowsCols,
    notes: fineTuning.quantizedBase
      ? ['QLoRA: NF4 base with double quantization (Dettmers et al. 2023), fp32 adapters']
      : [],
  };
}

/** ZeRO's shard of a state on one GPU, and the text the formulas append for it. */
interface ZeroShard {
  stage: ZeroStage;
  /** The shard of `bytes` (uniform over parameters): the dense part over the dense group, experts over theirs. */
  of: (bytes: number) => number;
  text: () => string;
}

function zeroShard(p: TrainingParallelism, share: ParameterShare): ZeroShard {
  const shards = shardSizes(p);
  const expertShare = share.count === 0 ? 0 : share.expertCount / share.count;
  const of = (bytes: number): number => {
    const expertBytes = Math.round(bytes * expertShare);
    return ceilDiv(bytes - expertBytes, shards.dense) + ceilDiv(expertBytes, shards.expert);
  };
  const experts = p.expertParallel > 1 && share.expertCount > 0 ? `; experts ÷ ${shards.expert}` : '';
  return {
    stage: p.zeroStage,
    of,
    text: () => (p.zeroStage === 0 ? '' : ` ÷ ${shards.dense} (ZeRO-${p.zeroStage}${experts})`),
  };
}

/** Weights: sharded at ZeRO-3; with parameter offload the GPU keeps only the largest layer's working set. */
function weightStates(
  arch: ModelArchitecture,
  p: TrainingParallelism,
  local: LocalStates,
  zero: ZeroShard,
): StateBytes {
  const sharded = zero.stage === 3 ? zero.of(local.weightBytes) : local.weightBytes;
  if (p.offload === 'optimizer+params' && zero.stage === 3) {
    const largest = Math.ceil(matrixTotals(arch).largest / p.tensorParallel);
    return stateBytes(
      4 * largest,
      sharded,
      () => `working set 4 B × ${formatInt(largest)} params of the largest layer; the rest offloaded`,
    );
  }
  return stateBytes(sharded, 0, () => `${local.weightFormula()}${zero.stage === 3 ? zero.text() : ''}`);
}

/** Gradients: sharded from ZeRO-2. Offloaded fp32 gradients: each rank's 1/N slice goes to the host. */
function gradientStates(p: TrainingParallelism, local: LocalStates, zero: ZeroShard): StateBytes {
  const full = local.trainable * local.gradientBytesPer;
  const params = () => `${formatInt(local.trainable)} trainable params`;
  if (p.offload === 'none') {
    return stateBytes(
      zero.stage >= 2 ? zero.of(full) : full,
      0,
      () => `${params()} × ${local.gradientBytesPer} B${zero.stage >= 2 ? zero.text() : ''}`,
    );
  }
  const host = Math.ceil((zero.of(full) * 4) / local.gradientBytesPer);
  if (zero.stage >= 2) return stateBytes(0, host, () => `offloaded: ${params()} × 4 B fp32${zero.text()}`);
  // At stage 0–1 the GPU still holds the full 16-bit gradients before the reduce-scatter (DeepSpeed stage_1_and_2).
  return stateBytes(
    full,
    host,
    () => `${params()} × ${local.gradientBytesPer} B on the GPU; its fp32 slice${zero.text()} offloaded`,
  );
}

/** Optimizer states and fp32 master: sharded from ZeRO-1, on the host with any offload. */
function optimizerStates(
  p: TrainingParallelism,
  local: LocalStates,
  optimizer: TrainingOptimizer,
  zero: ZeroShard,
): StateBytes {
  const factored = optimizer === 'adafactor';
  const perParam = local.master + (factored ? 0 : stateBytesPerParameter(optimizer, local.stateBytes));
  const total = local.trainable * perParam + (factored ? local.factoredStateCount * local.stateBytes : 0);
  const sharded = zero.stage >= 1 ? zero.of(total) : total;
  const offload = p.offload !== 'none';
  const perParamText = factored
    ? `(${local.master} B master) + factored rows + columns × ${local.stateBytes} B`
    : `${perParam} B (${local.master > 0 ? `${local.master} B fp32 master + ` : ''}${optimizer} states)`;
  return stateBytes(
    offload ? 0 : sharded,
    offload ? sharded : 0,
    () =>
      `${formatInt(local.trainable)} trainable params × ${perParamText}${zero.stage >= 1 ? zero.text() : ''}${offload ? ', offloaded to host' : ''}`,
  );
}
