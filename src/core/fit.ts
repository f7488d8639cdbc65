/**
 * Fit on a number of GPUs of one type.
 *
 * Inference: weights are split evenly over the GPUs (rounded up); the KV cache is split by K/V
 * head, so each GPU holds ceil(n_kv / N) heads (heads are replicated once N exceeds them, and
 * MLA's latent is replicated on every GPU); each GPU also holds the full transient activation
 * peak (conservative: tensor parallelism would split the MLP part) and its own overhead:
 *   required per GPU = ceil(weights / N) + kv_cache per GPU + activations + overhead(per GPU)
 * Training plans fit per GPU in training/trainingFit.ts.
 * usable per GPU = the memory the driver reports. fits = required ≤ usable.
 * maxUsers: the most concurrent sequences at this context that fit on N GPUs (doubling, then
 * binary search, on a requirement that grows with users). minGpuCount: the fewest GPUs that fit (requirement never
 * grows with N), up to MAX_GPU_COUNT; null when none does.
 */
import type { InferenceScenario } from './estimate.js';
import { inferenceWeightsComponent } from './estimate.js';
import { kvCacheBytesPerGpu } from './kvCache.js';
import { activationElementBytes, batchedSequenceCount, inferenceActivationParts } from './inferenceActivations.js';
import { overheadBytes } from './overhead.js';
import { ExactnessError, ceilDiv, exact, positiveCount } from './units.js';

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

/**
 * The per-GPU requirement of an inference scenario as a function of users and GPU count. The
 * parts that do not depend on them (weights, KV bytes per sequence, one sequence's activation
 * peak) are computed once, so the solvers below can call it many times.
 */
export function inferenceRequirement(scenario: InferenceScenario): (userCount: number, gpuCount: number) => number {
  const weights = inferenceWeightsComponent(scenario).bytes;
  const perGpu = perGpuBytes(scenario);
  return (userCount, gpuCount) => perGpu(userCount, positiveCount(gpuCount, 'gpuCount'), ceilDiv(weights, gpuCount));
}

/** Per-GPU bytes given that GPU's share of the weights; the rest follows from users and GPUs. */
function perGpuBytes(scenario: InferenceScenario): (userCount: number, gpuCount: number, weightShare: number) => number {
  const { arch } = scenario;
  const oneSequencePeak = inferenceActivationParts(arch, activationElementBytes(scenario.weightDtype), scenario.contextTokens, scenario.attention, 1).totalBytes;
  return (userCount, gpuCount, weightShare) => {
    const kv = kvCacheBytesPerGpu(arch, scenario.kvDtype, scenario.contextTokens, userCount, scenario.slidingWindow, gpuCount);
    const activations = exact(batchedSequenceCount(arch, userCount) * oneSequencePeak, 'activations');
    const held = exact(weightShare + kv + activations, 'memory per GPU');
    return exact(held + overheadBytes(scenario.overhead, { activationBytes: activations, otherBytes: held }), 'memory per GPU');
  };
}

/** Per-GPU bytes of an inference scenario with `userCount` sequences on `gpuCount` GPUs. */
export function inferenceRequiredBytesPerGpu(scenario: InferenceScenario, userCount: number, gpuCount: number): number {
  return inferenceRequirement(scenario)(userCount, gpuCount);
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

export function verdict(gpu: GpuSpec, gpuCount: number, required: number): Pick<Fit, 'gpu' | 'gpuCount' | 'usableBytesPerGpu' | 'requiredBytesPerGpu' | 'fits' | 'headroomBytes'> {
  return {
    gpu: gpu.id,
    gpuCount,
    usableBytesPerGpu: gpu.memoryBytes,
    requiredBytesPerGpu: required,
    fits: required <= gpu.memoryBytes,
    headroomBytes: gpu.memoryBytes - required,
  };
}

export function fitInference(scenario: InferenceScenario, gpu: GpuSpec, gpuCount: number): Fit {
  const usable = gpu.memoryBytes;
  const requirement = inferenceRequirement(scenario);
  const fitsWith = (users: number, gpus: number) => {
    try {
      return requirement(users, gpus) <= usable;
    } catch (error) {
      if (error instanceof ExactnessError) return false;
      throw error;
    }
  };
  const required = requirement(scenario.userCount, gpuCount);
  let bound = 1;
  while (bound < MAX_USER_COUNT && fitsWith(bound, gpuCount)) bound = Math.min(MAX_USER_COUNT, bound * 2);
  const tooMany = smallestSatisfying(0, bound, (users) => !fitsWith(users, gpuCount));
  const maxUsers = tooMany === null ? MAX_USER_COUNT : Math.max(0, tooMany - 1);
  const minGpuCount = smallestSatisfying(1, MAX_GPU_COUNT, (gpus) => fitsWith(scenario.userCount, gpus));
  // However many GPUs: no weights, one K/V head each (or the replicated latent), all activations.
  const perGpuFloorBytes = perGpuBytes(scenario)(scenario.userCount, Number.MAX_SAFE_INTEGER, 0);
  return { ...verdict(gpu, gpuCount, required), maxUsers, minGpuCount, perGpuFloorBytes };
}
