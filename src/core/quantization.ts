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
 * - MXFP4 (gpt-oss): routed experts at 32 4-bit values + an 8-bit scale (17 B per 32 weights).
 * - GGUF types: blocks per row at the type's block bytes (ggmlTypes), with llama.cpp's per-tensor
 *   rules (src/llama-quant.cpp, llama_tensor_get_type): output (or a tied token_embd) at least
 *   Q6_K (Q8_0 for Falcon and rows not divisible by 256); the _M mixes give attn_v and ffn_down
 *   Q6_K where use_more_bits picks, fused attn_qkv Q5_K/Q6_K; Q4_K_S gives attn_v Q5_K in the first
 *   4 layers and ffn_down Q5_K in the first eighth; 8-expert models Q8_0 attn_k/attn_v and Q5_K
 *   attn_output; 70B attn_v Q5_K; k-quant rows that are not whole blocks fall back to
 *   Q5_0/Q5_1/Q8_0 (convert_incompatible_tensor). Norms and biases are F32.
 * Checkpoint quantizers (GPTQ, AWQ, bitsandbytes, FP8) leave embeddings and the head in 16-bit.
 */
import type { ModelArchitecture } from './architecture.js';
import { type Component, component } from './component.js';
import { DTYPE_BLOCKS } from './dtype.js';
import { countParameters } from './parameters.js';
import { ceilDiv, exact, formatInt } from './units.js';
import { type WeightMatrix, matrixParameterCount, weightMatrices } from './weightMatrices.js';
import { ownValue } from './ownKey.js';

/** The GGUF block types vram estimates with (a subset of ggml's, by name). */
export type GgufBlockType = 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q2_k' | 'q3_k' | 'q4_k' | 'q5_k' | 'q6_k';

/** Block layout of each GGUF block type. */
export const GGUF_BLOCKS: Readonly<Record<GgufBlockType, { elements: number; bytes: number }>> = {
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
export const GGUF_FILE_TYPES: Readonly<Record<string, { base: GgufBlockType }>> = {
  q4_0: { base: 'q4_0' },
  q4_1: { base: 'q4_1' },
  q5_0: { base: 'q5_0' },
  q5_1: { base: 'q5_1' },
  q8_0: { base: 'q8_0' },
  q4_k_s: { base: 'q4_k' },
  q4_k_m: { base: 'q4_k' },
  q5_k_s: { base: 'q5_k' },
  q5_k_m: { base: 'q5_k' },
  q6_k: { base: 'q6_k' },
};

/** What llama.cpp's per-tensor rules need to know about the model. */
interface GgufContext {
  fileType: string;
  layerCount: number;
  expertCount: number;
  falcon: boolean;
  /** LLaMA-70B-class models (80 layers) get attn_v bumped to Q5_K. */
  seventyB: boolean;
  /** Families whose q/k/v are one fused attn_qkv tensor. */
  fusedQkv: boolean;
  /** No output.weight: token_embd takes the output rule. */
  tied: boolean;
}

/** Families storing q/k/v as one attn_qkv tensor in GGUF. */
const FUSED_QKV_FAMILIES = new Set(['phi3', 'falcon', 'bloom', 'gpt_neox', 'gpt2']);

/** k-quant fallbacks when a row is not a whole number of 256-element blocks (convert_incompatible_tensor). */
const K_QUANT_FALLBACK: Readonly<Partial<Record<GgufBlockType, GgufBlockType>>> = {
  q4_k: 'q5_0',
  q5_k: 'q5_1',
  q6_k: 'q8_0',
};

export type WeightFormat =
  | { kind: 'gptq' | 'awq'; bits: number; groupSize: number | null }
  | { kind: 'bnb-int8' }
  | { kind: 'bnb-4bit'; quantType: 'nf4' | 'fp4'; doubleQuant: boolean }
  | { kind: 'fp8'; blockSize: [number, number] | null }
  /** FP8 weights with one fp32 scale per output channel (compressed-tensors "channel", fbgemm_fp8). */
  | { kind: 'fp8-channel' }
  /** Integer weights, packed, with a 16-bit scale per group (per output channel when groupSize is null) and optional zero points (compressed-tensors). */
  | { kind: 'int-group'; bits: number; groupSize: number | null; zeroPoints: boolean }
  | { kind: 'mxfp4' }
  | { kind: 'gguf'; fileType: string };

/** MXFP4 (OCP microscaling): 32 4-bit values share one 8-bit scale, 17 bytes per 32 weights. */
export const MXFP4_BLOCK = { elements: 32, bytes: 17 };

/** bitsandbytes 4-bit block size and the nested block count of double quantization (QLoRA §2). */
export const BNB_4BIT_BLOCK = 64;
export const BNB_DOUBLE_QUANT_BLOCK = 256;

/** llama.cpp's use_more_bits, with C integer division. */
function useMoreBits(layer: number, layerCount: number): boolean {
  const eighth = Math.floor(layerCount / 8);
  return layer < eighth || layer >= Math.floor((7 * layerCount) / 8) || (layer - eighth) % 3 === 2;
}

function ggufMatrixBytes(m: WeightMatrix, type: GgufBlockType, copies: number): number {
  const block = GGUF_BLOCKS[type];
  return copies * m.outFeatures * ceilDiv(m.inFeatures, block.elements) * block.bytes;
}

/** llama.cpp's type for one tensor of a layer (src/llama-quant.cpp, llama_tensor_get_type). */
function ggufType(m: WeightMatrix, layer: number, context: GgufContext): GgufBlockType {
  const { fileType } = context;
  const base = ownValue(GGUF_FILE_TYPES, fileType)?.base;
  if (base === undefined)
    throw new Error(`GGUF file type "${fileType}" is not one of ${Object.keys(GGUF_FILE_TYPES).join(', ')}`);
  let type = base;
  const mix = fileType === 'q4_k_m' || fileType === 'q5_k_m';
  if (m.kind === 'output' || (context.tied && m.kind === 'token_embd')) {
    if (context.falcon || m.inFeatures % 256 !== 0) return 'q8_0';
    return type === 'q8_0' ? type : 'q6_k';
  }
  if (context.fusedQkv && (m.kind === 'attn_q' || m.kind === 'attn_k' || m.kind === 'attn_v')) {
    if (fileType === 'q4_k_m') type = 'q5_k';
    else if (fileType === 'q5_k_m') type = 'q6_k';
  } else if (m.kind === 'attn_v') {
    if (mix && useMoreBits(layer, context.layerCount)) type = 'q6_k';
    else if (fileType === 'q4_k_s' && layer < 4) type = 'q5_k';
    if (context.seventyB && type === 'q4_k') type = 'q5_k';
    if (context.expertCount === 8) type = 'q8_0';
  } else if (m.kind === 'attn_k') {
    if (context.expertCount === 8) type = 'q8_0';
  } else if (m.kind === 'ffn_down') {
    if (mix && useMoreBits(layer, context.layerCount)) type = 'q6_k';
    else if (fileType === 'q4_k_s' && !context.falcon && layer < Math.floor(context.layerCount / 8)) type = 'q5_k';
  } else if (m.kind === 'attn_output') {
    if (!context.falcon && context.expertCount === 8 && (fileType === 'q4_k_s' || fileType === 'q4_k_m')) type = 'q5_k';
  }
  return m.inFeatures % GGUF_BLOCKS[type].elements === 0 ? type : (ownValue(K_QUANT_FALLBACK, type) ?? type);
}

function ggufBytes(m: WeightMatrix, context: GgufContext): number {
  if (m.layers.length === 0) return ggufMatrixBytes(m, ggufType(m, 0, context), m.count);
  const perLayer = m.count / m.layers.length;
  return m.layers.reduce((total, layer) => total + ggufMatrixBytes(m, ggufType(m, layer, context), perLayer), 0);
}

/** Bytes one format stores for the given matrices. */
function matrixBytes(format: WeightFormat, m: WeightMatrix, context: GgufContext): number {
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
      const absmax = format.doubleQuant
        ? blocks + m.count * ceilDiv(ceilDiv(m.inFeatures * m.outFeatures, BNB_4BIT_BLOCK), BNB_DOUBLE_QUANT_BLOCK) * 4
        : blocks * 4;
      return ceilDiv(weights, 2) + absmax;
    }
    case 'fp8': {
      const scales =
        format.blockSize === null
          ? 1
          : ceilDiv(m.outFeatures, format.blockSize[0]) * ceilDiv(m.inFeatures, format.blockSize[1]);
      return weights + m.count * scales * 4;
    }
    case 'mxfp4':
      return m.count * m.outFeatures * ceilDiv(m.inFeatures, MXFP4_BLOCK.elements) * MXFP4_BLOCK.bytes;
    case 'fp8-channel':
      return weights + m.count * m.outFeatures * 4;
    case 'int-group': {
      const groups = format.groupSize === null ? 1 : ceilDiv(m.inFeatures, format.groupSize);
      const packed = ceilDiv(weights * format.bits, 8);
      const scales = m.count * groups * m.outFeatures * 2;
      const zeros = format.zeroPoints ? m.count * ceilDiv(groups * m.outFeatures * format.bits, 8) : 0;
      return packed + scales + zeros;
    }
    case 'gguf':
      return ggufBytes(m, context);
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
    case 'mxfp4':
      return 'MXFP4 experts';
    case 'fp8-channel':
      return 'FP8 with per-channel scales';
    case 'int-group':
      return `int${format.bits}, ${format.groupSize === null ? 'per-channel' : `group ${format.groupSize}`} scales${format.zeroPoints ? ' and zero points' : ''}`;
    case 'gguf':
      return `GGUF ${format.fileType.toUpperCase()}`;
  }
}

export function quantizedWeightsComponent(arch: ModelArchitecture, format: WeightFormat): Component {
  const all = weightMatrices(arch);
  const quantized =
    format.kind === 'gguf'
      ? all
      : format.kind === 'mxfp4'
        ? all.filter((m) => m.expert)
        : all.filter((m) => m.kind !== 'token_embd' && m.kind !== 'output');
  const layerCount = Math.max(1, ...all.flatMap((m) => m.layers).map((l) => l + 1));
  const context: GgufContext = {
    fileType: format.kind === 'gguf' ? format.fileType : '',
    layerCount,
    expertCount: Math.max(0, ...arch.layers.map((g) => g.mlp?.experts?.expertCount ?? 0)),
    falcon: arch.modelType === 'falcon',
    seventyB: arch.modelType === 'llama' && layerCount === 80,
    fusedQkv: FUSED_QKV_FAMILIES.has(arch.modelType),
    tied: !all.some((m) => m.kind === 'output'),
  };
  const quantizedBytes = exact(
    quantized.reduce((total, m) => total + matrixBytes(format, m, context), 0),
    'quantized weights',
  );
  const restCount = countParameters(arch).totalCount - matrixParameterCount(quantized);
  const restBytesPer = format.kind === 'gguf' ? 4 : 2;
  const restBytes = exact(restCount * restBytesPer, 'unquantized weights');
  const restWhat =
    format.kind === 'gguf' ? 'norms and biases in F32' : 'embeddings, head, norms, biases and routers in 16-bit';
  const bytes = exact(quantizedBytes + restBytes, 'weights');
  const expression = 'quantized matrices + unquantized rest';
  return component({ id: 'weights', label: 'Weights', bytes, expression, basis: 'exact', range: null }, () => ({
    formula: `${formatInt(matrixParameterCount(quantized))} params in ${formatLabel(format)} = ${formatInt(quantizedBytes)} B + ${formatInt(restCount)} params × ${restBytesPer} B (${restWhat})`,
    notes: [
      `${formatLabel(format)}: ${((quantizedBytes * 8) / matrixParameterCount(quantized) || 0).toFixed(3)} bits per quantized weight, scales and zeros included`,
      ...(format.kind === 'gguf'
        ? [
            "llama.cpp's per-tensor rules: output (or a tied token_embd) at least Q6_K; the _M mixes give attn_v and ffn_down Q6_K where use_more_bits picks; 8-expert models Q8_0 attn_k/attn_v; rows that are not whole 256-blocks fall back to Q5_0/Q5_1/Q8_0",
          ]
        : []),
    ],
  }));
}
