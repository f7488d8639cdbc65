/**
 * Automatic fitting, as llama.cpp's --fit does it (common/fit.cpp, common_params_fit_impl) when the
 * user leaves n_ctx and n_gpu_layers unset: every GPU must keep `marginBytes` free (--fit-target,
 * 1024 MiB by default; node-llama-cpp pads min(8 % of the GPU, 1.6 GiB)) after its weights, KV
 * cache, compute buffer and the CUDA context.
 *   1. the context first: the largest n_ctx down to --fit-ctx (4096 per stream) with every layer on the GPUs;
 *   2. then the layers: the most units (from the output layer backwards) that fit.
 */
import type { LlamaCppMemory } from './memory.js';
import { deviceTotalBytes } from './memory.js';

export interface FitTarget {
  /** Memory of each GPU, bytes. */
  gpuMemoryBytes: number;
  /** What each GPU loses before llama.cpp allocates (the CUDA context), bytes. */
  reservedBytes: number;
  /** Free memory to keep on each GPU (--fit-target). */
  marginBytes: number;
}

/** llama.cpp --fit-target default: 1024 MiB per device (common/common.h). */
export const LLAMA_CPP_FIT_MARGIN_BYTES = 1024 * 2 ** 20;
/** llama.cpp --fit-ctx default: the context --fit shrinks to at most, per stream (common/common.h). */
export const LLAMA_CPP_FIT_MIN_CONTEXT = 4096;

/** Whether every GPU keeps the margin free. */
export function gpusFit(memory: LlamaCppMemory, target: FitTarget): boolean {
  const room = target.gpuMemoryBytes - target.reservedBytes - target.marginBytes;
  return memory.gpus.every((gpu) => deviceTotalBytes(gpu) <= room);
}

/**
 * The most units (of n_layer + 1) on the GPUs that fit, 0 when none does. All units first; below
 * that, more units never need less memory (the op_offload copy stays while any layer is on the
 * host), so the rest is a binary search.
 */
export function fittedGpuLayers(
  memoryWith: (gpuLayers: number) => LlamaCppMemory,
  units: number,
  target: FitTarget,
): number {
  const fits = (layers: number) => gpusFit(memoryWith(layers), target);
  if (fits(units)) return units;
  let [lo, hi] = [0, units - 1];
  if (hi <= 0 || !fits(1)) return 0;
  lo = 1;
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The largest context per sequence, a multiple of 256 tokens over the sequences, from `from` down
 * to `floor`, whose buffers fit with every layer on the GPUs; null when even `floor` does not.
 */
export function fittedContext(
  memoryAt: (contextTokens: number) => LlamaCppMemory,
  from: number,
  floor: number,
  target: FitTarget,
): number | null {
  const fits = (ctx: number) => gpusFit(memoryAt(ctx), target);
  if (fits(from)) return from;
  if (floor >= from || !fits(floor)) return null;
  // Binary search on multiples of 256: more context never needs less memory.
  let [lo, hi] = [Math.floor(floor / 256), Math.floor(from / 256)];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid * 256)) lo = mid;
    else hi = mid;
  }
  return Math.max(floor, lo * 256);
}
