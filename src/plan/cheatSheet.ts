/**
 * `vram explain [topic]`: the rules an interview asks about, each with vram's own figures for one
 * model (the same plans the other commands run, so every number is one `vram estimate` or
 * `capacity` prints too). This module computes the figures; render/cheatSheet.ts writes the sheet.
 * Pure: the caller loads the model.
 */
import { layerCount, leadAttention } from '../core/architecture.js';
import { countParameters } from '../core/parameters.js';
import { kvElementsPerToken } from '../core/kvCache.js';
import { tensorParallelDegrees } from '../core/serving/shard.js';
import { trainingActivationParts } from '../core/trainingActivations.js';
import { type CountedModel, countedModel } from './common.js';
import { planCapacity } from './capacity.js';
import { planEstimate } from './estimate.js';
import type { LoadedModel } from './model.js';
import { EXPLAIN_TOPICS, type ExplainTopic } from './explainTopics.js';
import { planTraining } from './trainingPlan.js';

/** Bytes of model state per parameter for one precision and optimizer (vram's planTraining on one GPU). */
export interface StateRow {
  precision: string;
  optimizer: string;
  weights: number;
  gradients: number;
  optimizerStates: number;
  totalBytes: number;
}

export interface CheatSheet {
  model: CountedModel;
  topics: readonly ExplainTopic[];
  training: StateRow[];
  /** Per-GPU model states over 8 GPUs at ZeRO stages 0–3 (mixed precision, AdamW). */
  zero: { stage: number; bytesPerGpu: number }[];
  kv: {
    layers: number;
    kvHeads: number;
    heads: number;
    elementsPerToken: number;
    bytesPerToken: number;
    contextTokens: number;
    users: number;
    totalBytes: number;
  };
  activations: {
    sequenceTokens: number;
    hiddenSize: number;
    heads: number;
    korthikantiLayerBytes: number;
    vramLayerBytes: number;
  };
  concurrency: {
    gpu: string;
    /** Tensor-parallel GPUs of the example (the fewest valid degree whose weight shard leaves room). */
    gpuCount: number;
    memoryBytes: number;
    contextTokens: number;
    weightsBytes: number;
    otherBytes: number;
    kvBytesPerUser: number;
    users: number;
    estimateUsers: number;
    vllmUsers: number;
  };
  rules: {
    weights16Bytes: number;
    inferenceBytes: number;
    fullTrainingBytes: number;
    loraBytes: number;
  };
}

const STATE_SETTINGS = [
  ['mixed', 'adamw'],
  ['mixed', 'adamw-8bit'],
  ['mixed', 'lion'],
  ['bf16', 'adamw'],
  ['bf16', 'adamw-8bit'],
  ['bf16', 'sgd'],
  ['fp32', 'adamw'],
] as const;

const EXAMPLE_CONTEXT = 32_768;
const EXAMPLE_USERS = 10;
const EXAMPLE_GPU = 'h100-80gb';

function stateRows(model: LoadedModel): StateRow[] {
  return STATE_SETTINGS.map(([precision, optimizer]) => {
    const plan = planTraining(model, { precision, optimizer, gpus: 1, ctx: 512 });
    const bytes = (id: string) => plan.estimate.components.find((c) => c.id === id)?.bytes ?? 0;
    const [weights, gradients, optimizerStates] = [bytes('weights'), bytes('gradients'), bytes('optimizer_states')];
    return {
      precision,
      optimizer,
      weights,
      gradients,
      optimizerStates,
      totalBytes: weights + gradients + optimizerStates,
    };
  });
}

function zeroRows(model: LoadedModel): CheatSheet['zero'] {
  return [0, 1, 2, 3].map((stage) => {
    const plan = planTraining(model, { gpus: 8, zero: stage as 0 | 1 | 2 | 3, ctx: 512 });
    const states = plan.estimate.components.filter((c) => ['weights', 'gradients', 'optimizer_states'].includes(c.id));
    return { stage, bytesPerGpu: states.reduce((sum, c) => sum + (c.bytesPerGpu ?? c.bytes), 0) };
  });
}

function kvFigures(model: LoadedModel): CheatSheet['kv'] {
  const lead = leadAttention(model.arch);
  const elementsPerToken = kvElementsPerToken(model.arch);
  const plan = planEstimate(model, { ctx: EXAMPLE_CONTEXT, users: EXAMPLE_USERS, dtype: 'bf16' });
  return {
    layers: layerCount(model.arch.layers),
    // 0 for multi-head latent attention, which caches a shared latent instead of K/V heads.
    kvHeads: lead?.kind === 'standard' ? lead.kvHeadCount : 0,
    heads: lead?.headCount ?? 0,
    elementsPerToken,
    bytesPerToken: elementsPerToken * 2,
    contextTokens: EXAMPLE_CONTEXT,
    users: EXAMPLE_USERS,
    totalBytes: plan.estimate.components.find((c) => c.id === 'kv_cache')?.bytes ?? 0,
  };
}

function activationFigures(model: LoadedModel): CheatSheet['activations'] {
  const arch = model.arch;
  const s = 4096;
  const h = arch.hiddenSize;
  const a = leadAttention(arch)?.headCount ?? 0;
  const parts = trainingActivationParts({
    arch,
    elementBytes: 2,
    sequenceTokens: s,
    batchSize: 1,
    attention: 'eager',
    checkpointing: 'none',
  });
  return {
    sequenceTokens: s,
    hiddenSize: h,
    heads: a,
    korthikantiLayerBytes: s * h * (34 + (5 * a * s) / h),
    vramLayerBytes: parts.layer.totalBytes,
  };
}

/** The smallest valid tensor-parallel degree (up to 8) whose weight shard leaves room: a GPU count the example can serve on. */
function exampleTensorParallel(model: LoadedModel, weightsBytes: number, memoryBytes: number): number {
  const degrees = tensorParallelDegrees(model.arch, 8);
  return degrees.find((tp) => weightsBytes / tp <= 0.6 * memoryBytes) ?? degrees.at(-1) ?? 1;
}

function concurrencyFigures(model: LoadedModel): CheatSheet['concurrency'] {
  const ctx = Math.min(EXAMPLE_CONTEXT, model.arch.maxPositionCount);
  const single = planEstimate(model, { ctx, users: 1, dtype: 'bf16', gpu: EXAMPLE_GPU });
  const bytes = (id: string) => single.estimate.components.find((c) => c.id === id)?.bytes ?? 0;
  const memoryBytes = single.gpu?.memoryBytes ?? 0;
  const tp = exampleTensorParallel(model, bytes('weights'), memoryBytes);
  const one = planEstimate(model, { ctx, users: 1, dtype: 'bf16', gpu: EXAMPLE_GPU, gpus: tp });
  const weightsBytes = Math.ceil(bytes('weights') / tp);
  const kvBytesPerUser = Math.ceil(bytes('kv_cache') / tp);
  const otherBytes = (one.fit?.requiredBytesPerGpu ?? 0) - weightsBytes - kvBytesPerUser;
  const vllm = planCapacity(model, { engine: 'vllm', gpu: EXAMPLE_GPU, gpus: tp, ctx, dtype: 'bf16' });
  return {
    gpu: EXAMPLE_GPU,
    gpuCount: tp,
    memoryBytes,
    contextTokens: ctx,
    weightsBytes,
    otherBytes,
    kvBytesPerUser,
    users: kvBytesPerUser > 0 ? Math.max(0, Math.floor((memoryBytes - weightsBytes - otherBytes) / kvBytesPerUser)) : 0,
    estimateUsers: one.fit?.maxUsers ?? 0,
    vllmUsers: Math.floor(vllm.capacity?.maxConcurrency.expected ?? 0),
  };
}

function ruleFigures(model: LoadedModel): CheatSheet['rules'] {
  const ctx = Math.min(4096, model.arch.maxPositionCount);
  const inference = planEstimate(model, { ctx, users: 1, dtype: 'bf16' });
  const full = planTraining(model, { gpus: 1, ctx: Math.min(2048, ctx) });
  const lora = planTraining(model, {
    gpus: 1,
    ctx: Math.min(2048, ctx),
    loraRank: 16,
    loraTargets: 'q_proj,v_proj',
  });
  return {
    weights16Bytes: 2 * countParameters(model.arch).totalCount,
    inferenceBytes: inference.estimate.totalBytes,
    fullTrainingBytes: full.estimate.totalBytes,
    loraBytes: lora.estimate.totalBytes,
  };
}

/** `compute()` on the first call, its result after. */
function once<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

/**
 * The sheet for the asked topics (all of them when none is named). Each topic's figures are worked
 * out when first read: `vram explain kv-cache` (table or markdown) runs no training or capacity plan.
 */
export function cheatSheet(model: LoadedModel, topic: ExplainTopic | undefined): CheatSheet {
  const training = once(() => stateRows(model));
  const zero = once(() => zeroRows(model));
  const kv = once(() => kvFigures(model));
  const activations = once(() => activationFigures(model));
  const concurrency = once(() => concurrencyFigures(model));
  const rules = once(() => ruleFigures(model));
  return {
    model: countedModel(model),
    topics: topic ? [topic] : EXPLAIN_TOPICS,
    get training() {
      return training();
    },
    get zero() {
      return zero();
    },
    get kv() {
      return kv();
    },
    get activations() {
      return activations();
    },
    get concurrency() {
      return concurrency();
    },
    get rules() {
      return rules();
    },
  };
}
