/**
 * Overhead: memory the framework and runtime use beyond the tensors counted elsewhere, per GPU.
 *
 * Default model (a heuristic, reported with a range):
 *   overhead = CUDA context reserve + allocator share × activations
 * - CUDA context (driver, kernels, cuBLAS workspace), per GPU:
 *   low 287,047,680 B: PyTorch with CUDA lazy module loading (pytorch/pytorch PR #86509);
 *   expected 512 MiB: ~400 MB context on CUDA ≥ 11.7 with lazy loading (ptrblck, pytorch/pytorch
 *   #109888, #107667; 426 MiB on PyTorch 2.10 / CUDA 13, unslothai/unsloth-zoo PR #1053) plus
 *   library workspaces;
 *   high 1,343 MiB: CUDA 11.2 without lazy loading on a V100 (transformers docs, model_memory_anatomy).
 * - Caching-allocator fragmentation on transient tensors (activations): low 0 %, expected 15 %,
 *   high 33 % (GMLake, arXiv:2401.08156: 15 % average, up to 33 %, fragmentation in LLM training on A100).
 * Overrides: `--overhead 10%` (a share of all other components, the seeds' style) or a fixed size.
 */
import type { Component } from './component.js';
import { MIB, ceilShare, exact, formatInt } from './units.js';

export interface LowExpectedHigh {
  low: number;
  expected: number;
  high: number;
}

/** Bytes the CUDA context and runtime libraries hold on each GPU. */
export const CUDA_CONTEXT_BYTES: LowExpectedHigh = { low: 287_047_680, expected: 512 * MIB, high: 1343 * MIB };

/** Percent of activation bytes lost to caching-allocator fragmentation. */
export const ALLOCATOR_FRAGMENTATION_PERCENT: LowExpectedHigh = { low: 0, expected: 15, high: 33 };

export type OverheadSpec =
  | { kind: 'model' }
  /** Basis points (1/100 of a percent) of all other components: 10% = 1000. */
  | { kind: 'percent'; basisPoints: number }
  | { kind: 'fixed'; bytes: number };

export interface OverheadInput {
  /** Transient bytes (activations) on this GPU. */
  activationBytes: number;
  /** All other components on this GPU (for a percent override). */
  otherBytes: number;
}

/** The default overhead model at one end of its range: CUDA context + allocator share × activations. */
export function overheadModelBytes(level: keyof LowExpectedHigh, activationBytes: number): number {
  return exact(
    CUDA_CONTEXT_BYTES[level] + ceilShare(activationBytes, ALLOCATOR_FRAGMENTATION_PERCENT[level], 100, 'overhead'),
    'overhead',
  );
}

/** Expected overhead bytes on one GPU. */
export function overheadBytes(spec: OverheadSpec, input: OverheadInput): number {
  switch (spec.kind) {
    case 'model':
      return overheadModelBytes('expected', input.activationBytes);
    case 'percent':
      return ceilShare(input.otherBytes, spec.basisPoints, 10_000, 'overhead');
    case 'fixed':
      return spec.bytes;
  }
}

export function overheadComponent(spec: OverheadSpec, input: OverheadInput): Component {
  const bytes = overheadBytes(spec, input);
  const base = { id: 'overhead' as const, label: 'Overhead', bytes };
  switch (spec.kind) {
    case 'model':
      return {
        ...base,
        expression: 'CUDA context + allocator share × activations',
        formula: `${formatInt(CUDA_CONTEXT_BYTES.expected)} B (CUDA context) + ${ALLOCATOR_FRAGMENTATION_PERCENT.expected}% × ${formatInt(input.activationBytes)} B (activations)`,
        basis: 'heuristic',
        range: {
          lowBytes: overheadModelBytes('low', input.activationBytes),
          highBytes: overheadModelBytes('high', input.activationBytes),
        },
        notes: [
          `CUDA context and library workspaces per GPU: ${formatInt(CUDA_CONTEXT_BYTES.low)}–${formatInt(CUDA_CONTEXT_BYTES.high)} B measured (PyTorch with and without CUDA lazy loading)`,
          `allocator fragmentation ${ALLOCATOR_FRAGMENTATION_PERCENT.low}–${ALLOCATOR_FRAGMENTATION_PERCENT.high}% of activations (GMLake, arXiv:2401.08156)`,
          'NCCL buffers for multi-GPU communication and CUDA graphs are not included',
        ],
      };
    case 'percent':
      return {
        ...base,
        expression: 'percent × other components',
        formula: `${spec.basisPoints / 100}% × ${formatInt(input.otherBytes)} B (all other components)`,
        basis: 'heuristic',
        range: null,
        notes: ['an override: a share of the other components'],
      };
    case 'fixed':
      return {
        ...base,
        expression: 'fixed',
        formula: `${formatInt(spec.bytes)} B (an override)`,
        basis: 'heuristic',
        range: null,
        notes: ['an override: a fixed size per GPU'],
      };
  }
}
