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
 * LoRA: the base is frozen (16-bit, or NF4 with double quantization for QLoRA) and holds no
 * gradients or optimizer state; adapters train in fp32 (PEFT's autocast_adapter_dtype), 4 B weights
 * + 4 B gradients + optimizer states, no separate master.
 * DeepSpeed accounting (estimate_zero2/zero3_model_states_mem_needs, docs memory.rst): ZeRO-2
 * 4Φ + 16Φ/N, ZeRO-3 4 × largest layer + 18Φ/N, over all N GPUs.
 */
import type { ModelArchitecture } from '../architecture.js';
import { layerCount, allLayerGroups } from '../architecture.js';
import { countParameters, trainingParameterCount } from '../parameters.js';
import { quantizedWeightsComponent } from '../quantization.js';
import { ceilDiv } from '../units.js';
import { matrixParameterCount, weightMatrices } from '../weightMatrices.js';
import { type LoraSpec, loraMatrices, loraParameterCount } from './lora.js';

export const ZERO_STAGES = [0, 1, 2, 3] as const;
export type ZeroStage = (typeof ZERO_STAGES)[number];
export const OFFLOADS = ['none', 'optimizer', 'optimizer+params'] as const;
export type Offload = (typeof OFFLOADS)[number];
export const TRAINING_OPTIMIZERS = ['adamw', 'adam', 'adamw-8bit', 'paged-adamw-8bit', 'adafactor', 'lion', 'sgd', 'sgd-momentum'] as const;
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
}

export type FineTuning = { kind: 'full' } | { kind: 'lora'; lora: LoraSpec; quantizedBase: boolean; trainEmbeddings: boolean };

export const SINGLE_GPU: TrainingParallelism = { gpuCount: 1, tensorParallel: 1, pipelineParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false, zeroStage: 0, zeroGroupSize: null, offload: 'none', accounting: 'paper' };

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
  const counts = { ...countParameters(arch), totalCount: trainingParameterCount(arch) };
  const layers = layerCount(allLayerGroups(arch));
  const pp = Math.min(p.pipelineParallel, layers);
  const layerFraction = pp === 1 ? 1 : Math.ceil(layers / pp) / layers;
  const expert = matrixParameterCount(weightMatrices(arch).filter((m) => m.expert));
  const head = counts.headCount > 0 ? counts.headCount : arch.tiedEmbeddings && pp > 1 ? arch.vocabSize * arch.hiddenSize : 0;
  const layerDense = counts.totalCount - counts.embeddingCount - counts.headCount - expert;
  const ends = pp === 1 ? counts.embeddingCount + counts.headCount : Math.max(counts.embeddingCount, head);
  const dense = Math.ceil((layerDense * layerFraction + ends) / p.tensorParallel);
  const experts = Math.ceil((expert * layerFraction) / (p.tensorParallel * p.expertParallel));
  return { count: dense + experts, layerFraction, embeddingCount: Math.ceil(ends / p.tensorParallel), expertCount: experts };
}

export interface StateBytes {
  /** Per GPU on the device. */
  gpu: number;
  /** Per GPU in host memory (offload). */
  host: number;
  formula: string;
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
  const share = parameterShare(arch, p);
  const total = trainingParameterCount(arch);
  const fraction = share.count / total;
  const shards = shardSizes(p);
  const shard = shards.dense;
  /** A ZeRO shard of `bytes` (uniform over parameters): dense part over the dense group, experts over theirs. */
  const expertShare = share.count === 0 ? 0 : share.expertCount / share.count;
  const shardOf = (bytes: number): number => {
    const expertBytes = Math.round(bytes * expertShare);
    return ceilDiv(bytes - expertBytes, shards.dense) + ceilDiv(expertBytes, shards.expert);
  };
  const half = precision === 'fp32' ? 4 : 2;
  const notes: string[] = [];

  if (p.accounting === 'deepspeed' && fineTuning.kind === 'full' && p.zeroStage >= 2) {
    const n = p.gpuCount;
    const largest = Math.max(...weightMatrices(arch).map((m) => m.inFeatures * m.outFeatures));
    notes.push("DeepSpeed's estimator convention (estimate_zero2/zero3_model_states_mem_needs), over all GPUs");
    if (p.zeroStage === 2) {
      return {
        trainableCount: total,
        weights: { gpu: 2 * total, host: 0, formula: `2 B × ${total.toLocaleString('en-US')} params (fp16)` },
        gradients: { gpu: 2 * total, host: 0, formula: `2 B × ${total.toLocaleString('en-US')} params (fp16)` },
        optimizerStates: { gpu: ceilDiv(16 * total, n), host: 0, formula: `16 B × ${total.toLocaleString('en-US')} params ÷ ${n} GPUs` },
        notes,
      };
    }
    return {
      trainableCount: total,
      weights: { gpu: 4 * largest, host: 0, formula: `4 B × ${largest.toLocaleString('en-US')} params of the largest layer` },
      gradients: { gpu: 0, host: 0, formula: 'in the 18 B/param below' },
      optimizerStates: { gpu: ceilDiv(18 * total, n), host: 0, formula: `18 B × ${total.toLocaleString('en-US')} params ÷ ${n} GPUs` },
      notes,
    };
  }

  // Trainable parameters and the bytes the weights take, on this GPU before ZeRO.
  let trainable: number;
  let weightBytes: number;
  let weightFormula: string;
  let gradientBytesPer = half;
  let master = precision === 'mixed' || precision === 'fp8' ? 4 : 0;
  let stateBytes = precision === 'bf16' ? 2 : 4;
  /** Adafactor's factored second moment: rows + columns of each trainable matrix, plus every vector element. */
  let factoredStateCount: number;
  if (fineTuning.kind === 'full') {
    trainable = share.count;
    const linear = matrixParameterCount(weightMatrices(arch).filter((m) => m.kind !== 'token_embd' && m.kind !== 'output'));
    const fp8Cache = precision === 'fp8' ? Math.ceil(linear * fraction) : 0;
    weightBytes = share.count * half + fp8Cache;
    weightFormula = `${share.count.toLocaleString('en-US')} params × ${half} B${fp8Cache > 0 ? ' + an 8-bit copy of the linear weights (Transformer Engine)' : ''}`;
    const matrices = weightMatrices(arch);
    const vectors = total - matrixParameterCount(matrices);
    factoredStateCount = Math.ceil((matrices.reduce((sum, m) => sum + m.count * (m.inFeatures + m.outFeatures), 0) + vectors) * fraction);
  } else {
    const { lora } = fineTuning;
    const adapters = Math.ceil((loraParameterCount(arch, lora) * share.layerFraction) / p.tensorParallel);
    const embeddings = fineTuning.trainEmbeddings ? share.embeddingCount : 0;
    trainable = adapters + embeddings;
    const base = fineTuning.quantizedBase
      ? Math.ceil(quantizedWeightsComponent(arch, { kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: true }).bytes * fraction)
      : share.count * 2;
    weightBytes = base + trainable * 4;
    weightFormula = `${fineTuning.quantizedBase ? 'NF4 base (double quantization)' : `${share.count.toLocaleString('en-US')} frozen params × 2 B`} + ${trainable.toLocaleString('en-US')} trainable params × 4 B (fp32 adapters)`;
    gradientBytesPer = 4;
    master = 0;
    stateBytes = 4;
    // A (r × in) and B (out × r): rows + columns r + in and out + r; a trained embedding V + h.
    const adapterRowsCols = loraMatrices(arch, lora).reduce((sum, m) => sum + m.count * (2 * lora.rank + m.inFeatures + m.outFeatures), 0);
    factoredStateCount = Math.ceil((adapterRowsCols * share.layerFraction) / p.tensorParallel) + (fineTuning.trainEmbeddings ? (arch.tiedEmbeddings || p.pipelineParallel > 1 ? 1 : 2) * (arch.vocabSize + arch.hiddenSize) : 0); // the embedding, and an untied head on the same GPU
    if (fineTuning.quantizedBase) notes.push('QLoRA: NF4 base with double quantization (Dettmers et al. 2023), fp32 adapters');
  }

  const optimizerPerParam = master + (optimizer === 'adafactor' ? 0 : stateBytesPerParameter(optimizer, stateBytes));
  const optimizerTotal = trainable * optimizerPerParam + (optimizer === 'adafactor' ? factoredStateCount * stateBytes : 0);
  if (optimizer === 'paged-adamw-8bit') notes.push('paged 8-bit AdamW keeps its states in unified memory that spills to the host under pressure; counted on the GPU here');

  // ZeRO sharding over the data-parallel group, then offload.
  const zero = p.zeroStage;
  const offloadOptimizer = p.offload !== 'none';
  const offloadParams = p.offload === 'optimizer+params' && zero === 3;
  const optimizerSharded = zero >= 1 ? shardOf(optimizerTotal) : optimizerTotal;
  const gradientsFull = trainable * gradientBytesPer;
  const gradientsSharded = zero >= 2 ? shardOf(gradientsFull) : gradientsFull;
  const weightsSharded = zero === 3 ? shardOf(weightBytes) : weightBytes;
  // Offloaded fp32 gradients: each rank's 1/N slice goes to the host (ZeRO-Offload); at stage 1 the
  // GPU still holds the full 16-bit gradients before the reduce-scatter (DeepSpeed stage_1_and_2).
  const hostGradients = Math.ceil((shardOf(gradientsFull) * 4) / gradientBytesPer);
  const largest = Math.ceil(Math.max(...weightMatrices(arch).map((m) => m.inFeatures * m.outFeatures)) / p.tensorParallel);
  const zeroText = zero === 0 ? '' : ` ÷ ${shard} (ZeRO-${zero}${p.expertParallel > 1 && share.expertCount > 0 ? `; experts ÷ ${shards.expert}` : ''})`;
  return {
    trainableCount: trainable,
    weights: offloadParams
      ? { gpu: 4 * largest, host: weightsSharded, formula: `working set 4 B × ${largest.toLocaleString('en-US')} params of the largest layer; the rest offloaded` }
      : { gpu: weightsSharded, host: 0, formula: `${weightFormula}${zero === 3 ? zeroText : ''}` },
    gradients: offloadOptimizer
      ? zero >= 2
        ? { gpu: 0, host: hostGradients, formula: `offloaded: ${trainable.toLocaleString('en-US')} trainable params × 4 B fp32${zeroText}` }
        : { gpu: gradientsFull, host: hostGradients, formula: `${trainable.toLocaleString('en-US')} trainable params × ${gradientBytesPer} B on the GPU; its fp32 slice${zeroText} offloaded` }
      : { gpu: gradientsSharded, host: 0, formula: `${trainable.toLocaleString('en-US')} trainable params × ${gradientBytesPer} B${zero >= 2 ? zeroText : ''}` },
    optimizerStates: {
      gpu: offloadOptimizer ? 0 : optimizerSharded,
      host: offloadOptimizer ? optimizerSharded : 0,
      formula: `${trainable.toLocaleString('en-US')} trainable params × ${optimizer === 'adafactor' ? `(${master} B master) + factored rows + columns × ${stateBytes} B` : `${optimizerPerParam} B (${master > 0 ? `${master} B fp32 master + ` : ''}${optimizer} states)`}${zero >= 1 ? zeroText : ''}${offloadOptimizer ? ', offloaded to host' : ''}`,
    },
    notes,
  };
}
