/**
 * Storage data types and their exact sizes.
 *
 * Sizes are kept as blocks so sub-byte and block types stay exact:
 *   bytes = ceil(elements / block elements) × block bytes
 * int4 is the nominal 4 bits per element; q8_0 … q4_0 are llama.cpp's 32-element blocks with an
 * fp16 scale (ggml-common.h), used for KV caches. Weight formats with scales and zeros (GPTQ, AWQ,
 * NF4, FP8, GGUF k-quants) live in quantization.ts.
 */
import { ceilDiv, exact } from './units.js';

export const DTYPES = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4', 'q8_0', 'q5_1', 'q5_0', 'q4_1', 'q4_0'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Elements and bytes per block: one element for plain types, 32 for llama.cpp's block types. */
export const DTYPE_BLOCKS: Readonly<Record<Dtype, { elements: number; bytes: number }>> = {
  fp32: { elements: 1, bytes: 4 },
  fp16: { elements: 1, bytes: 2 },
  bf16: { elements: 1, bytes: 2 },
  fp8: { elements: 1, bytes: 1 },
  int8: { elements: 1, bytes: 1 },
  int4: { elements: 2, bytes: 1 },
  q8_0: { elements: 32, bytes: 34 },
  q5_1: { elements: 32, bytes: 24 },
  q5_0: { elements: 32, bytes: 22 },
  q4_1: { elements: 32, bytes: 20 },
  q4_0: { elements: 32, bytes: 18 },
};

/** Bits per element, e.g. 16 for bf16, 8.5 for q8_0. */
export function dtypeBits(dtype: Dtype): number {
  const block = DTYPE_BLOCKS[dtype];
  return (block.bytes * 8) / block.elements;
}

/** Bytes per element as printed in formulas: "2 B", "0.5 B", "1.0625 B". */
export function bytesPerElementLabel(dtype: Dtype): string {
  return `${dtypeBits(dtype) / 8} B`;
}

/** Exact bytes to store `elementCount` elements of `dtype` (whole blocks, rounded up once). */
export function dtypeBytes(elementCount: number, dtype: Dtype): number {
  const block = DTYPE_BLOCKS[dtype];
  const bytes = ceilDiv(elementCount, block.elements) * block.bytes;
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : exact(bytes, `${dtype} storage`); // the message only on failure
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
