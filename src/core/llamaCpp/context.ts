/**
 * llama.cpp's context parameters and how llama.cpp resolves them (src/llama-context.cpp,
 * llama_context::llama_context, llama.cpp as bundled by node-llama-cpp 3.21.1: release v0.4.0,
 * commit 80fb11a of 2026-09-12):
 *   n_ctx      = GGML_PAD(n_ctx, 256)
 *   n_ctx_seq  = n_ctx (unified KV), else GGML_PAD(n_ctx / n_seq_max, 256) and n_ctx = n_ctx_seq × n_seq_max
 *   n_batch    = min(n_ctx as given, n_batch) (causal attention; before the padding)
 *   n_ubatch   = min(n_batch, n_ubatch)
 *   n_outputs_max = n_batch when 0 (llama-cli, llama-bench, node-llama-cpp), else as given (llama-server: one per slot)
 * The worst-case graph is reserved for n_tokens = min(n_ctx, n_ubatch), n_seqs = n_seq_max and
 * n_outputs = min(n_tokens, n_outputs_max) (llama_context::sched_reserve).
 * Flash attention: auto resolves to on where the backend runs the FA op on the layer's device (the
 * CPU and Metal for every head size vram reads; CUDA for equal K and V types among f16, bf16, q8_0
 * and q4_0); a quantized V cache needs it (llama_init_from_model turns auto on, and refuses off).
 */
import type { Dtype } from '../dtype.js';
import { UserError } from '../errors.js';
import { ceilDiv } from '../units.js';

export const FLASH_ATTENTION_MODES = ['on', 'off', 'auto'] as const;
export type FlashAttentionMode = (typeof FLASH_ATTENTION_MODES)[number];

/** llama.cpp's limit on parallel sequences (src/llama-cparams.h LLAMA_MAX_SEQ; "n_seq_max must be <= 256"). */
export const LLAMA_MAX_SEQ = 256;

/** llama.cpp pads n_ctx and each sequence's share to this many cells (GGML_PAD(n_ctx, 256)). */
export const LLAMA_CPP_CTX_PAD = 256;

/** What a front end passes to llama_init_from_model. */
export interface LlamaCppContextParams {
  /** n_ctx: tokens over all sequences (-c). */
  contextTokens: number;
  /** n_seq_max: parallel sequences (-np). */
  sequences: number;
  /** n_batch (-b). */
  batchTokens: number;
  /** n_ubatch (-ub). */
  ubatchTokens: number;
  flashAttention: FlashAttentionMode;
  /** One KV stream shared by all sequences (--kv-unified), or one per sequence. */
  kvUnified: boolean;
  /** The SWA cache as large as the full one (--swa-full). */
  swaFull: boolean;
  kType: Dtype;
  vType: Dtype;
  /** n_outputs_max; 0 = n_batch. */
  outputsMax: number;
  /** Where the layers run: decides what flash attention "auto" resolves to (default: the CPU). */
  backend?: 'cpu' | 'cuda' | 'metal';
}

/** The parameters as llama.cpp resolves them. */
export interface LlamaCppContext {
  params: LlamaCppContextParams;
  /** n_ctx after padding: KV cells over all streams. */
  contextTokens: number;
  /** n_ctx_seq: cells of one stream. */
  sequenceTokens: number;
  /** KV streams: n_seq_max, or 1 when unified. */
  streams: number;
  batchTokens: number;
  ubatchTokens: number;
  outputsMax: number;
  flashAttention: boolean;
  /** Tokens and outputs of the worst-case graph llama.cpp reserves. */
  reserveTokens: number;
  reserveOutputs: number;
}

export function padTo(value: number, multiple: number): number {
  return ceilDiv(value, multiple) * multiple;
}

/** Whether a KV type is one of ggml's block-quantized types. */
export function isQuantizedKv(dtype: Dtype): boolean {
  return dtype.startsWith('q');
}

/**
 * CUDA builds without GGML_CUDA_FA_ALL_QUANTS (the prebuilt ones) have flash-attention kernels only
 * for equal K and V types among f16, bf16, q8_0 and q4_0 (ggml-cuda/fattn.cu); elsewhere "auto"
 * resolves to off (llama_context resolve_fused_ops).
 */
function cudaHasFlashKernel(params: LlamaCppContextParams): boolean {
  const supported: readonly Dtype[] = ['fp16', 'bf16', 'q8_0', 'q4_0', 'fp32'];
  return params.kType === params.vType && supported.includes(params.kType);
}

function resolvedFlashAttention(params: LlamaCppContextParams): boolean {
  const auto = params.flashAttention === 'auto';
  if (auto && params.backend === 'cuda' && !cudaHasFlashKernel(params)) {
    if (isQuantizedKv(params.vType))
      throw new UserError(
        `V cache ${params.vType} with K ${params.kType}: CUDA builds have no flash-attention kernel for this pair, so -fa auto turns it off and llama.cpp refuses the quantized V cache ("quantized V cache requires Flash Attention"); use equal K and V types among f16, q8_0 and q4_0`,
      );
    return false;
  }
  if (isQuantizedKv(params.vType)) {
    if (params.flashAttention === 'off')
      throw new UserError(
        `V cache ${params.vType} (--kv-dtype or --v-dtype): llama.cpp refuses a quantized V cache without flash attention ("quantized V cache requires flash_attn to be enabled"); use --attention flash or auto`,
      );
    return true;
  }
  return params.flashAttention !== 'off';
}

export function resolveLlamaCppContext(params: LlamaCppContextParams): LlamaCppContext {
  const streams = params.kvUnified ? 1 : params.sequences;
  let contextTokens = padTo(params.contextTokens, LLAMA_CPP_CTX_PAD);
  let sequenceTokens = contextTokens;
  if (!params.kvUnified) {
    sequenceTokens = padTo(Math.floor(contextTokens / params.sequences), LLAMA_CPP_CTX_PAD);
    contextTokens = sequenceTokens * params.sequences;
  }
  // n_batch is capped by n_ctx as passed, before the padding (llama_context::llama_context).
  const batchTokens = Math.min(params.contextTokens, params.batchTokens);
  const ubatchTokens = Math.min(batchTokens, params.ubatchTokens);
  const outputsMax = params.outputsMax === 0 ? batchTokens : params.outputsMax;
  const reserveTokens = Math.min(contextTokens, ubatchTokens);
  return {
    params,
    contextTokens,
    sequenceTokens,
    streams,
    batchTokens,
    ubatchTokens,
    outputsMax,
    flashAttention: resolvedFlashAttention(params),
    reserveTokens,
    reserveOutputs: Math.min(reserveTokens, outputsMax),
  };
}
