/**
 * Overhead: memory the runtime uses beyond the tensors counted elsewhere, per GPU, in two parts.
 *
 * `overhead` — outside PyTorch's allocator (nvidia-smi sees it, torch.cuda.memory_reserved does not):
 *   CUDA context + NCCL communicators
 * - CUDA context (driver, kernels, cuBLAS workspace), per GPU:
 *   low 287,047,680 B: PyTorch with CUDA lazy module loading (pytorch/pytorch PR #86509);
 *   expected 512 MiB: ~400 MB context on CUDA ≥ 11.7 with lazy loading (ptrblck, pytorch/pytorch
 *   #109888, #107667; 426 MiB on PyTorch 2.10 / CUDA 13, unslothai/unsloth-zoo PR #1053) plus
 *   library workspaces;
 *   high 1,343 MiB: CUDA 11.2 without lazy loading on a V100 (transformers docs, model_memory_anatomy).
 * - NCCL, per communicator a training GPU joins (data-parallel or ZeRO group, tp, cp, ep, and two
 *   for pipeline send/recv): low 200 MiB (no NVLS, few channels), expected 512 MiB (544 and 688 MB
 *   measured per communicator on 4×A100, NVIDIA/nccl#964), high 2.25 GiB (NVLS buffers of NCCL
 *   2.18–2.20 on 8×H200; 1.5 GiB documented, 768 MiB from 2.21, 256 MiB from 2.23).
 *   `--without nccl` drops it.
 * `allocator_cache` — PyTorch's caching allocator: blocks reserved but free at the peak
 *   (max_memory_reserved − max_memory_allocated), a share of the activations, fitted to the H200
 *   calibration runs (test/fixtures/measured/gpu-calibration-h200*.json): inference 12–121 % of
 *   vram's activations (median 45 %): low 10, expected 50, high 75 %; training 1–106 % (median
 *   17 %; GMLake, arXiv:2401.08156: 15 % on average in LLM training): low 0, expected 17 (the
 *   median), high 100 %. `--without allocator-cache` drops it
 *   (PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True returns most of it).
 * Serving engines preallocate their pools and keep the older single model (context + 0–33 % of
 * activations, GMLake, arXiv:2401.08156: ALLOCATOR_FRAGMENTATION_PERCENT).
 * Overrides: `--overhead 10%` (a share of all other components, the seeds' style) or a fixed size
 * replace both parts.
 */
import { type Component, component } from './component.js';
import { MIB, ceilShare, exact, formatInt } from './units.js';

export interface LowExpectedHigh {
  low: number;
  expected: number;
  high: number;
}

/** Bytes the CUDA context and runtime libraries hold on each GPU. */
export const CUDA_CONTEXT_BYTES: LowExpectedHigh = { low: 287_047_680, expected: 512 * MIB, high: 1343 * MIB };

/** Percent of activation bytes lost to caching-allocator fragmentation (serving engines' runtime terms). */
export const ALLOCATOR_FRAGMENTATION_PERCENT: LowExpectedHigh = { low: 0, expected: 15, high: 33 };

/** Bytes of NCCL buffers per communicator on each GPU. */
export const NCCL_COMMUNICATOR_BYTES: LowExpectedHigh = { low: 200 * MIB, expected: 512 * MIB, high: 2304 * MIB };

export type Workload = 'inference' | 'training';

/** Percent of the activations PyTorch's caching allocator holds reserved but free at the peak. */
export const ALLOCATOR_CACHE_PERCENT: Readonly<Record<Workload, LowExpectedHigh>> = {
  inference: { low: 10, expected: 50, high: 75 },
  training: { low: 0, expected: 17, high: 100 },
};

export type OverheadSpec =
  | {
      kind: 'model';
      /** Count the caching allocator's reserved-but-free blocks (default true; --without allocator-cache). */
      allocatorCache?: boolean;
    }
  /** Basis points (1/100 of a percent) of all other components: 10% = 1000. */
  | { kind: 'percent'; basisPoints: number }
  | { kind: 'fixed'; bytes: number };

export interface OverheadInput {
  /** Transient bytes (activations) on this GPU. */
  activationBytes: number;
  /** All other components on this GPU (for a percent override). */
  otherBytes: number;
  workload: Workload;
  /** NCCL communicators this GPU joins (0 on one GPU). */
  ncclCommunicators: number;
}

/** The default overhead model at one end of its range: CUDA context + allocator share × activations. */
export function overheadModelBytes(level: keyof LowExpectedHigh, activationBytes: number): number {
  return exact(
    CUDA_CONTEXT_BYTES[level] + ceilShare(activationBytes, ALLOCATOR_FRAGMENTATION_PERCENT[level], 100, 'overhead'),
    'overhead',
  );
}

/** A PyTorch inference process's CUDA context and allocator cache at one end of their ranges (what estimate counts). */
export function pytorchInferenceOverheadBytes(level: keyof LowExpectedHigh, activationBytes: number): number {
  return exact(runtimeBytes(level, 0) + allocatorCacheBytes(level, activationBytes, 'inference'), 'overhead');
}

/** The runtime part (CUDA context + NCCL) at one end of its range. */
export function runtimeBytes(level: keyof LowExpectedHigh, communicators: number): number {
  return exact(CUDA_CONTEXT_BYTES[level] + communicators * NCCL_COMMUNICATOR_BYTES[level], 'overhead');
}

function allocatorCacheBytes(level: keyof LowExpectedHigh, activationBytes: number, workload: Workload): number {
  return ceilShare(activationBytes, ALLOCATOR_CACHE_PERCENT[workload][level], 100, 'allocator cache');
}

function countsAllocatorCache(spec: OverheadSpec): boolean {
  return spec.kind === 'model' && spec.allocatorCache !== false;
}

/** Expected bytes on one GPU of the overhead and the allocator cache together. */
export function overheadBytes(spec: OverheadSpec, input: OverheadInput): number {
  switch (spec.kind) {
    case 'model':
      return exact(
        runtimeBytes('expected', input.ncclCommunicators) +
          (countsAllocatorCache(spec) ? allocatorCacheBytes('expected', input.activationBytes, input.workload) : 0),
        'overhead',
      );
    case 'percent':
      return ceilShare(input.otherBytes, spec.basisPoints, 10_000, 'overhead');
    case 'fixed':
      return spec.bytes;
  }
}

/** The caching allocator's reserved-but-free blocks, when the overhead model counts them (null otherwise). */
export function allocatorCacheComponent(spec: OverheadSpec, input: OverheadInput): Component | null {
  if (!countsAllocatorCache(spec)) return null;
  const { activationBytes, workload } = input;
  const percent = ALLOCATOR_CACHE_PERCENT[workload];
  return component(
    {
      id: 'allocator_cache',
      label: 'Allocator cache',
      bytes: allocatorCacheBytes('expected', activationBytes, workload),
      expression: 'share × activations',
      basis: 'heuristic',
      range: {
        lowBytes: allocatorCacheBytes('low', activationBytes, workload),
        highBytes: allocatorCacheBytes('high', activationBytes, workload),
      },
    },
    () => ({
      formula: `${percent.expected}% × ${formatInt(activationBytes)} B (activations)`,
      notes: [
        `PyTorch's caching allocator keeps freed blocks reserved: ${percent.low}–${percent.high}% of the activations at the ${workload} peak (max_memory_reserved − max_memory_allocated, H200 calibration runs); --without allocator-cache drops it (e.g. with PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True)`,
      ],
    }),
  );
}

export function overheadComponent(spec: OverheadSpec, input: OverheadInput): Component {
  switch (spec.kind) {
    case 'model': {
      const n = input.ncclCommunicators;
      const figures = {
        id: 'overhead' as const,
        label: 'Overhead',
        bytes: runtimeBytes('expected', n),
        expression: n > 0 ? 'CUDA context + NCCL communicators' : 'CUDA context',
        basis: 'heuristic' as const,
        range: { lowBytes: runtimeBytes('low', n), highBytes: runtimeBytes('high', n) },
      };
      return component(figures, () => ({
        formula: `${formatInt(CUDA_CONTEXT_BYTES.expected)} B (CUDA context)${n > 0 ? ` + ${n} × ${formatInt(NCCL_COMMUNICATOR_BYTES.expected)} B (NCCL communicators)` : ''}`,
        notes: [
          `CUDA context and library workspaces per GPU: ${formatInt(CUDA_CONTEXT_BYTES.low)}–${formatInt(CUDA_CONTEXT_BYTES.high)} B measured (PyTorch with and without CUDA lazy loading)`,
          n > 0
            ? `NCCL: ${n} communicator${n === 1 ? '' : 's'} × ${formatInt(NCCL_COMMUNICATOR_BYTES.low)}–${formatInt(NCCL_COMMUNICATOR_BYTES.high)} B (channel buffers; NVLS on NVSwitch systems at the high end); --without nccl drops it`
            : 'no NCCL communicator counted (one training GPU, or inference)',
          "outside PyTorch's allocator: nvidia-smi counts it, torch.cuda.max_memory_reserved does not",
        ],
      }));
    }
    case 'percent': {
      const { otherBytes } = input;
      const bytes = overheadBytes(spec, input);
      return component(
        {
          id: 'overhead',
          label: 'Overhead',
          bytes,
          expression: 'percent × other components',
          basis: 'heuristic',
          range: null,
        },
        () => ({
          formula: `${spec.basisPoints / 100}% × ${formatInt(otherBytes)} B (all other components)`,
          notes: ['an override: a share of the other components'],
        }),
      );
    }
    case 'fixed':
      return component(
        { id: 'overhead', label: 'Overhead', bytes: spec.bytes, expression: 'fixed', basis: 'heuristic', range: null },
        () => ({ formula: `${formatInt(spec.bytes)} B (an override)`, notes: ['an override: a fixed size per GPU'] }),
      );
  }
}
