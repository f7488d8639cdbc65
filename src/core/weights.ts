/**
 * Weights: every stored parameter at the storage dtype.
 *   bytes = parameters × bits / 8
 * Exact for plain dtypes. Quantized formats' block scales and unquantized embeddings are not
 * modelled by the nominal int8/int4/fp8 dtypes (the checkpoint readers of a later issue count them).
 */
import type { Component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { formatInt } from './units.js';

export function weightsComponent(parameterCount: number, dtype: Dtype): Component {
  const notes =
    dtype === 'int8' || dtype === 'int4' || dtype === 'fp8'
      ? [`${dtype} is counted at its nominal ${bytesPerElementLabel(dtype)} per parameter: quantization scales and layers kept in 16-bit add a few percent`]
      : [];
  return {
    id: 'weights',
    label: 'Weights',
    bytes: dtypeBytes(parameterCount, dtype),
    expression: 'params × bytes/param',
    formula: `${formatInt(parameterCount)} params × ${bytesPerElementLabel(dtype)} (${dtype})`,
    basis: 'exact',
    range: null,
    notes,
  };
}
