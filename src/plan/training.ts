/**
 * A training scenario from plan inputs, a loaded model and its deployment: precision and its
 * 16-bit type, the optimizer, sharding (ZeRO or FSDP, offload) and fine-tuning (full, LoRA,
 * QLoRA). Checks the plan can run (heads divisible by tp, experts by ep, offload needing ZeRO…) and
 * says why not in one line naming the flag.
 */
import { allLayerGroups, leadAttention } from '../core/architecture.js';
import type { Dtype } from '../core/dtype.js';
import { UserError } from '../core/errors.js';
import type { TrainingScenario } from '../core/estimate.js';
import type { OverheadSpec } from '../core/overhead.js';
import { closestName } from '../core/suggest.js';
import { LORA_TARGET_NAMES, loraMatrices, loraTargets } from '../core/training/lora.js';
import type {
  FineTuning,
  Offload,
  TrainingOptimizer,
  TrainingParallelism,
  TrainingPrecision,
  ZeroStage,
} from '../core/training/modelStates.js';
import type { ZeroBuckets } from '../core/training/frameworkBuffers.js';
import type { GradientCheckpointing } from '../core/trainingActivations.js';
import type { WithoutTerm } from './common.js';
import type { AttentionImplementation } from '../core/attention.js';
import { DEFAULTS } from './defaults.js';
import { type Deployment, checkPipelineStages } from './deployment.js';
import { halfDtypeOf } from './inference.js';
import type { LoadedModel } from './model.js';

export const FSDP_MODES = ['full_shard', 'shard_grad_op', 'hybrid', 'no_shard'] as const;
/** How LoRA's frozen base may be stored (--dtype with --lora-rank): fp32, 16-bit, or bitsandbytes LLM.int8. */
const LORA_BASE_DTYPES: readonly string[] = ['fp32', 'bf16', 'fp16', 'int8'];
export type FsdpMode = (typeof FSDP_MODES)[number];
/** The ZeRO stage each FSDP sharding strategy matches. */
export const FSDP_ZERO_STAGE: Readonly<Record<FsdpMode, ZeroStage>> = {
  full_shard: 3,
  shard_grad_op: 2,
  hybrid: 3,
  no_shard: 0,
};
export const SOLVE_TARGETS = ['batch', 'ctx', 'gpus'] as const;
export type SolveTarget = (typeof SOLVE_TARGETS)[number];
export const ZERO_ACCOUNTINGS = ['paper', 'deepspeed'] as const;
export type ZeroAccounting = (typeof ZERO_ACCOUNTINGS)[number];

export interface TrainingInput {
  batch?: number | undefined;
  dtype?: string | undefined;
  attention?: AttentionImplementation | undefined;
  optimizer?: TrainingOptimizer | undefined;
  precision?: TrainingPrecision | undefined;
  gradCheckpointing?: GradientCheckpointing | undefined;
  gradAccum?: number | undefined;
  chunkedLoss?: boolean | undefined;
  /** The training loop keeps the model's output (its logits) alive through backward. */
  keepOutput?: boolean | undefined;
  /** DDP with gradient_as_bucket_view=True: no second copy of the gradients in its buckets. */
  ddpBucketView?: boolean | undefined;
  zero?: ZeroStage | undefined;
  fsdp?: FsdpMode | undefined;
  ep?: number | undefined;
  sp?: boolean | undefined;
  offload?: Offload | undefined;
  zeroAccounting?: ZeroAccounting | undefined;
  /** DeepSpeed's reduce_bucket_size (elements), or HF's "auto" values. */
  zeroBucketSize?: ZeroBuckets | undefined;
  /** Terms left out for a setup configured otherwise (framework-buffers, nccl; allocator-cache is the overhead's). */
  without?: readonly WithoutTerm[] | undefined;
  loraRank?: number | undefined;
  loraTargets?: string | undefined;
  qlora?: boolean | undefined;
  trainEmbeddings?: boolean | undefined;
  solve?: SolveTarget | undefined;
}

/** The options only a training plan takes (besides the deployment's --cp), and its on/off flags. */
export const TRAINING_OPTIONS = [
  'batch',
  'optimizer',
  'precision',
  'gradCheckpointing',
  'gradAccum',
  'zero',
  'fsdp',
  'offload',
  'zeroAccounting',
  'zeroBucketSize',
  'ep',
  'loraRank',
  'loraTargets',
  'solve',
] as const;
export const TRAINING_FLAGS = ['chunkedLoss', 'keepOutput', 'sp', 'qlora', 'trainEmbeddings', 'ddpBucketView'] as const;
/** Every TrainingInput field is listed above or shared with inference (a new field fails to compile until it is). */
type Unlisted = Exclude<
  keyof TrainingInput,
  (typeof TRAINING_OPTIONS)[number] | (typeof TRAINING_FLAGS)[number] | 'dtype' | 'attention' | 'without'
>;
const EVERY_FIELD_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
void EVERY_FIELD_LISTED;

/** The resolved training options for the JSON `inputs`. */
export interface TrainingInputs {
  batch: number;
  dtype: Dtype;
  precision: TrainingPrecision;
  optimizer: TrainingOptimizer;
  gradCheckpointing: GradientCheckpointing;
  gradAccum: number;
  chunkedLoss: boolean;
  keepOutput: boolean;
  zero: ZeroStage;
  fsdp: FsdpMode | null;
  tp: number;
  pp: number;
  cp: number;
  ep: number;
  sp: boolean;
  dataParallel: number;
  zeroGroupSize: number | null;
  offload: Offload;
  zeroAccounting: ZeroAccounting;
  zeroBucketSize: number | 'auto' | null;
  framework: TrainingParallelism['framework'];
  without: WithoutTerm[];
  loraRank: number | null;
  loraTargets: string | null;
  qlora: boolean;
  trainEmbeddings: boolean;
  solve: SolveTarget | null;
}

export interface ResolvedTraining {
  scenario: TrainingScenario;
  inputs: TrainingInputs;
}

function halfDtype(input: TrainingInput, model: LoadedModel, warnings: string[]): 'fp16' | 'bf16' {
  const precision = input.precision ?? DEFAULTS.precision;
  const dtype = input.dtype;
  if (dtype === undefined) {
    if ((model.quantization || model.checkpoint) && !input.qlora)
      warnings.push(
        'training counts the weights at --precision; the quantized or stored checkpoint format does not apply (use --qlora for a 4-bit base)',
      );
    return halfDtypeOf(model.arch.defaultDtype);
  }
  // LoRA: --dtype is how the frozen base is stored (LORA_BASE_DTYPES); the compute stays 16-bit.
  if (input.loraRank !== undefined && precision !== 'fp32' && LORA_BASE_DTYPES.includes(dtype)) {
    if (input.qlora && (dtype === 'fp32' || dtype === 'int8'))
      throw new UserError(`--dtype: "${dtype}" and --qlora both set how the LoRA base is stored; give one`);
    return dtype === 'fp16' ? 'fp16' : 'bf16';
  }
  const wanted = precision === 'fp32' ? ['fp32'] : ['fp16', 'bf16'];
  if (!wanted.includes(dtype)) {
    throw new UserError(
      `--dtype: "${dtype}" does not match --precision ${precision}, which trains ${precision === 'fp32' ? 'fp32' : '16-bit (fp16 or bf16)'} weights; for a 4-bit base use --qlora`,
    );
  }
  return dtype === 'fp16' ? 'fp16' : 'bf16';
}

function checkModelParallel(model: LoadedModel, deployment: Deployment, ep: number): void {
  const tp = deployment.tensorParallel;
  const attention = leadAttention(model.arch);
  if (attention && attention.headCount % tp !== 0)
    throw new UserError(
      `--tp: ${tp} does not divide ${model.id}'s ${attention.headCount} attention heads; use a divisor`,
    );
  if (attention?.kind === 'standard' && attention.kvHeadCount % tp !== 0 && tp % attention.kvHeadCount !== 0) {
    throw new UserError(
      `--tp: ${tp} neither divides nor is a multiple of ${model.id}'s ${attention.kvHeadCount} K/V heads`,
    );
  }
  checkPipelineStages(deployment.pipelineParallel, model);
  const experts = Math.max(0, ...allLayerGroups(model.arch).map((g) => g.mlp?.experts?.expertCount ?? 0));
  if (ep > 1 && experts === 0)
    throw new UserError(`--ep: ${model.id} has no experts; expert parallelism needs a mixture-of-experts model`);
  if (ep > 1 && experts % ep !== 0) throw new UserError(`--ep: ${ep} does not divide ${model.id}'s ${experts} experts`);
  const dataRanks = deployment.dataParallel * deployment.contextParallel;
  if (dataRanks % ep !== 0)
    throw new UserError(
      `--ep: ${ep} does not divide the ${dataRanks} data- and context-parallel GPUs (--gpus ÷ (--tp × --pp)) that expert groups are carved from`,
    );
}

function checkAccounting(
  input: TrainingInput,
  accounting: ZeroAccounting,
  zeroStage: ZeroStage,
  offload: Offload,
  deployment: Deployment,
): void {
  if (accounting !== 'deepspeed') return;
  const optimizer = input.optimizer ?? DEFAULTS.optimizer;
  const extra =
    offload !== 'none'
      ? '--offload'
      : optimizer !== 'adamw' && optimizer !== 'adam'
        ? '--optimizer'
        : (input.precision ?? DEFAULTS.precision) !== 'mixed'
          ? '--precision'
          : null;
  if (extra)
    throw new UserError(
      `--zero-accounting: "deepspeed" reproduces DeepSpeed's estimators for mixed-precision Adam on the GPU only; drop ${extra} or use the default accounting`,
    );
  if (zeroStage < 2)
    throw new UserError(
      `--zero-accounting: "deepspeed" reproduces DeepSpeed's ZeRO-2 and ZeRO-3 estimators; give --zero 2 or 3`,
    );
  const modelParallel = deployment.tensorParallel * deployment.pipelineParallel * deployment.contextParallel;
  if (input.loraRank !== undefined || modelParallel > 1) {
    throw new UserError(
      '--zero-accounting: "deepspeed" covers full training with data parallelism only (no --lora-rank, --tp, --pp or --cp)',
    );
  }
}

/** FSDP hybrid shards over the data-parallel GPUs of one node: the node's GPUs ÷ tp (tensor parallelism within the node). */
function zeroGroupSize(
  input: TrainingInput,
  deployment: Deployment,
  gpusPerNodeGiven: boolean,
  warnings: string[],
): number | null {
  const { gpuCount, gpusPerNode, tensorParallel: tp } = deployment;
  if (input.fsdp !== 'hybrid') {
    if (gpusPerNodeGiven) warnings.push('--gpus-per-node only matters with --fsdp hybrid (sharding within a node)');
    return null;
  }
  if (gpuCount > gpusPerNode && gpuCount % gpusPerNode !== 0)
    throw new UserError(
      `--gpus-per-node: ${gpusPerNode} does not divide --gpus ${gpuCount}; nodes hold equal numbers of GPUs`,
    );
  if (gpusPerNode % tp !== 0)
    throw new UserError(
      `--gpus-per-node: ${gpusPerNode} is not a multiple of --tp ${tp}; tensor parallelism stays within a node`,
    );
  return Math.max(1, Math.floor(gpusPerNode / tp));
}

function parallelism(
  input: TrainingInput,
  model: LoadedModel,
  deployment: Deployment,
  gpusPerNodeGiven: boolean,
  warnings: string[],
): TrainingParallelism {
  const ep = input.ep ?? 1;
  checkModelParallel(model, deployment, ep);
  if (input.sp && deployment.tensorParallel === 1)
    warnings.push(
      '--sp: sequence parallelism splits activations over the tensor-parallel group; with --tp 1 it changes nothing',
    );
  const zeroStage: ZeroStage =
    input.fsdp !== undefined ? FSDP_ZERO_STAGE[input.fsdp] : (input.zero ?? DEFAULTS.zeroStage);
  const offload = input.offload ?? DEFAULTS.offload;
  if (offload !== 'none' && zeroStage === 0)
    throw new UserError(`--offload: "${offload}" needs ZeRO sharding (--zero 1, 2 or 3, or --fsdp)`);
  if (offload === 'optimizer+params' && zeroStage !== 3)
    throw new UserError(
      `--offload: "optimizer+params" needs --zero 3 (or --fsdp full_shard); parameter offload is a ZeRO-3 feature`,
    );
  const accounting = input.zeroAccounting ?? DEFAULTS.zeroAccounting;
  checkAccounting(input, accounting, zeroStage, offload, deployment);
  if (deployment.dataParallel === 1 && zeroStage > 0)
    warnings.push(`ZeRO-${zeroStage} over a data-parallel group of 1 GPU shards nothing`);
  const framework = frameworkOf(input, zeroStage, deployment);
  if (input.zeroBucketSize !== undefined && framework !== 'deepspeed')
    throw new UserError("--zero-bucket-size: sizes DeepSpeed ZeRO's buckets; give --zero 1, 2 or 3");
  const without = input.without ?? [];
  return {
    gpuCount: deployment.gpuCount,
    tensorParallel: deployment.tensorParallel,
    pipelineParallel: deployment.pipelineParallel,
    contextParallel: deployment.contextParallel,
    expertParallel: ep,
    sequenceParallel: input.sp ?? false,
    zeroStage,
    zeroGroupSize: zeroGroupSize(input, deployment, gpusPerNodeGiven, warnings),
    offload,
    accounting,
    // Plain data parallelism (no ZeRO, no FSDP) is DDP, whose buckets copy the gradients unless --ddp-bucket-view.
    ddpGradientBuckets:
      zeroStage === 0 && input.fsdp === undefined && deployment.dataParallel > 1 && !(input.ddpBucketView ?? false),
    framework,
    frameworkBuffers: !without.includes('framework-buffers'),
    zeroBuckets: input.zeroBucketSize ?? { kind: 'default' },
    nccl: !without.includes('nccl'),
  };
}

/** --zero means DeepSpeed, --fsdp PyTorch FSDP; plain data parallelism is DDP. */
function frameworkOf(
  input: TrainingInput,
  zeroStage: ZeroStage,
  deployment: Deployment,
): TrainingParallelism['framework'] {
  if (input.fsdp !== undefined) return 'fsdp';
  if (zeroStage > 0) return 'deepspeed';
  return deployment.dataParallel > 1 ? 'ddp' : 'none';
}

function loraTargetNames(input: TrainingInput): string[] {
  return (input.loraTargets ?? DEFAULTS.loraTargets)
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

function fineTuning(input: TrainingInput, model: LoadedModel): FineTuning {
  if (input.loraRank === undefined) {
    const orphan = input.qlora
      ? '--qlora'
      : input.trainEmbeddings
        ? '--train-embeddings'
        : input.loraTargets !== undefined
          ? '--lora-targets'
          : null;
    if (orphan) throw new UserError(`${orphan}: needs --lora-rank <r>`);
    return { kind: 'full' };
  }
  const names = loraTargetNames(input);
  const { kinds, unknown } = loraTargets(names);
  if (unknown !== null) {
    const allowed = ['all-linear', ...Object.keys(LORA_TARGET_NAMES)];
    const suggestion = closestName(unknown, allowed);
    throw new UserError(
      `--lora-targets: unknown module "${unknown}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${allowed.join(', ')}`,
    );
  }
  const lora = { rank: input.loraRank, targets: kinds };
  if (loraMatrices(model.arch, lora).length === 0)
    throw new UserError(`--lora-targets: "${names.join(',')}" matches no linear layer of ${model.id}`);
  // The frozen base is stored as the model is loaded: --dtype fp32 (a model loaded without torch_dtype,
  // as PEFT's SFT example does for LoRA, and FSDP keeps its fp32 shards under bf16 mixed precision),
  // int8 (bitsandbytes LLM.int8), fp32 under --precision fp32, else 16-bit.
  const dtype = input.dtype;
  const baseBytesPerParameter =
    (input.precision ?? DEFAULTS.precision) === 'fp32' || dtype === 'fp32' ? 4 : dtype === 'int8' ? 1 : 2;
  return {
    kind: 'lora',
    lora,
    quantizedBase: input.qlora ?? false,
    baseBytesPerParameter,
    trainEmbeddings: input.trainEmbeddings ?? false,
  };
}

function trainingInputs(
  input: TrainingInput,
  scenario: TrainingScenario,
  plan: TrainingParallelism,
  deployment: Deployment,
): TrainingInputs {
  const lora = scenario.fineTuning?.kind === 'lora' ? scenario.fineTuning : null;
  return {
    batch: scenario.batchSize,
    dtype: scenario.precision === 'fp32' ? 'fp32' : scenario.halfDtype,
    precision: scenario.precision,
    optimizer: scenario.optimizer,
    gradCheckpointing: scenario.checkpointing,
    gradAccum: scenario.gradientAccumulation ?? 1,
    chunkedLoss: scenario.chunkedLoss ?? false,
    keepOutput: scenario.keepOutput ?? false,
    zero: plan.zeroStage,
    fsdp: input.fsdp ?? null,
    tp: plan.tensorParallel,
    pp: plan.pipelineParallel,
    cp: plan.contextParallel,
    ep: plan.expertParallel,
    sp: plan.sequenceParallel,
    dataParallel: deployment.dataParallel,
    zeroGroupSize: plan.zeroGroupSize,
    offload: plan.offload,
    zeroAccounting: plan.accounting,
    zeroBucketSize:
      plan.zeroBuckets.kind === 'elements'
        ? plan.zeroBuckets.reduceBucketSize
        : plan.zeroBuckets.kind === 'auto'
          ? 'auto'
          : null,
    framework: plan.framework,
    without: [...(input.without ?? [])],
    loraRank: lora?.lora.rank ?? null,
    loraTargets: lora ? (input.loraTargets ?? DEFAULTS.loraTargets) : null,
    qlora: lora?.quantizedBase ?? false,
    trainEmbeddings: lora?.trainEmbeddings ?? false,
    solve: input.solve ?? null,
  };
}

export interface TrainingContext {
  contextTokens: number;
  overhead: OverheadSpec;
  deployment: Deployment;
  /** Whether --gpus-per-node was given (it only matters with --fsdp hybrid). */
  gpusPerNodeGiven: boolean;
}

export function resolveTraining(
  input: TrainingInput,
  model: LoadedModel,
  context: TrainingContext,
  warnings: string[],
): ResolvedTraining {
  const tuning = fineTuning(input, model);
  const plan = parallelism(input, model, context.deployment, context.gpusPerNodeGiven, warnings);
  const scenario: TrainingScenario = {
    arch: model.arch,
    precision: input.precision ?? DEFAULTS.precision,
    halfDtype: halfDtype(input, model, warnings),
    optimizer: input.optimizer ?? (input.qlora ? DEFAULTS.qloraOptimizer : DEFAULTS.optimizer),
    checkpointing: input.gradCheckpointing ?? DEFAULTS.gradCheckpointing,
    attention: input.attention ?? DEFAULTS.attention,
    contextTokens: context.contextTokens,
    batchSize: input.batch ?? DEFAULTS.batch,
    overhead: context.overhead,
    parallelism: plan,
    fineTuning: tuning,
    gradientAccumulation: input.gradAccum ?? DEFAULTS.gradAccum,
    chunkedLoss: input.chunkedLoss ?? false,
    keepOutput: input.keepOutput ?? false,
    optimizerStepTemporaries: !(input.without ?? []).includes('optimizer-step'),
  };
  return { scenario, inputs: trainingInputs(input, scenario, plan, context.deployment) };
}
