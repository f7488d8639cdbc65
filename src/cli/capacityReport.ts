/**
 * `vram capacity`: serving capacity of a model on a GPU type under an engine profile, or the GPU
 * count each catalog GPU needs. Builds a report for the renderers; does no output itself.
 */
import { leadAttention } from '../core/architecture.js';
import { countParameters } from '../core/parameters.js';
import { type Capacity, type Outcome, capacity, minTensorParallel } from '../core/serving/capacity.js';
import { tensorParallelDegrees } from '../core/serving/shard.js';
import type { Engine, EngineSettings, ServingScenario } from '../core/serving/types.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import { UserError } from '../model/errors.js';
import { GPUS, type GpuEntry, findGpu } from '../model/gpus.js';
import { MIB, formatInt } from '../core/units.js';
import type { CapacityOptions } from './capacityOptions.js';
import { contextWarning } from './estimateReport.js';
import { resolveInference } from './inferenceScenario.js';
import { checkPipelineStages } from './trainingScenario.js';
import type { Io } from './io.js';
import { type LoadedModel, loadModel } from './modelSource.js';

export interface CapacityTarget {
  gpu: string;
  gpuName: string;
  gpuCount: number;
  gpuMemoryBytes: number;
}

export interface CapacityReport {
  model: LoadedModel & { parameterCount: number };
  engine: Engine;
  inputs: Record<string, unknown>;
  target: CapacityTarget | null;
  capacity: Capacity | null;
  minGpuCount: number | null;
  sweeps: { ctx: { ctx: number; maxConcurrency: Outcome }[]; users: { users: number; maxContextTokens: Outcome }[] };
  gpus: { gpu: string; name: string; memoryBytes: number; minGpuCount: number | null }[] | null;
  warnings: string[];
}

/** llama.cpp's limit on parallel sequences (src/llama-cparams.h: "#define LLAMA_MAX_SEQ 256"; 64 in older builds). */
export const LLAMA_MAX_SEQ = 256;

/** llama.cpp's CUDA device limit (ggml-cuda: GGML_CUDA_MAX_DEVICES 16). */
export const LLAMA_CPP_MAX_DEVICES = 16;

/** Engines that size their pools from the CUDA-visible total (torch.cuda.mem_get_info), not nvidia-smi's. */
const CUDA_TOTAL_ENGINES: readonly Engine[] = ['vllm', 'sglang', 'tensorrt-llm'];

/** The memory an engine sizes from: CUDA's total where the catalog has a sighting, else nvidia-smi's. */
export function engineMemoryBytes(entry: GpuEntry, engine: Engine): number {
  return CUDA_TOTAL_ENGINES.includes(engine) && entry.cudaTotalMiB !== undefined ? entry.cudaTotalMiB * MIB : entry.reportedMiB * MIB;
}

/** Engines that need a tensor-parallel degree dividing the attention heads. */
const STRICT_TENSOR_PARALLEL: readonly Engine[] = ['vllm', 'sglang', 'tensorrt-llm'];

function engineSettings(options: CapacityOptions): EngineSettings {
  return {
    gpuMemoryUtilization: options.gpuMemoryUtilization,
    maxModelLen: options.maxModelLen,
    maxNumBatchedTokens: options.maxNumBatchedTokens,
    maxNumSeqs: options.maxNumSeqs,
    blockSize: options.blockSize,
    memFractionStatic: options.memFractionStatic,
    freeGpuMemoryFraction: options.freeGpuMemoryFraction,
    microBatchTokens: options.ubatchSize,
  };
}

export async function buildCapacityReport(options: CapacityOptions, io: Io): Promise<CapacityReport> {
  const model = await loadModel(options, io);
  const { arch } = model;
  if (arch.layout === 'encoder') throw new UserError(`${model.id} is an encoder and keeps no KV cache; capacity plans decoder serving: use vram estimate`);
  const ctx = options.ctx ?? arch.maxPositionCount;
  const users = options.users ?? 1;
  const warnings = [...model.warnings];
  const parameterCount = countParameters(arch).totalCount;
  const tooLong = contextWarning(model, ctx, parameterCount);
  if (tooLong) warnings.push(tooLong);
  const resolved = resolveInference({ ...options, overhead: { kind: 'model' } }, model, ctx, users);
  let { scenario: inference } = resolved;
  const weightInputs = { ...resolved.inputs };
  // vLLM, SGLang and TensorRT-LLM load a float32 checkpoint in 16 bits by default (vLLM dtype "auto":
  // fp16, or bf16 for families without fp16 support such as Gemma 2/3; model_config._get_and_verify_dtype).
  if (CUDA_TOTAL_ENGINES.includes(options.engine) && options.dtype === undefined && weightInputs.weights === 'dtype' && inference.weightDtype === 'fp32') {
    const half = /^gemma/.test(arch.modelType) ? 'bf16' : 'fp16';
    inference = { ...inference, weightDtype: half, kvDtype: options.kvDtype ?? half };
    Object.assign(weightInputs, { dtype: half, kvDtype: inference.kvDtype });
    warnings.push(`${model.id}: the config says float32; ${options.engine} loads it in ${half} by default (dtype "auto"), so ${half} is used; pass --dtype fp32 to keep float32`);
  }
  const settings = engineSettings(options);
  const pipelineStages = options.pp ?? 1;
  checkPipelineStages(pipelineStages, model);
  const serving = (gpuMemoryBytes: number, gpuCount: number): ServingScenario => ({ inference, engine: options.engine, settings, gpuMemoryBytes, gpuCount, pipelineStages });

  let target: CapacityTarget | null = null;
  let memoryNote: string | null = null;
  if (options.gpuMemory !== undefined) target = { gpu: 'custom', gpuName: 'custom GPU', gpuCount: options.gpus ?? 1, gpuMemoryBytes: options.gpuMemory };
  else if (options.gpu !== undefined && options.gpu !== 'all') {
    const entry = findGpu(options.gpu);
    target = { gpu: entry.id, gpuName: entry.name, gpuCount: options.gpus ?? 1, gpuMemoryBytes: engineMemoryBytes(entry, options.engine) };
    if (CUDA_TOTAL_ENGINES.includes(options.engine)) {
      memoryNote =
        entry.cudaTotalMiB !== undefined
          ? `${options.engine} sizes its pool from the CUDA-visible total, ${entry.cudaTotalMiB.toLocaleString('en-US')} MiB on ${entry.id} (nvidia-smi shows ${entry.reportedMiB.toLocaleString('en-US')} MiB; the driver reserves the rest)`
          : `${options.engine} sizes its pool from the CUDA-visible total, which is 266–768 MiB below nvidia-smi's ${entry.reportedMiB.toLocaleString('en-US')} MiB on the GPUs where both were seen; none was found for ${entry.id}, so nvidia-smi's is used (a pool up to ~0.7 GiB too large)`;
    }
  }
  if (target === null && (options.sweepCtx || options.sweepUsers)) throw new UserError(`${options.sweepCtx ? '--sweep-ctx' : '--sweep-users'}: needs --gpu <id> or --gpu-memory <size>`);

  const lead = leadAttention(arch);
  const heads = lead.headCount;
  const valid = tensorParallelDegrees(arch, MAX_GPU_COUNT);
  if (target && STRICT_TENSOR_PARALLEL.includes(options.engine) && !valid.includes(target.gpuCount)) {
    const kv = lead.kind === 'standard' ? ` and whose ${lead.kvHeadCount} K/V heads split or replicate evenly` : '';
    throw new UserError(`--gpus: ${options.engine} needs a tensor-parallel size that divides the ${heads} attention heads${kv} (${valid.join(', ')}), not ${target.gpuCount}`);
  }
  if (target && options.engine === 'llama.cpp' && target.gpuCount > LLAMA_CPP_MAX_DEVICES) {
    throw new UserError(`--gpus: llama.cpp's CUDA backend supports at most ${LLAMA_CPP_MAX_DEVICES} GPUs (GGML_CUDA_MAX_DEVICES), not ${target.gpuCount}`);
  }
  if (target && target.gpuCount > 1 && options.engine !== 'llama.cpp' && !valid.includes(target.gpuCount)) {
    warnings.push(`--gpus ${target.gpuCount} is not a valid tensor-parallel size for ${heads} attention heads (${valid.join(', ')}); engines would need pipeline parallelism`);
  }

  const result = target ? capacity(serving(target.gpuMemoryBytes, target.gpuCount), target.gpuName) : null;
  if (result?.refusal) warnings.push(result.refusal);
  if (result && memoryNote) result.budget.notes.push(memoryNote);
  if (options.engine === 'vllm' && options.maxModelLen !== undefined && ctx > options.maxModelLen) {
    warnings.push(`--ctx ${formatInt(ctx)} is longer than --max-model-len ${formatInt(options.maxModelLen)}: vLLM rejects such prompts, so the workload does not fit`);
  }
  const batched = result?.budget.settings.maxNumBatchedTokens;
  const maxSeqs = result?.budget.settings.maxNumSeqs;
  if (typeof batched === 'number' && typeof maxSeqs === 'number' && batched < maxSeqs) {
    throw new UserError(`--max-num-batched-tokens: ${batched} is less than max_num_seqs ${maxSeqs} (${options.maxNumSeqs === undefined ? "vLLM's default for this GPU" : '--max-num-seqs'}); vLLM requires max_num_batched_tokens ≥ max_num_seqs`);
  }
  if (typeof maxSeqs === 'number' && users > maxSeqs) {
    warnings.push(`--users ${users} is more than vLLM's max_num_seqs ${maxSeqs}: at most ${maxSeqs} requests run at once and the rest queue; raise --max-num-seqs`);
  }
  if (options.engine === 'llama.cpp' && users > LLAMA_MAX_SEQ) {
    warnings.push(`--users ${users} is more than llama.cpp's ${LLAMA_MAX_SEQ} sequences (LLAMA_MAX_SEQ): llama-server cannot run --parallel ${users}`);
  }
  const maxGpus = options.engine === 'llama.cpp' ? LLAMA_CPP_MAX_DEVICES : MAX_GPU_COUNT;
  const minGpuCount = target ? minTensorParallel(serving(target.gpuMemoryBytes, 1), target.gpuName, maxGpus) : null;
  // A context sweep asks for the concurrency of requests of each length (vLLM: max_model_len = that
  // length); a users sweep keeps the deployment's settings, an explicit --max-model-len included.
  const sweepAt = (sweepCtx: number, sweepUsers: number, maxModelLen: number | undefined) =>
    capacity({ ...serving(target!.gpuMemoryBytes, target!.gpuCount), inference: { ...inference, contextTokens: sweepCtx, userCount: sweepUsers }, settings: { ...settings, maxModelLen } }, target!.gpuName);
  const sweeps = {
    ctx: (options.sweepCtx ?? []).map((sweepCtx) => ({ ctx: sweepCtx, maxConcurrency: sweepAt(sweepCtx, users, settings.maxModelLen === undefined ? undefined : sweepCtx).maxConcurrency })),
    users: (options.sweepUsers ?? []).map((sweepUsers) => ({ users: sweepUsers, maxContextTokens: sweepAt(ctx, sweepUsers, settings.maxModelLen).maxContextTokens })),
  };
  const gpus =
    target === null
      ? GPUS.map((entry) => {
          const perStage = minTensorParallel(serving(engineMemoryBytes(entry, options.engine), 1), entry.name, maxGpus);
          return { gpu: entry.id, name: entry.name, memoryBytes: engineMemoryBytes(entry, options.engine), minGpuCount: perStage === null ? null : perStage * pipelineStages };
        })
      : null;

  const inputs = {
    model: model.sourceKind === 'config' ? null : model.id,
    config: model.sourceKind === 'config' ? model.source : null,
    engine: options.engine,
    ctx,
    users,
    attention: options.attention,
    set: Object.fromEntries(options.set),
    offline: options.offline,
    gpu: target?.gpu ?? (options.gpu === 'all' ? 'all' : null),
    gpus: target?.gpuCount ?? null,
    pp: pipelineStages,
    gpuMemoryBytes: target?.gpuMemoryBytes ?? null,
    engineSettings: result?.budget.settings ?? null,
    sweepCtx: options.sweepCtx ?? [],
    sweepUsers: options.sweepUsers ?? [],
    assertFits: options.assertFits,
    format: options.format,
    units: options.units,
    ...weightInputs,
  };
  return { model: { ...model, parameterCount }, engine: options.engine, inputs, target, capacity: result, minGpuCount, sweeps, gpus, warnings };
}
