/**
 * `vram capacity`: serving capacity of a model on a deployment (deployment.ts) under an engine
 * profile, or the GPU count each catalog GPU needs. Replicas (--dp) each serve ceil(users / dp)
 * requests; pools, tokens and concurrency are summed over them. Pure: the caller loads the model.
 */
import { type ModelArchitecture, leadAttention, leadRecurrent } from '../core/architecture.js';
import type { AttentionImplementation } from '../core/attention.js';
import { UserError } from '../core/errors.js';
import { ownValue } from '../core/ownKey.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import {
  type Capacity,
  type Outcome,
  capacity,
  maxConcurrency,
  maxContextTokens,
  minTensorParallel,
} from '../core/serving/capacity.js';
import { tensorParallelDegrees } from '../core/serving/shard.js';
import type { Engine, EngineSettings, ServingScenario } from '../core/serving/types.js';
import { ENGINE_OPTIONS, type EngineSettingsInput, engineSettings } from './engineSettings.js';
import { ceilDiv, formatInt } from '../core/units.js';
import {
  type CountedModel,
  type EchoInput,
  type EchoInputs,
  checkModeOptions,
  contextOf,
  contextWarning,
  countedModel,
  echoInputs,
  flagOf,
} from './common.js';
import { DEFAULTS } from './defaults.js';
import {
  type Deployment,
  type DeploymentInput,
  type DeploymentInputs,
  type DeploymentStyle,
  deploymentInputs,
  checkPipelineStages,
  deploymentWarning,
  resolveDeployment,
} from './deployment.js';
import {
  CUDA_TOTAL_ENGINES,
  type GpuChoice,
  type GpuTarget,
  catalogTargets,
  cudaTotalNote,
  gpuTarget,
} from './gpuTarget.js';
import {
  type InferenceInput,
  type ResolvedInference,
  type WeightInputs,
  resolveInference,
  SERVING_ENGINES,
  withEngineState,
  servedInSixteenBits,
  withMtp,
} from './inference.js';
import type { LoadedModel } from './model.js';
import { asksForLlamaCpp } from './llamaCppOptions.js';
import {
  type LlamaCppInput,
  backendOf,
  checkLlamaCppUsers,
  fitLlamaCpp,
  llamaCppDefaultContext,
  llamaCppServingFor,
  llamaCppUsers,
} from './llamaCpp.js';
import type { LlamaCppServing } from '../core/llamaCpp/serving.js';

/** llama.cpp's CUDA device limit (ggml-cuda: GGML_CUDA_MAX_DEVICES 16). */
export const LLAMA_CPP_MAX_DEVICES = 16;
/** Engines that need a tensor-parallel degree dividing the attention heads. */
const STRICT_TENSOR_PARALLEL: readonly Engine[] = ['vllm', 'sglang', 'tensorrt-llm'];

export interface CapacityInput
  extends Omit<InferenceInput, 'attention'>,
    Omit<LlamaCppInput, 'attention'>,
    DeploymentInput,
    GpuChoice,
    EngineSettingsInput,
    EchoInput {
  /** flash | eager; auto is llama.cpp's -fa auto. */
  attention?: 'flash' | 'eager' | 'auto' | undefined;
  engine?: Engine | undefined;
  ctx?: number | undefined;
  users?: number | undefined;
  sweepCtx?: readonly number[] | undefined;
  sweepUsers?: readonly number[] | undefined;
}

export interface CapacityInputs extends EchoInputs, WeightInputs, Omit<DeploymentInputs, 'gpus'> {
  /** All GPUs; null without a GPU type (the catalog). */
  gpus: number | null;
  engine: Engine;
  ctx: number;
  users: number;
  attention: AttentionImplementation;
  engineSettings: Record<string, number | string> | null;
  sweepCtx: readonly number[];
  sweepUsers: readonly number[];
}

export interface CapacityPlan {
  model: CountedModel;
  engine: Engine;
  inputs: CapacityInputs;
  deployment: Deployment;
  /** The GPUs one stage of one replica splits the model over (tensor parallel; llama.cpp: its layer split). */
  stageGpuCount: number;
  /** Pipeline stages per replica (1 under llama.cpp, whose layer split is stageGpuCount). */
  pipelineStages: number;
  target: GpuTarget | null;
  /** What one replica on the target serves: capacity(serving) gives its capacity again (vary it in a loop). */
  serving: ServingScenario | null;
  /** Capacity of the whole deployment (all replicas). */
  capacity: Capacity | null;
  /** The fewest GPUs in all (stages and replicas included) that hold the workload; null if none. */
  minGpuCount: number | null;
  /** The tensor-parallel size (llama.cpp: GPUs) of one stage in minGpuCount. */
  minStageGpuCount: number | null;
  sweeps: { ctx: { ctx: number; maxConcurrency: Outcome }[]; users: { users: number; maxContextTokens: Outcome }[] };
  gpus: { gpu: string; name: string; memoryBytes: number; minGpuCount: number | null }[] | null;
  warnings: string[];
}

function checkCapacityOptions(input: CapacityInput, engine: Engine, hasGpu: boolean): void {
  checkModeOptions(input, 'inference');
  for (const [key, engines] of Object.entries(ENGINE_OPTIONS)) {
    if (ownValue(input as Readonly<Record<string, unknown>>, key) !== undefined && !engines.includes(engine)) {
      throw new UserError(`${flagOf(key)}: applies to --engine ${engines.join(' or ')}, not ${engine}`);
    }
  }
  if (input.assertFits && !hasGpu)
    throw new UserError('--assert-fits: needs --gpu <id> or --gpu-memory <size> to check against');
  if (!hasGpu && input.gpus !== undefined) {
    throw new UserError(
      `--gpus: ${input.gpus} GPUs of which type? give --gpu <id> or --gpu-memory <size> (without them every catalog GPU is listed)`,
    );
  }
  const unplaced = input.tp !== undefined ? '--tp' : input.gpusPerNode !== undefined ? '--gpus-per-node' : null;
  if (!hasGpu && unplaced !== null)
    throw new UserError(
      `${unplaced}: needs --gpu <id> or --gpu-memory <size> (without them the catalog lists the tensor-parallel size each GPU needs)`,
    );
  if (!hasGpu && (input.sweepCtx || input.sweepUsers))
    throw new UserError(`${input.sweepCtx ? '--sweep-ctx' : '--sweep-users'}: needs --gpu <id> or --gpu-memory <size>`);
  if (input.blockSize !== undefined && (input.blockSize & (input.blockSize - 1)) !== 0) {
    throw new UserError(
      `--block-size: ${input.blockSize} is not a power of two; vLLM's CUDA block sizes are 8, 16 or 32 (other backends: powers of two)`,
    );
  }
  if (
    input.maxNumBatchedTokens !== undefined &&
    input.maxNumSeqs !== undefined &&
    input.maxNumBatchedTokens < input.maxNumSeqs
  ) {
    throw new UserError(
      `--max-num-batched-tokens: ${input.maxNumBatchedTokens} is less than --max-num-seqs ${input.maxNumSeqs}; vLLM requires max_num_batched_tokens ≥ max_num_seqs`,
    );
  }
}

/** The inference scenario an engine serves, with the float32 → 16-bit rule of vLLM, SGLang and TensorRT-LLM. */
function servedScenario(
  input: CapacityInput,
  model: LoadedModel,
  engine: Engine,
  ctx: number,
  users: number,
  gpuId: string | null,
  warnings: string[],
  llamaCpp: LlamaCppServing | null,
): ResolvedInference {
  const attention = llamaCpp
    ? llamaCpp.flashAttention === 'off'
      ? 'eager'
      : 'flash'
    : concreteAttention(input.attention, engine);
  const kvDtype = llamaCpp ? llamaCpp.kType : input.kvDtype;
  const resolved = resolveInference({ ...input, attention, kvDtype }, model, ctx, users, DEFAULTS.overhead);
  const name = engine === 'generic' ? SERVING_ENGINES : engine;
  const served =
    CUDA_TOTAL_ENGINES.includes(engine) || engine === 'generic'
      ? servedInSixteenBits(resolved, { ...input, attention }, name, { id: model.id, gpuId })
      : null;
  if (served === null) return withEngineState(resolved, engine);
  warnings.push(served.warning);
  return withEngineState(served.resolved, engine);
}

/** --attention for engines other than llama.cpp, whose -fa auto they do not have. */
function concreteAttention(attention: CapacityInput['attention'], engine: Engine): 'flash' | 'eager' | undefined {
  if (attention !== 'auto') return attention;
  throw new UserError(`--attention auto: is llama.cpp's -fa auto; ${engine} takes flash or eager`);
}

/** What tensor parallelism must split, in words: the attention heads (and K/V heads), the recurrent heads. */
function headsText(arch: ModelArchitecture): string {
  const parts: string[] = [];
  const lead = leadAttention(arch);
  if (lead) {
    const kv = lead.kind === 'standard' ? ` and whose ${lead.kvHeadCount} K/V heads split or replicate evenly` : '';
    parts.push(`the ${lead.headCount} attention heads${kv}`);
  }
  const mixer = leadRecurrent(arch);
  if (mixer?.kind === 'mamba2') parts.push(`the ${mixer.headCount} Mamba-2 heads`);
  if (mixer?.kind === 'gated_deltanet')
    parts.push(`the ${mixer.keyHeadCount} key and ${mixer.valueHeadCount} value heads of Gated DeltaNet`);
  if (mixer?.kind === 'mamba') parts.push(`the ${mixer.innerSize} Mamba channels`);
  if (mixer?.kind === 'rwkv4') parts.push(`the ${mixer.attentionSize} RWKV channels`);
  if (mixer?.kind === 'lightning') parts.push(`the ${mixer.headCount} lightning-attention heads`);
  return parts.join(' and ');
}

/** Checks the engine can split the model over the stage's GPUs; warns when an engine would need pipeline stages. */
/** A valid tensor-parallel size that divides `gpus`, with the pipeline stages that make up the rest. */
function splitHint(valid: readonly number[], gpus: number): string {
  const tp = [...valid].reverse().find((n) => n > 1 && gpus % n === 0);
  return tp === undefined ? '' : `; e.g. --tp ${tp} --pp ${gpus / tp}`;
}

function checkSplit(
  model: LoadedModel,
  engine: Engine,
  input: CapacityInput,
  stageGpus: number,
  warnings: string[],
): void {
  const valid = tensorParallelDegrees(model.arch, MAX_GPU_COUNT);
  const heads = headsText(model.arch);
  if (STRICT_TENSOR_PARALLEL.includes(engine) && !valid.includes(stageGpus)) {
    const flag = input.tp !== undefined ? '--tp' : '--gpus';
    throw new UserError(
      `${flag}: ${engine} needs a tensor-parallel size that divides ${heads} (${valid.join(', ')}), not ${stageGpus}${splitHint(valid, stageGpus)}`,
    );
  }
  if (engine === 'llama.cpp' && stageGpus > LLAMA_CPP_MAX_DEVICES) {
    throw new UserError(
      `${input.pp !== undefined ? '--pp' : '--gpus'}: llama.cpp's CUDA backend supports at most ${LLAMA_CPP_MAX_DEVICES} GPUs (GGML_CUDA_MAX_DEVICES), not ${stageGpus}`,
    );
  }
  if (stageGpus > 1 && engine !== 'llama.cpp' && !valid.includes(stageGpus)) {
    warnings.push(
      `--gpus ${stageGpus} is not a valid tensor-parallel size for ${heads} (${valid.join(', ')}); engines would need pipeline parallelism`,
    );
  }
}

/** Warnings about the workload against the engine's limits (max_num_seqs, --max-model-len; llama.cpp refuses more than LLAMA_MAX_SEQ sequences). */
function workloadWarnings(
  input: CapacityInput,
  engine: Engine,
  result: Capacity | null,
  ctx: number,
  users: { count: number; text: string },
): string[] {
  const warnings: string[] = [];
  if (engine === 'vllm' && input.maxModelLen !== undefined && ctx > input.maxModelLen) {
    warnings.push(
      `--ctx ${formatInt(ctx)} is longer than --max-model-len ${formatInt(input.maxModelLen)}: vLLM rejects such prompts, so the workload does not fit`,
    );
  }
  const batched = result?.budget.settings.maxNumBatchedTokens;
  const maxSeqs = result?.budget.settings.maxNumSeqs;
  if (typeof batched === 'number' && typeof maxSeqs === 'number' && batched < maxSeqs) {
    throw new UserError(
      `--max-num-batched-tokens: ${batched} is less than max_num_seqs ${maxSeqs} (${input.maxNumSeqs === undefined ? "vLLM's default for this GPU" : '--max-num-seqs'}); vLLM requires max_num_batched_tokens ≥ max_num_seqs`,
    );
  }
  if (typeof maxSeqs === 'number' && users.count > maxSeqs) {
    warnings.push(
      `${users.text} is more than vLLM's max_num_seqs ${maxSeqs}: at most ${maxSeqs} requests run at once and the rest queue; raise --max-num-seqs`,
    );
  }
  return warnings;
}

function scaled(outcome: Outcome, factor: number): Outcome {
  return { worst: outcome.worst * factor, expected: outcome.expected * factor, best: outcome.best * factor };
}

/** One replica's capacity, summed over the replicas (pools, tokens, concurrency); max context is per request. */
function replicated(result: Capacity, replicas: number): Capacity {
  if (replicas === 1) return result;
  return {
    ...result,
    kvCacheBytes: scaled(result.kvCacheBytes, replicas),
    kvCacheTokens: scaled(result.kvCacheTokens, replicas),
    maxConcurrency: scaled(result.maxConcurrency, replicas),
  };
}

interface ServingShape {
  engine: Engine;
  inference: ResolvedInference['scenario'];
  settings: EngineSettings;
  /** GPUs per stage the core splits over, and stages. */
  stageGpus: number;
  stages: number;
  replicas: number;
}

function serving(shape: ServingShape, memoryBytes: number, stageGpus = shape.stageGpus): ServingScenario {
  return {
    inference: shape.inference,
    engine: shape.engine,
    settings: shape.settings,
    gpuMemoryBytes: memoryBytes,
    gpuCount: stageGpus,
    pipelineStages: shape.stages,
  };
}

function sweepsOf(
  input: CapacityInput,
  shape: ServingShape,
  target: GpuTarget | null,
  ctx: number,
  users: number,
): CapacityPlan['sweeps'] {
  if (target === null) return { ctx: [], users: [] };
  const maxModelLen = shape.settings.maxModelLen;
  // A context sweep asks for the concurrency of requests of each length (vLLM: max_model_len = that
  // length); a users sweep keeps the deployment's settings, an explicit --max-model-len included.
  const at = (sweepCtx: number, sweepUsers: number, len: number | undefined) =>
    serving(
      {
        ...shape,
        inference: { ...shape.inference, contextTokens: sweepCtx, userCount: ceilDiv(sweepUsers, shape.replicas) },
        settings: { ...shape.settings, maxModelLen: len },
      },
      target.memoryBytes,
    );
  // Each point computes only what it reports: concurrency, summed over the replicas, or the context.
  return {
    ctx: (input.sweepCtx ?? []).map((sweepCtx) => ({
      ctx: sweepCtx,
      maxConcurrency: scaled(
        maxConcurrency(at(sweepCtx, users, maxModelLen === undefined ? undefined : sweepCtx), target.name),
        shape.replicas,
      ),
    })),
    users: (input.sweepUsers ?? []).map((sweepUsers) => ({
      users: sweepUsers,
      maxContextTokens: maxContextTokens(at(ctx, sweepUsers, maxModelLen), target.name),
    })),
  };
}

function catalogRows(shape: ServingShape): CapacityPlan['gpus'] {
  const maxGpus = shape.engine === 'llama.cpp' ? LLAMA_CPP_MAX_DEVICES : MAX_GPU_COUNT;
  return catalogTargets(shape.engine).map((target) => {
    const perStage = minTensorParallel(serving(shape, target.memoryBytes, 1), target.name, maxGpus);
    return {
      gpu: target.id,
      name: target.name,
      memoryBytes: target.memoryBytes,
      minGpuCount: perStage === null ? null : perStage * shape.stages * shape.replicas,
    };
  });
}

/** How each engine uses a deployment's GPUs by default (deployment.ts). */
const DEPLOYMENT_STYLE: Readonly<Record<Engine, DeploymentStyle>> = {
  vllm: 'serving',
  sglang: 'serving',
  'tensorrt-llm': 'serving',
  generic: 'serving',
  transformers: 'tensor',
  'llama.cpp': 'layers',
};

/** The shape the core sizes: llama.cpp's layer split is its own (gpuCount GPUs, one stage). */
function shapeOf(
  engine: Engine,
  inference: ServingShape['inference'],
  input: CapacityInput,
  deployment: Deployment,
  llamaCpp: LlamaCppServing | null,
): ServingShape {
  const layers = engine === 'llama.cpp';
  const settings = engineSettings(input);
  return {
    engine,
    inference,
    settings: llamaCpp ? { ...settings, llamaCpp } : settings,
    stageGpus: layers ? deployment.pipelineParallel : deployment.tensorParallel,
    stages: layers ? 1 : deployment.pipelineParallel,
    replicas: deployment.dataParallel,
  };
}

/**
 * llama.cpp's GPU layers for capacity: every layer on the GPUs unless --gpu-layers says otherwise
 * (a number, or auto: fitted at --ctx × --users as llama.cpp's --fit places them). The catalog
 * (no --gpu) asks how many GPUs hold every layer.
 */
function fittedLayers(
  input: CapacityInput,
  planned: LlamaCppServing,
  resolved: ResolvedInference,
  target: GpuTarget | null,
  gpuCount: number,
  ctx: number,
): LlamaCppServing {
  if (input.gpuLayers !== 'auto') return { ...planned, gpuLayers: input.gpuLayers ?? 'max' };
  if (target === null) return { ...planned, gpuLayers: 'max' };
  const backend = backendOf(target) === 'metal' ? 'metal' : 'cuda';
  const gpus = { count: gpuCount, memoryBytes: target.memoryBytes, backend } as const;
  return fitLlamaCpp({ ...input, ctx }, () => resolved.scenario, { serving: planned, contextTokens: ctx }, gpus)
    .serving;
}

/** The capacity of one replica on the target, with the checks and warnings that go with it. */
function servedCapacity(
  model: LoadedModel,
  input: CapacityInput,
  at: { shape: ServingShape; target: GpuTarget; deployment: Deployment; users: number },
  warnings: string[],
): Capacity {
  const { shape, target, deployment, users } = at;
  checkSplit(model, shape.engine, input, shape.stageGpus, warnings);
  const acrossNodes = deploymentWarning(deployment);
  if (acrossNodes) warnings.push(acrossNodes);
  const single = capacity(serving(shape, target.memoryBytes), target.name);
  if (single.refusal) warnings.push(single.refusal);
  const note = cudaTotalNote(target, shape.engine);
  if (note) single.budget.notes.push(note);
  const replicas = shape.replicas;
  const perReplica = ceilDiv(users, replicas);
  const text =
    replicas > 1 ? `each replica's ${perReplica} requests (--users ${users} ÷ --dp ${replicas})` : `--users ${users}`;
  warnings.push(
    ...workloadWarnings(input, shape.engine, single, shape.inference.contextTokens, { count: perReplica, text }),
  );
  return single;
}

/** The capacity of `model` served by an engine on a deployment, or the GPUs each catalog GPU needs. */
export function planCapacity(read: LoadedModel, input: CapacityInput): CapacityPlan {
  // llama.cpp's options, or a GGUF file (what llama.cpp runs), select it unless --engine says otherwise.
  const gguf = read.checkpoint?.format === 'gguf';
  const engine = input.engine ?? (asksForLlamaCpp(input) || gguf ? 'llama.cpp' : DEFAULTS.engine);
  const model = withMtp(read, input.mtp);
  if (model.arch.layout === 'encoder')
    throw new UserError(
      `${model.id} is an encoder and keeps no KV cache; capacity plans decoder serving: use vram estimate`,
    );
  const target = gpuTarget(input, engine);
  checkCapacityOptions(input, engine, target !== null);
  const deployment = resolveDeployment(input, DEPLOYMENT_STYLE[engine]);
  const llama = engine === 'llama.cpp';
  if (llama && input.tensorSplit !== undefined && input.tensorSplit.length !== deployment.pipelineParallel)
    throw new UserError(
      `--tensor-split: ${input.tensorSplit.length} shares for ${deployment.pipelineParallel} GPU${deployment.pipelineParallel === 1 ? '' : 's'} per replica; give one per GPU`,
    );
  const users = input.users ?? (llama ? llamaCppUsers(input) : DEFAULTS.users);
  if (llama) checkLlamaCppUsers(ceilDiv(users, deployment.dataParallel));
  const counted = countedModel(model);
  const gpuTotal = (target?.memoryBytes ?? 0) * (llama ? deployment.pipelineParallel : 1);
  const ctx =
    llama && input.ctx === undefined
      ? llamaCppDefaultContext(input, model.arch, gpuTotal)
      : contextOf(input, model, 'inference');
  const tooLong = contextWarning(model, ctx, counted.parameterCount);
  const warnings = [...model.warnings, ...(tooLong ? [tooLong] : [])];
  const replicas = deployment.dataParallel;
  const perReplica = ceilDiv(users, replicas);
  const planned = llama ? { ...llamaCppServingFor(input, model.arch), backend: backendOf(target) } : null;
  const resolved = servedScenario(input, model, engine, ctx, perReplica, target?.id ?? null, warnings, planned);
  const llamaCpp = planned && fittedLayers(input, planned, resolved, target, deployment.pipelineParallel, ctx);
  const shape = shapeOf(engine, resolved.scenario, input, deployment, llamaCpp);
  checkPipelineStages(shape.stages, model);
  const single = target ? servedCapacity(model, input, { shape, target, deployment, users }, warnings) : null;
  const maxGpus = engine === 'llama.cpp' ? LLAMA_CPP_MAX_DEVICES : MAX_GPU_COUNT;
  const minStage = target ? minTensorParallel(serving(shape, target.memoryBytes, 1), target.name, maxGpus) : null;
  return {
    model: counted,
    engine,
    // Object.assign, not spreads: Node 20 copies spreads into a literal through a slow path (~28 µs here).
    inputs: Object.assign(
      echoInputs(model, input),
      { engine, ctx, users, attention: resolved.scenario.attention },
      deploymentInputs(deployment, target, input.gpu === 'all'),
      {
        gpus: target ? deployment.gpuCount : null,
        engineSettings: single?.budget.settings ?? null,
        sweepCtx: input.sweepCtx ?? [],
        sweepUsers: input.sweepUsers ?? [],
      },
      resolved.inputs,
    ),
    deployment,
    stageGpuCount: shape.stageGpus,
    pipelineStages: shape.stages,
    target,
    serving: target ? serving(shape, target.memoryBytes) : null,
    capacity: single ? replicated(single, replicas) : null,
    minGpuCount: minStage === null ? null : minStage * shape.stages * replicas,
    minStageGpuCount: minStage,
    sweeps: sweepsOf(input, shape, target, ctx, users),
    gpus: target === null ? catalogRows(shape) : null,
    warnings,
  };
}
