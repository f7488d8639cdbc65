/**
 * Quantized weight formats: the exact bytes each stores for a model's weight matrices, with the
 * rest (embeddings and head for checkpoint quantizers, norms, biases, routers) kept unquantized.
 *
 * - GPTQ (AutoGPTQ/GPTQModel): qweight int32 in·out·bits/8, qzeros int32 (in/g)·out·bits/8,
 *   fp16 scales (in/g)·out·2, g_idx int32 in·4; g = group_size (in when −1).
 * - AWQ (AutoAWQ GEMM): qweight in·out·bits/8, qzeros (in/g)·out·bits/8, fp16 scales (in/g)·out·2.
 * - bitsandbytes int8 (LLM.int8, arXiv:2208.07339): int8 weights + one fp32 scale per output row.
 * - bitsandbytes 4-bit NF4/FP4 (QLoRA, arXiv:2305.14314 §2): 4-bit weights + an absmax per block
 *   of 64: fp32 (4 B), or with double quantization 8-bit (1 B) plus an fp32 per 256 blocks.
 * - FP8 (fine-grained, e.g. DeepSeek-V3's weight_block_size [128, 128]): 1 B per weight + an fp32
 *   scale per block (per tensor without a block size).
 * - GGUF types: ceil(in / block) blocks per row at the type's block bytes (ggmlTypes). llama.cpp
 *   keeps output.weight at ≥ Q6_K and, for the _M mixes, gives attn_v and ffn_down Q6_K in the
 *   layers use_more_bits picks (src/llama-quant.cpp, llama_tensor_get_type); norms are F32.
 * Checkpoint quantizers (GPTQ, AWQ, bitsandbytes, FP8) leave embeddings and the head in 16-bit.
 */
import type { ModelArchitecture } from './architecture.js';
import type { Component } from './component.js';
import { DTYPE_BLOCKS } from './dtype.js';
import { countParameters } from './parameters.js';
import { ceilDiv, exact, formatInt } from './units.js';
import { type WeightMatrix, matrixParameterCount, weightMatrices } from './weightMatrices.js';

/** Block layout of the GGUF types vram estimates with (a subset of ggml's, by name). */
export const GGUF_BLOCKS: Readonly<Record<string, { elements: number; bytes: number }>> = {
  q4_0: DTYPE_BLOCKS.q4_0,
  q4_1: DTYPE_BLOCKS.q4_1,
  q5_0: DTYPE_BLOCKS.q5_0,
  q5_1: DTYPE_BLOCKS.q5_1,
  q8_0: DTYPE_BLOCKS.q8_0,
  q2_k: { elements: 256, bytes: 84 },
  q3_k: { elements: 256, bytes: 110 },
  q4_k: { elements: 256, bytes: 144 },
  q5_k: { elements: 256, bytes: 176 },
  q6_k: { elements: 256, bytes: 210 },
};

/** GGUF file types: a base block type, and for the _M mixes the type of the layers given more bits. */
export const GGUF_FILE_TYPES: Readonly<Record<string, { base: string; moreBits: string | null }>> = {
  q4_0: { base: 'q4_0', moreBits: null },
  q4_1: { base: 'q4_1', moreBits: null },
  q5_0: { base: 'q5_0', moreBits: null },
  q5_1: { base: 'q5_1', moreBits: null },
  q8_0: { base: 'q8_0', moreBits: null },
  q2_k: { base: 'q2_k', moreBits: null },
  q3_k: { base: 'q3_k', moreBits: null },
  q4_k: { base: 'q4_k', moreBits: null },
  q4_k_s: { base: 'q4_k', moreBits: null },
  q4_k_m: { base: 'q4_k', moreBits: 'q6_k' },
  q5_k: { base: 'q5_k', moreBits: null },
  q5_k_s: { base: 'q5_k', moreBits: null },
  q5_k_m: { base: 'q5_k', moreBits: 'q6_k' },
  q6_k: { base: 'q6_k', moreBits: null },
};

export type WeightFormat =
  | { kind: 'gptq' | 'awq'; bits: number; groupSize: number | null }
  | { kind: 'bnb-int8' }
  | { kind: 'bnb-4bit'; quantType: 'nf4' | 'fp4'; doubleQuant: boolean }
  | { kind: 'fp8'; blockSize: [number, number] | null }
  | { kind: 'gguf'; fileType: string };

/** bitsandbytes 4-bit block size and the nested block count of double quantization (QLoRA §2). */
export const BNB_4BIT_BLOCK = 64;
export const BNB_DOUBLE_QUANT_BLOCK = 256;

/** llama.cpp's use_more_bits, with C integer division. */
function useMoreBits(layer: number, layerCount: number): boolean {
  const eighth = Math.floor(layerCount / 8);
  return layer < eighth || layer >= Math.floor((7 * layerCount) / 8) || (layer - eighth) % 3 === 2;
}

function ggufMatrixBytes(m: WeightMatrix, type: string, copies: number): number {
  const block = GGUF_BLOCKS[type]!;
  return copies * m.outFeatures * ceilDiv(m.inFeatures, block.elements) * block.bytes;
}

function ggufBytes(m: WeightMatrix, fileType: string, layerCount: number): number {
  const { base, moreBits } = GGUF_FILE_TYPES[fileType]!;
  const baseBytes = GGUF_BLOCKS[base]!.bytes / GGUF_BLOCKS[base]!.elements;
  if (m.kind === 'output') return ggufMatrixBytes(m, baseBytes < 210 / 256 ? 'q6_k' : base, 1);
  if (moreBits !== null && (m.kind === 'attn_v' || m.kind === 'ffn_down') && m.layers.length > 0) {
    const perLayer = m.count / m.layers.length;
    const boosted = m.layers.filter((layer) => useMoreBits(layer, layerCount)).length;
    return ggufMatrixBytes(m, moreBits, boosted * perLayer) + ggufMatrixBytes(m, base, (m.layers.length - boosted) * perLayer);
  }
  return ggufMatrixBytes(m, base, m.count);
}

/** Bytes one format stores for the given matrices. */
function matrixBytes(format: WeightFormat, m: WeightMatrix, layerCount: number): number {
  const weights = m.count * m.inFeatures * m.outFeatures;
  switch (format.kind) {
    case 'gptq':
    case 'awq': {
      const groups = format.groupSize === null ? 1 : ceilDiv(m.inFeatures, format.groupSize);
      const packed = ceilDiv(weights * format.bits, 8);
      const zeros = m.count * ceilDiv(groups * m.outFeatures * format.bits, 8);
      const scales = m.count * groups * m.outFeatures * 2;
      const gIdx = format.kind === 'gptq' ? m.count * m.inFeatures * 4 : 0;
      return packed + zeros + scales + gIdx;
    }
    case 'bnb-int8':
      return weights + m.count * m.outFeatures * 4;
    case 'bnb-4bit': {
      const blocks = m.count * ceilDiv(m.inFeatures * m.outFeatures, BNB_4BIT_BLOCK);
      const absmax = format.doubleQuant ? blocks + m.count * ceilDiv(ceilDiv(m.inFeatures * m.outFeatures, BNB_4BIT_BLOCK), BNB_DOUBLE_QUANT_BLOCK) * 4 : blocks * 4;
      return ceilDiv(weights, 2) + absmax;
    }
    case 'fp8': {
      const scales = format.blockSize === null ? 1 : ceilDiv(m.outFeatures, format.blockSize[0]) * ceilDiv(m.inFeatures, format.blockSize[1]);
      return weights + m.count * scales * 4;
    }
    case 'gguf':
      return ggufBytes(m, format.fileType, layerCount);
  }
}

export function formatLabel(format: WeightFormat): string {
  switch (format.kind) {
    case 'gptq':
    case 'awq':
      return `${format.kind.toUpperCase()} ${format.bits}-bit, group ${format.groupSize ?? 'per channel'}`;
    case 'bnb-int8':
      return 'bitsandbytes int8';
    case 'bnb-4bit':
      return `bitsandbytes ${format.quantType.toUpperCase()}${format.doubleQuant ? ' + double quantization' : ''}`;
    case 'fp8':
      return `FP8${format.blockSize ? ` with ${format.blockSize.join('×')} block scales` : ''}`;
    case 'gguf':
      return `GGUF ${format.fileType.toUpperCase()}`;
  }
}

export function quantizedWeightsComponent(arch: ModelArchitecture, format: WeightFormat): Component {
  const all = weightMatrices(arch);
  const quantized = format.kind === 'gguf' ? all : all.filter((m) => m.kind !== 'token_embd' && m.kind !== 'output');
  const layerCount = Math.max(1, ...all.flatMap((m) => m.layers).map((l) => l + 1));
  const quantizedBytes = exact(quantized.reduce((total, m) => total + matrixBytes(format, m, layerCount), 0), 'quantized weights');
  const restCount = countParameters(arch).totalCount - matrixParameterCount(quantized);
  const restBytesPer = format.kind === 'gguf' ? 4 : 2;
  const restBytes = exact(restCount * restBytesPer, 'unquantized weights');
  const restWhat = format.kind === 'gguf' ? 'norms and biases in F32' : 'embeddings, head, norms, biases and routers in 16-bit';
  return {
    id: 'weights',
    label: 'Weights',
    bytes: exact(quantizedBytes + restBytes, 'weights'),
    expression: 'quantized matrices + unquantized rest',
    formula: `${formatInt(matrixParameterCount(quantized))} params in ${formatLabel(format)} = ${formatInt(quantizedBytes)} B + ${formatInt(restCount)} params × ${restBytesPer} B (${restWhat})`,
    basis: 'exact',
    range: null,
    notes: [
      `${formatLabel(format)}: ${(((quantizedBytes * 8) / matrixParameterCount(quantized)) || 0).toFixed(3)} bits per quantized weight, scales and zeros included`,
      ...(format.kind === 'gguf' ? ['llama.cpp rules: output.weight at least Q6_K; the _M mixes give attn_v and ffn_down Q6_K in the layers use_more_bits picks'] : []),
    ],
  };
}
