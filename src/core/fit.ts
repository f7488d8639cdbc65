/**
 * Fit on GPUs of one type.
 *
 * Inference, on a deployment of tp tensor-parallel GPUs × pp pipeline stages × dp replicas (the
 * generic engine's layout, so `estimate` and `capacity --engine generic` agree): each replica serves
 * ceil(users / dp) sequences; on its most loaded GPU
 *   required per GPU = the largest stage's weights ÷ tp + KV cache by K/V head (ceil(n_kv / tp) heads,
 *                      times the stage's share of the layers; MLA's latent is replicated)
 *                      + the prefill peak of one sequence over the whole model (conservative:
 *                      tensor parallelism would split its attention and MLP parts) + overhead
 * Training plans fit per GPU in training/trainingFit.ts.
 * usable per GPU = the memory the driver reports. fits = required ≤ usable.
 * maxUsers: the most concurrent sequences at this context that fit on the deployment (doubling,
 * then binary search, on a requirement that grows with users). minGpuCount: the fewest GPUs that fit
 * — the smallest tensor-parallel size (the requirement never grows with it) times the deployment's
 * stages and replicas — up to MAX_GPU_COUNT; null when none does.
 */
import { transformersForward } from './inferenceActivations.js';
import { type InferenceScenario, promptTokensOf } from './estimate.js';
import { ExactnessError } from './errors.js';
import { batchedSequenceCount } from './inferenceActivations.js';
import { overheadBytes } from './overhead.js';
import { forwardPeakBytes, kvBytesPerGpu, pipelineStageShare, weightsPerGpu } from './serving/engineMath.js';
import { ceilDiv, exact, positiveCount } from './units.js';

/** Largest GPU count the solver considers. */
export const MAX_GPU_COUNT = 4096;
/** Largest user count the solver reports (and --users accepts). */
export const MAX_USER_COUNT = 1_000_000;

export interface GpuSpec {
  id: string;
  name: string;
  /** Total memory the driver reports, bytes. */
  memoryBytes: number;
}

export interface Fit {
  gpu: string;
  gpuCount: number;
  usableBytesPerGpu: number;
  requiredBytesPerGpu: number;
  fits: boolean;
  /** usable − required; negative when it does not fit. */
  headroomBytes: number;
  /** Inference: most concurrent sequences at this context on gpuCount GPUs; null for training. */
  maxUsers: number | null;
  /** Fewest GPUs of this type that fit; null when no count up to MAX_GPU_COUNT does. */
  minGpuCount: number | null;
  /** What each GPU needs however many share the model (activations, overhead, replicated parts). */
  perGpuFloorBytes: number;
}

/** How an inference deployment uses its GPUs: tensor-parallel GPUs per stage, stages, replicas. */
export interface InferenceSplit {
  tensorParallel: number;
  pipelineParallel: number;
  dataParallel: number;
}

/** One tensor-parallel group of `gpus` GPUs: one stage, one replica. */
export function tensorSplit(gpus: number): InferenceSplit {
  return { tensorParallel: gpus, pipelineParallel: 1, dataParallel: 1 };
}

/**
 * KV bytes on one GPU of a tensor-parallel group: by K/V head, times the most loaded pipeline
 * stage's share of the layers.
 */
export function stageKvBytesPerGpu(
  scenario: InferenceScenario,
  tp: number,
  tokens: number,
  sequences: number,
  stages: number,
): number {
  const perGpu = kvBytesPerGpu(scenario, tp, tokens, sequences);
  return stages <= 1 ? perGpu : Math.ceil(perGpu * pipelineStageShare(scenario.arch, stages).layerFraction);
}

/**
 * The per-GPU requirement of an inference scenario as a function of the sequences one replica
 * serves and the split. Parts that do not depend on them are computed once, so the solvers below
 * can call it many times.
 */
export function inferenceRequirement(
  scenario: InferenceScenario,
): (userCount: number, split: InferenceSplit) => number {
  const { arch } = scenario;
  return (userCount, split) => {
    const tp = positiveCount(split.tensorParallel, 'tensorParallel');
    const stages = positiveCount(split.pipelineParallel, 'pipelineParallel');
    const sequences = ceilDiv(userCount, positiveCount(split.dataParallel, 'dataParallel'));
    const weights = weightsPerGpu(scenario, tp, stages);
    const kv = stageKvBytesPerGpu(scenario, tp, scenario.contextTokens, sequences, stages);
    const activations = exact(
      batchedSequenceCount(arch, sequences, scenario.prefillSequences) *
        forwardPeakBytes(scenario, 1, promptTokensOf(scenario), 1, transformersForward(scenario.weightDtype)),
      'activations',
    );
    const held = exact(weights + kv + activations, 'memory per GPU');
    return exact(
      held +
        overheadBytes(scenario.overhead, {
          activationBytes: activations,
          otherBytes: held,
          workload: 'inference',
          ncclCommunicators: 0,
        }),
      'memory per GPU',
    );
  };
}

/** Per-GPU bytes of an inference scenario with `userCount` sequences on `gpuCount` tensor-parallel GPUs (or a split). */
export function inferenceRequiredBytesPerGpu(
  scenario: InferenceScenario,
  userCount: number,
  split: number | InferenceSplit,
): number {
  return inferenceRequirement(scenario)(userCount, typeof split === 'number' ? tensorSplit(split) : split);
}

/** Smallest n in [lo, hi] with ok(n), for ok monotone false→true; null if ok(hi) is false. */
export function smallestSatisfying(lo: number, hi: number, ok: (n: number) => boolean): number | null {
  if (!ok(hi)) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function verdict(
  gpu: GpuSpec,
  gpuCount: number,
  required: number,
): Pick<Fit, 'gpu' | 'gpuCount' | 'usableBytesPerGpu' | 'requiredBytesPerGpu' | 'fits' | 'headroomBytes'> {
  return {
    gpu: gpu.id,
    gpuCount,
    usableBytesPerGpu: gpu.memoryBytes,
    requiredBytesPerGpu: required,
    fits: required <= gpu.memoryBytes,
    headroomBytes: gpu.memoryBytes - required,
  };
}

/** Whether `fits` holds, a probe past 2^53 counting as not fitting. */
function withinExactRange(fits: () => boolean): boolean {
  try {
    return fits();
  } catch (error) {
    if (error instanceof ExactnessError) return false;
    throw error;
  }
}

export function fitInference(scenario: InferenceScenario, gpu: GpuSpec, deployment: number | InferenceSplit): Fit {
  const split = typeof deployment === 'number' ? tensorSplit(deployment) : deployment;
  const usable = gpu.memoryBytes;
  const requirement = inferenceRequirement(scenario);
  const fitsWith = (users: number, at: InferenceSplit) => withinExactRange(() => requirement(users, at) <= usable);
  const required = requirement(scenario.userCount, split);
  let bound = 1;
  while (bound < MAX_USER_COUNT && fitsWith(bound, split)) bound = Math.min(MAX_USER_COUNT, bound * 2);
  const tooMany = smallestSatisfying(0, bound, (users) => !fitsWith(users, split));
  const maxUsers = tooMany === null ? MAX_USER_COUNT : Math.max(0, tooMany - 1);
  // The fewest GPUs: the smallest tensor-parallel size that fits, with the deployment's stages and replicas.
  const groups = split.pipelineParallel * split.dataParallel;
  const withTensorParallel = (tp: number): InferenceSplit => ({ ...split, tensorParallel: tp });
  const minTensorParallel = smallestSatisfying(1, Math.max(1, Math.floor(MAX_GPU_COUNT / groups)), (tp) =>
    fitsWith(scenario.userCount, withTensorParallel(tp)),
  );
  const minGpuCount = minTensorParallel === null ? null : minTensorParallel * groups;
  // However many GPUs: no weights, one K/V head each (or the replicated latent), all activations.
  const floorSplit = withTensorParallel(Number.MAX_SAFE_INTEGER);
  const perGpuFloorBytes =
    requirement(scenario.userCount, floorSplit) -
    weightsPerGpu(scenario, Number.MAX_SAFE_INTEGER, split.pipelineParallel);
  const gpuCount = split.tensorParallel * split.pipelineParallel * split.dataParallel;
  return { ...verdict(gpu, gpuCount, required), maxUsers, minGpuCount, perGpuFloorBytes };
}
