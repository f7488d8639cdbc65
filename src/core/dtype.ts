/**
 * Storage data types and their exact sizes.
 *
 * Sizes are kept in bits so sub-byte types stay exact: bytes = ceil(elements × bits / 8).
 * int4 is the nominal 4 bits per element; block scales of real quantization formats
 * (GPTQ, AWQ, NF4, GGUF) are not included here.
 */
import { ceilDiv, exact } from './units.js';

export const DTYPES = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4'] as const;
export type Dtype = (typeof DTYPES)[number];

export const DTYPE_BITS: Readonly<Record<Dtype, number>> = {
  fp32: 32,
  fp16: 16,
  bf16: 16,
  fp8: 8,
  int8: 8,
  int4: 4,
};

/** Bytes per element as printed in formulas: "2 B", "0.5 B". */
export function bytesPerElementLabel(dtype: Dtype): string {
  return `${DTYPE_BITS[dtype] / 8} B`;
}

/** Exact bytes to store `elementCount` elements of `dtype` (sub-byte types rounded up once). */
export function dtypeBytes(elementCount: number, dtype: Dtype): number {
  const bits = DTYPE_BITS[dtype];
  if (bits % 8 === 0) return exact(elementCount * (bits / 8), `${dtype} storage`);
  return ceilDiv(exact(elementCount * bits, `${dtype} storage`), 8);
}

/** Maps a Hugging Face `torch_dtype` string to a dtype, or null when unknown/absent. */
export function dtypeFromTorch(torchDtype: unknown): Dtype | null {
  switch (torchDtype) {
    case 'float32':
      return 'fp32';
    case 'float16':
      return 'fp16';
    case 'bfloat16':
      return 'bf16';
    default:
      return null;
  }
}
