/**
 * Resolves a training plan from CLI options and a loaded model: precision and its 16-bit type,
 * the optimizer, parallelism (GPUs, tp/pp/cp/ep/sp, ZeRO or FSDP, offload) and fine-tuning
 * (full, LoRA, QLoRA). Checks the plan can run (GPU count a multiple of tp × pp × cp, heads
 * divisible by tp, experts by ep) and says why not in one line naming the flag.
 */
import { allLayerGroups, layerCount, leadAttention } from '../core/architecture.js';
import type { TrainingScenario } from '../core/estimate.js';
import { closestName } from '../core/suggest.js';
import { LORA_TARGET_NAMES, loraMatrices, loraTargets } from '../core/training/lora.js';
import type { FineTuning, TrainingParallelism, ZeroStage } from '../core/training/modelStates.js';
import { UserError } from '../model/errors.js';
import { type EstimateOptions, FSDP_ZERO_STAGE } from './estimateOptions.js';
import { halfDtypeOf } from './inferenceScenario.js';
import type { LoadedModel } from './modelSource.js';

/** FSDP hybrid shards within a node of this many GPUs unless --gpus-per-node says otherwise. */
export const DEFAULT_GPUS_PER_NODE = 8;
/** PEFT's default LoRA targets for LLaMA-style models (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
export const DEFAULT_LORA_TARGETS = 'q_proj,v_proj';

/** Rejects more pipeline stages than the model has layers (training --pp and capacity --pp). */
export function checkPipelineStages(stages: number, model: LoadedModel): void {
  const layers = layerCount(allLayerGroups(model.arch));
  if (stages > layers) throw new UserError(`--pp: ${stages} stages is more than ${model.id}'s ${layers} layers`);
}

function halfDtype(options: EstimateOptions, model: LoadedModel, warnings: string[]): 'fp16' | 'bf16' {
  const precision = options.precision ?? 'mixed';
  const dtype = options.dtype;
  if (dtype === undefined) {
    if ((model.quantization || model.checkpoint) && !options.qlora) warnings.push('training counts the weights at --precision; the quantized or stored checkpoint format does not apply (use --qlora for a 4-bit base)');
    return halfDtypeOf(model.arch.defaultDtype);
  }
  const wanted = precision === 'fp32' ? ['fp32'] : ['fp16', 'bf16'];
  if (!wanted.includes(dtype)) {
    throw new UserError(`--dtype: "${dtype}" does not match --precision ${precision}, which trains ${precision === 'fp32' ? 'fp32' : '16-bit (fp16 or bf16)'} weights; for a 4-bit base use --qlora`);
  }
  return dtype === 'fp16' ? 'fp16' : 'bf16';
}

function parallelism(options: EstimateOptions, model: LoadedModel, warnings: string[]): TrainingParallelism {
  const gpuCount = options.gpus ?? 1;
  const tp = options.tp ?? 1;
  const pp = options.pp ?? 1;
  const cp = options.cp ?? 1;
  const ep = options.ep ?? 1;
  const modelParallel = tp * pp * cp;
  if (gpuCount % modelParallel !== 0) {
    throw new UserError(`--gpus: ${gpuCount} is not a multiple of --tp ${tp} × --pp ${pp} × --cp ${cp} = ${modelParallel}; the data-parallel degree must be a whole number`);
  }
  const attention = leadAttention(model.arch);
  if (attention.headCount % tp !== 0) throw new UserError(`--tp: ${tp} does not divide ${model.id}'s ${attention.headCount} attention heads; use a divisor`);
  if (attention.kind === 'standard' && attention.kvHeadCount % tp !== 0 && tp % attention.kvHeadCount !== 0) {
    throw new UserError(`--tp: ${tp} neither divides nor is a multiple of ${model.id}'s ${attention.kvHeadCount} K/V heads`);
  }
  checkPipelineStages(pp, model);
  const experts = Math.max(0, ...allLayerGroups(model.arch).map((g) => g.mlp.experts?.expertCount ?? 0));
  if (ep > 1 && experts === 0) throw new UserError(`--ep: ${model.id} has no experts; expert parallelism needs a mixture-of-experts model`);
  if (ep > 1 && experts % ep !== 0) throw new UserError(`--ep: ${ep} does not divide ${model.id}'s ${experts} experts`);
  const dataRanks = (gpuCount / modelParallel) * cp;
  if (dataRanks % ep !== 0) throw new UserError(`--ep: ${ep} does not divide the ${dataRanks} data- and context-parallel GPUs (--gpus ÷ (--tp × --pp)) that expert groups are carved from`);
  if (options.sp && tp === 1) warnings.push('--sp: sequence parallelism splits activations over the tensor-parallel group; with --tp 1 it changes nothing');

  const zeroStage: ZeroStage = options.fsdp !== undefined ? FSDP_ZERO_STAGE[options.fsdp] : options.zero !== undefined ? (Number(options.zero) as ZeroStage) : 0;
  const offload = options.offload ?? 'none';
  if (offload !== 'none' && zeroStage === 0) throw new UserError(`--offload: "${offload}" needs ZeRO sharding (--zero 1, 2 or 3, or --fsdp)`);
  if (offload === 'optimizer+params' && zeroStage !== 3) throw new UserError(`--offload: "optimizer+params" needs --zero 3 (or --fsdp full_shard); parameter offload is a ZeRO-3 feature`);
  const accounting = options.zeroAccounting ?? 'paper';
  if (accounting === 'deepspeed') {
    const extra = offload !== 'none' ? '--offload' : (options.optimizer ?? 'adamw') !== 'adamw' && options.optimizer !== 'adam' ? '--optimizer' : (options.precision ?? 'mixed') !== 'mixed' ? '--precision' : null;
    if (extra) throw new UserError(`--zero-accounting: "deepspeed" reproduces DeepSpeed's estimators for mixed-precision Adam on the GPU only; drop ${extra} or use the default accounting`);
  }
  if (accounting === 'deepspeed' && zeroStage < 2) throw new UserError(`--zero-accounting: "deepspeed" reproduces DeepSpeed's ZeRO-2 and ZeRO-3 estimators; give --zero 2 or 3`);
  if (accounting === 'deepspeed' && (options.loraRank !== undefined || modelParallel > 1)) {
    throw new UserError('--zero-accounting: "deepspeed" covers full training with data parallelism only (no --lora-rank, --tp, --pp or --cp)');
  }
  if (gpuCount / modelParallel === 1 && zeroStage > 0) warnings.push(`ZeRO-${zeroStage} over a data-parallel group of 1 GPU shards nothing`);
  const gpusPerNode = options.gpusPerNode ?? DEFAULT_GPUS_PER_NODE;
  if (options.fsdp === 'hybrid' && gpuCount > gpusPerNode && gpuCount % gpusPerNode !== 0) throw new UserError(`--gpus-per-node: ${gpusPerNode} does not divide --gpus ${gpuCount}; nodes hold equal numbers of GPUs`);
  if (options.fsdp === 'hybrid' && gpusPerNode % tp !== 0) throw new UserError(`--gpus-per-node: ${gpusPerNode} is not a multiple of --tp ${tp}; tensor parallelism stays within a node`);
  // FSDP hybrid shards over the data-parallel GPUs of one node: the node's GPUs ÷ tp (tensor parallelism within the node).
  const zeroGroupSize = options.fsdp === 'hybrid' ? Math.max(1, Math.floor(gpusPerNode / tp)) : null;
  if (options.gpusPerNode !== undefined && options.fsdp !== 'hybrid') warnings.push('--gpus-per-node only matters with --fsdp hybrid (sharding within a node)');
  return { gpuCount, tensorParallel: tp, pipelineParallel: pp, contextParallel: cp, expertParallel: ep, sequenceParallel: options.sp, zeroStage, zeroGroupSize, offload, accounting };
}

function fineTuning(options: EstimateOptions, model: LoadedModel): FineTuning {
  if (options.loraRank === undefined) return { kind: 'full' };
  const names = (options.loraTargets ?? DEFAULT_LORA_TARGETS).split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const { kinds, unknown } = loraTargets(names);
  if (unknown !== null) {
    const allowed = ['all-linear', ...Object.keys(LORA_TARGET_NAMES)];
    const suggestion = closestName(unknown, allowed);
    throw new UserError(`--lora-targets: unknown module "${unknown}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${allowed.join(', ')}`);
  }
  const lora = { rank: options.loraRank, targets: kinds };
  if (loraMatrices(model.arch, lora).length === 0) throw new UserError(`--lora-targets: "${names.join(',')}" matches no linear layer of ${model.id}`);
  return { kind: 'lora', lora, quantizedBase: options.qlora, trainEmbeddings: options.trainEmbeddings };
}

export interface ResolvedTraining {
  scenario: TrainingScenario;
  /** The resolved options for the JSON `inputs`. */
  inputs: Record<string, unknown>;
}

export function resolveTraining(options: EstimateOptions, model: LoadedModel, contextTokens: number, warnings: string[]): ResolvedTraining {
  const tuning = fineTuning(options, model);
  const plan = parallelism(options, model, warnings);
  const precision = options.precision ?? 'mixed';
  const optimizer = options.optimizer ?? (options.qlora ? 'paged-adamw-8bit' : 'adamw');
  const gradientAccumulation = options.gradAccum ?? 1;
  const scenario: TrainingScenario = {
    arch: model.arch,
    precision,
    halfDtype: halfDtype(options, model, warnings),
    optimizer,
    checkpointing: options.gradCheckpointing ?? 'none',
    attention: options.attention,
    contextTokens,
    batchSize: options.batch ?? 1,
    overhead: options.overhead,
    parallelism: plan,
    fineTuning: tuning,
    gradientAccumulation,
    chunkedLoss: options.chunkedLoss,
  };
  const lora = tuning.kind === 'lora' ? tuning : null;
  return {
    scenario,
    inputs: {
      batch: scenario.batchSize,
      dtype: precision === 'fp32' ? 'fp32' : scenario.halfDtype,
      precision,
      optimizer,
      gradCheckpointing: scenario.checkpointing,
      gradAccum: gradientAccumulation,
      chunkedLoss: scenario.chunkedLoss,
      zero: plan.zeroStage,
      fsdp: options.fsdp ?? null,
      tp: plan.tensorParallel,
      pp: plan.pipelineParallel,
      cp: plan.contextParallel,
      ep: plan.expertParallel,
      sp: plan.sequenceParallel,
      dataParallel: plan.gpuCount / (plan.tensorParallel * plan.pipelineParallel * plan.contextParallel),
      zeroGroupSize: plan.zeroGroupSize,
      offload: plan.offload,
      zeroAccounting: plan.accounting,
      loraRank: lora?.lora.rank ?? null,
      loraTargets: lora ? (options.loraTargets ?? DEFAULT_LORA_TARGETS) : null,
      qlora: lora?.quantizedBase ?? false,
      trainEmbeddings: lora?.trainEmbeddings ?? false,
      solve: options.solve ?? null,
    },
  };
}
