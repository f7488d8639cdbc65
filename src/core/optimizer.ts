/**
 * Model states in training: gradients and optimizer states, per trainable parameter.
 *
 * Precision (ZeRO, arXiv:1910.02054, §3; REFERENCES.md "Training"):
 *   mixed: 16-bit weights (2 B) and gradients (2 B); fp32 master weights (4 B) kept with the
 *          optimizer states, which are fp32.             Adam: 2 + 2 + (4 + 4 + 4) = 16 B/param.
 *   fp32:  weights 4 B, gradients 4 B, fp32 states.      Adam: 4 + 4 + 8 = 16 B/param.
 *   bf16:  pure 16-bit weights, gradients and states.    Adam: 2 + 2 + 4 = 8 B/param.
 * Optimizer states per parameter: Adam/AdamW two moments; SGD with momentum one; plain SGD none;
 * 8-bit AdamW (bitsandbytes) two 1-byte moments (its small per-block scales are not counted).
 */
import type { Component } from './component.js';
import { exact, formatInt } from './units.js';

export const OPTIMIZERS = ['adamw', 'adam', 'sgd', 'sgd-momentum', 'adamw-8bit'] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

export const PRECISIONS = ['mixed', 'fp32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Bytes per parameter of the weights the model computes with. */
export function weightBytesPerParameter(precision: Precision): number {
  return precision === 'fp32' ? 4 : 2;
}

/** Bytes per trainable parameter of the gradients (same dtype as the compute weights). */
export function gradientBytesPerParameter(precision: Precision): number {
  return weightBytesPerParameter(precision);
}

/** fp32 master copy bytes per parameter (mixed precision only). */
export function masterWeightBytesPerParameter(precision: Precision): number {
  return precision === 'mixed' ? 4 : 0;
}

/** Number of per-parameter optimizer states and bytes per state. */
export function optimizerStateLayout(optimizer: Optimizer, precision: Precision): { stateCount: number; bytesPerState: number } {
  const fullBytes = precision === 'bf16' ? 2 : 4;
  switch (optimizer) {
    case 'adam':
    case 'adamw':
      return { stateCount: 2, bytesPerState: fullBytes };
    case 'adamw-8bit':
      return { stateCount: 2, bytesPerState: 1 };
    case 'sgd-momentum':
      return { stateCount: 1, bytesPerState: fullBytes };
    case 'sgd':
      return { stateCount: 0, bytesPerState: fullBytes };
  }
}

export function gradientsComponent(trainableCount: number, precision: Precision): Component {
  const bytesPer = gradientBytesPerParameter(precision);
  return {
    id: 'gradients',
    label: 'Gradients',
    bytes: exact(trainableCount * bytesPer, 'gradients'),
    expression: 'trainable params × grad bytes',
    formula: `${formatInt(trainableCount)} params × ${bytesPer} B (${bytesPer === 4 ? 'fp32' : '16-bit'})`,
    basis: 'exact',
    range: null,
    notes: [],
  };
}

export function optimizerStatesComponent(trainableCount: number, optimizer: Optimizer, precision: Precision): Component {
  const master = masterWeightBytesPerParameter(precision);
  const { stateCount, bytesPerState } = optimizerStateLayout(optimizer, precision);
  const perParameter = master + stateCount * bytesPerState;
  const parts = [
    ...(master > 0 ? [`${master} B fp32 master`] : []),
    ...(stateCount > 0 ? [`${stateCount} × ${bytesPerState} B ${optimizer} state${stateCount > 1 ? 's' : ''}`] : []),
  ];
  const notes =
    optimizer === 'adamw-8bit'
      ? ['bitsandbytes keeps one fp32 scale per block of moments and leaves tensors under 4,096 elements in 32-bit; neither is counted']
      : [];
  return {
    id: 'optimizer_states',
    label: 'Optimizer states',
    bytes: exact(trainableCount * perParameter, 'optimizer states'),
    expression: 'trainable params × (master + states) bytes',
    formula: `${formatInt(trainableCount)} params × ${perParameter} B${parts.length > 0 ? ` (${parts.join(' + ')})` : ' (none)'}`,
    basis: 'exact',
    range: null,
    notes,
  };
}
