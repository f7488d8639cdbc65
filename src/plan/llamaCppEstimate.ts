/**
 * `vram estimate --engine llama.cpp` (or any llama.cpp option): what llama.cpp allocates on each GPU
 * and in host memory for one model and context, with the layers on the GPUs placed as --gpu-layers
 * says (auto: fitted as llama.cpp's --fit fits them). Without --gpu every layer stays in host memory
 * (a CPU-only run). Pure: the caller loads the model.
 */
import { UserError } from '../core/errors.js';
import type { Fit } from '../core/fit.js';
import { type LlamaCppBackend, llamaCppEstimate, mostLoadedGpu } from '../core/llamaCpp/estimate.js';
import type { LlamaCppMemory } from '../core/llamaCpp/memory.js';
import { deviceTotalBytes } from '../core/llamaCpp/memory.js';
import type { LlamaCppServing } from '../core/llamaCpp/serving.js';
import { CUDA_CONTEXT_BYTES } from '../core/overhead.js';
import { llamaCppMemoryOf } from '../core/serving/llamaCpp.js';
import type { Level } from '../core/serving/types.js';
import {
  COMPUTE_BUFFER_RANGE,
  UNCALIBRATED_COMPUTE_BUFFER_RANGE,
  computeBufferCalibrated,
} from '../core/llamaCpp/computeBuffer.js';
import { LLAMA_CPP_MAX_DEVICES } from './capacity.js';
import { checkModeOptions, contextWarning, countedModel, echoInputs, overheadOf } from './common.js';
import { type Deployment, resolveDeployment } from './deployment.js';
import type { EstimateInput, EstimatePlan } from './estimate.js';
import { type GpuTarget, gpuTarget } from './gpuTarget.js';
import { resolveInference, withEngineState, withMtp } from './inference.js';
import {
  type LlamaCppFitting,
  type LlamaCppInput,
  backendOf,
  checkLlamaCppUsers,
  contextShared,
  fitLlamaCpp,
  llamaCppDefaultContext,
  llamaCppServingFor,
  llamaCppUsers,
} from './llamaCpp.js';
import type { LoadedModel } from './model.js';
import { deploymentInputs } from './deployment.js';

/** What the llama.cpp plan adds to an estimate: the settings as resolved, and where the layers went. */
export interface LlamaCppSummary {
  serving: LlamaCppServing;
  backend: LlamaCppBackend;
  memory: LlamaCppMemory;
  /** Units (repeating layers + output) on the GPUs, of `units`. */
  gpuUnits: number;
  units: number;
  /** RAM the host needs: weights left there, their KV cache, the host compute and output buffers. */
  hostBytes: number;
  /** Each GPU's total (CUDA context included). */
  gpuBytes: number[];
  /** Apple silicon: the Mac's RAM, which the GPU's buffers and the host's share; null elsewhere. */
  unifiedMemoryBytes: number | null;
  notes: string[];
  /** --solve ctx: the longest context per sequence every layer fits on the GPUs with, at each end of the ranges (null: not even 256 tokens); absent without --solve. */
  solvedContext?: { expected: number | null; pessimistic: number | null; optimistic: number | null };
}

export type EstimateLlamaCppInput = Omit<EstimateInput, 'attention'> &
  LlamaCppInput & { engine?: string | undefined; solve?: string | undefined };

/** --solve ctx: fitted on the GPU with every layer there. */
function solved(
  model: LoadedModel,
  resolved: ReturnType<typeof fittedRun>['resolved'],
  fitted: LlamaCppFitting,
  gpu: GpuTarget | null,
  gpuCount: number,
  backend: LlamaCppBackend,
): NonNullable<LlamaCppSummary['solvedContext']> {
  if (gpu === null) throw new UserError('--solve ctx: needs --gpu <id> or --gpu-memory <size> to fit the context on');
  const serving = { ...fitted.serving, gpuLayers: 'max' as const };
  const memoryAt = (ctx: number) =>
    llamaCppMemoryOf({ ...resolved.scenario, contextTokens: ctx, promptTokens: null }, serving, gpuCount);
  return solveContext(model, memoryAt, gpu, backend);
}

/** Bytes the most loaded GPU needs with every heuristic term at `level` (compute buffer range, CUDA context). */
function requiredAt(memory: LlamaCppMemory, backend: LlamaCppBackend, arch: LoadedModel['arch'], level: Level): number {
  const range = computeBufferCalibrated(arch) ? COMPUTE_BUFFER_RANGE : UNCALIBRATED_COMPUTE_BUFFER_RANGE;
  const context = backend === 'cuda' ? CUDA_CONTEXT_BYTES[level] : 0;
  return Math.max(
    0,
    ...memory.gpus.map((g) => g.weightBytes + g.kvBytes + Math.ceil(g.computeBytes * range[level]) + context),
  );
}

/** The fewest GPUs of the target's size that hold every layer (llama.cpp's CUDA limit: 16); null when none does. */
function fewestGpus(
  memoryOn: (gpus: number) => LlamaCppMemory,
  target: GpuTarget,
  backend: LlamaCppBackend,
  arch: LoadedModel['arch'],
): number | null {
  const most = backend === 'metal' ? 1 : LLAMA_CPP_MAX_DEVICES;
  for (let gpus = 1; gpus <= most; gpus++)
    if (requiredAt(memoryOn(gpus), backend, arch, 'expected') <= target.memoryBytes) return gpus;
  return null;
}

function fitOf(
  memory: LlamaCppMemory,
  target: GpuTarget,
  backend: LlamaCppBackend,
  arch: LoadedModel['arch'],
  memoryOn: (gpus: number) => LlamaCppMemory,
): Fit {
  const most = mostLoadedGpu(memory);
  const context = backend === 'cuda' ? CUDA_CONTEXT_BYTES.expected : 0;
  const required = requiredAt(memory, backend, arch, 'expected');
  return {
    gpu: target.id,
    gpuCount: memory.gpus.length,
    usableBytesPerGpu: target.memoryBytes,
    requiredBytesPerGpu: required,
    fits: required <= target.memoryBytes,
    headroomBytes: target.memoryBytes - required,
    maxUsers: null,
    minGpuCount: fewestGpus(memoryOn, target, backend, arch),
    perGpuFloorBytes: (most?.computeBytes ?? 0) + context,
  };
}

/** The GPUs llama.cpp splits layers over: --gpus of --gpu, with --tensor-split one share each (none without --gpu). */
function llamaCppGpus(input: EstimateLlamaCppInput): {
  gpu: GpuTarget | null;
  deployment: Deployment;
  gpuCount: number;
} {
  if (input.tp !== undefined || input.dp !== undefined)
    throw new UserError(
      `${input.tp !== undefined ? '--tp' : '--dp'}: llama.cpp splits layers over its GPUs (--gpus, --tensor-split); give --gpus`,
    );
  if (input.gpu === 'all')
    throw new UserError(
      '--gpu all: llama.cpp is sized on one GPU type; `vram capacity --engine llama.cpp` lists the GPUs each type needs',
    );
  const gpu = gpuTarget(input, 'llama.cpp');
  if (gpu === null && (input.gpus !== undefined || input.tensorSplit !== undefined))
    throw new UserError(
      `${input.gpus !== undefined ? '--gpus' : '--tensor-split'}: needs --gpu <id> or --gpu-memory <size>`,
    );
  const deployment = resolveDeployment({ ...input, pp: input.gpus ?? input.pp }, 'layers');
  const gpuCount = gpu === null ? 0 : deployment.pipelineParallel;
  if (input.tensorSplit !== undefined && input.tensorSplit.length !== gpuCount)
    throw new UserError(
      `--tensor-split: ${input.tensorSplit.length} shares for ${gpuCount} GPU${gpuCount === 1 ? '' : 's'}; give one per GPU`,
    );
  return { gpu, deployment, gpuCount };
}

function summaryOf(
  fitted: LlamaCppFitting,
  memory: LlamaCppMemory,
  backend: LlamaCppBackend,
  gpu: GpuTarget | null,
): LlamaCppSummary {
  const unified = gpu?.entry?.unifiedMemoryMiB;
  const context = backend === 'cuda' ? CUDA_CONTEXT_BYTES.expected : 0;
  const host = memory.host;
  return {
    serving: fitted.serving,
    backend,
    memory,
    gpuUnits: memory.gpuUnits,
    units: memory.layout.layers.length + 1,
    hostBytes: host.weightBytes + host.kvBytes + host.computeBytes + host.outputBufferBytes,
    gpuBytes: memory.gpus.map((g) => deviceTotalBytes(g) + context),
    unifiedMemoryBytes: unified === undefined ? null : unified * 2 ** 20,
    notes: fitted.notes,
  };
}

/** The context and layers llama.cpp runs with, fitted to the GPUs as the front end fits them. */
function fittedRun(model: LoadedModel, input: EstimateLlamaCppInput, gpu: GpuTarget | null, gpuCount: number) {
  const backend = backendOf(gpu);
  const users = llamaCppUsers(input);
  checkLlamaCppUsers(users);
  const serving = { ...llamaCppServingFor(input, model.arch), contextShared: contextShared(input), backend };
  const planned = input.ctx ?? llamaCppDefaultContext(input, model.arch, (gpu?.memoryBytes ?? 0) * gpuCount);
  const overhead = overheadOf(input);
  // Fitting asks for the same contexts again and again: each is resolved once.
  const resolvedAt = new Map<number, ReturnType<typeof withEngineState>>();
  const inferenceAt = (ctx: number) => {
    let found = resolvedAt.get(ctx);
    if (found === undefined) {
      // llama.cpp's KV types are its own (-ctk/-ctv); its flash attention decides the scenario's.
      const attention = serving.flashAttention === 'off' ? 'eager' : 'flash';
      const resolved = resolveInference({ ...input, attention, kvDtype: serving.kType }, model, ctx, users, overhead);
      found = withEngineState(resolved, 'llama.cpp');
      resolvedAt.set(ctx, found);
    }
    return found;
  };
  const gpus =
    gpu === null
      ? null
      : ({ count: gpuCount, memoryBytes: gpu.memoryBytes, backend: backend === 'metal' ? 'metal' : 'cuda' } as const);
  const fitted = fitLlamaCpp(input, (ctx) => inferenceAt(ctx).scenario, { serving, contextTokens: planned }, gpus);
  return { backend, users, overhead, fitted, resolved: inferenceAt(fitted.contextTokens) };
}

/**
 * --solve ctx: the longest context per sequence (up to the trained one) whose buffers fit the GPUs
 * with every layer on them, at the expected values and at both ends of the ranges.
 */
function solveContext(
  model: LoadedModel,
  memoryAt: (ctx: number) => LlamaCppMemory,
  target: GpuTarget,
  backend: LlamaCppBackend,
): NonNullable<LlamaCppSummary['solvedContext']> {
  const at = (level: Level) => {
    const fits = (ctx: number) => requiredAt(memoryAt(ctx), backend, model.arch, level) <= target.memoryBytes;
    const most = model.arch.maxPositionCount;
    if (!fits(256)) return null;
    if (fits(most)) return most;
    let [lo, hi] = [256, most];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return { expected: at('expected'), pessimistic: at('high'), optimistic: at('low') };
}

export function planLlamaCppEstimate(loaded: LoadedModel, input: EstimateLlamaCppInput): EstimatePlan {
  if (input.solve !== undefined && input.solve !== 'ctx')
    throw new UserError(
      `--solve ${input.solve}: is a training target; with llama.cpp, --solve ctx finds the longest context`,
    );
  checkModeOptions({ ...input, solve: undefined }, 'inference');
  const model = withMtp(loaded, input.mtp);
  const { gpu, deployment, gpuCount } = llamaCppGpus(input);
  const { backend, users, overhead, fitted, resolved } = fittedRun(model, input, gpu, gpuCount);
  const scenario = resolved.scenario;
  const memory = llamaCppMemoryOf(scenario, fitted.serving, gpuCount);
  const counted = countedModel(model);
  const tooLong = contextWarning(model, fitted.contextTokens, counted.parameterCount);
  const allOn = (n: number) =>
    llamaCppMemoryOf(scenario, { ...fitted.serving, gpuLayers: 'max', tensorSplit: null }, n);
  return {
    mode: 'inference',
    model: counted,
    inputs: Object.assign(
      echoInputs(model, input),
      {
        mode: 'inference' as const,
        ctx: fitted.contextTokens,
        users,
        attention: scenario.attention,
        overhead,
        explain: input.explain ?? false,
        engine: 'llama.cpp' as const,
        frontEnd: fitted.serving.frontEnd,
        gpuLayers: input.gpuLayers ?? null,
      },
      deploymentInputs(deployment, gpu, false),
      { gpus: gpuCount },
      resolved.inputs,
    ),
    deployment,
    scenario,
    estimate: llamaCppEstimate(scenario, memory, backend),
    gpu,
    fit: gpu === null ? null : fitOf(memory, gpu, backend, model.arch, allOn),
    catalog: null,
    fewestGpus: null,
    llamaCpp: Object.assign(
      summaryOf(fitted, memory, backend, gpu),
      input.solve === 'ctx' ? { solvedContext: solved(model, resolved, fitted, gpu, gpuCount, backend) } : {},
    ),
    warnings: [...model.warnings, ...(tooLong ? [tooLong] : [])],
  };
}
