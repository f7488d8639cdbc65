/**
 * llama.cpp's KV cache, cell by cell (src/llama-kv-cache.cpp, src/llama-kv-cache-iswa.cpp):
 *   each layer holds K [n_embd_k_gqa, kv_size, n_stream] of type_k and V [n_embd_v_gqa, kv_size,
 *   n_stream] of type_v; n_stream = n_seq_max per sequence, 1 unified; kv_size = n_ctx_seq
 *   sliding-window layers (iSWA models): kv_size = GGML_PAD(min(n_ctx_seq, n_swa × (unified ? n_seq_max : 1)
 *     + n_ubatch), 256), or n_ctx_seq with --swa-full
 *   a row of a block-quantized type (q8_0, q4_0…) is n / 32 blocks (ggml_row_size)
 * Without flash attention V is stored transposed, its rows n_embd_v_gqa_max wide (the widest layer).
 */
import type { StandardAttention } from '../architecture.js';
import { dtypeBytes } from '../dtype.js';
import { exact } from '../units.js';
import { LLAMA_CPP_CTX_PAD, type LlamaCppContext, padTo } from './context.js';

/** Cells one layer's cache holds per stream. */
export function llamaCppLayerCells(attention: StandardAttention, context: LlamaCppContext): number {
  const full = context.sequenceTokens;
  if (attention.window === null || context.params.swaFull) return full;
  const sequencesPerStream = context.streams === 1 ? context.params.sequences : 1;
  return padTo(Math.min(full, attention.window * sequencesPerStream + context.ubatchTokens), LLAMA_CPP_CTX_PAD);
}

/** K and V bytes of one layer's cache over all streams. */
export function llamaCppLayerKvBytes(
  attention: StandardAttention,
  context: LlamaCppContext,
  vRowElements: number,
): { kBytes: number; vBytes: number; cells: number } {
  const cells = llamaCppLayerCells(attention, context) * context.streams;
  const kRow = dtypeBytes(attention.kvHeadCount * attention.headDim, context.params.kType);
  const vRow = dtypeBytes(
    context.flashAttention ? attention.kvHeadCount * attention.headDim : vRowElements,
    context.params.vType,
  );
  return { kBytes: exact(kRow * cells, 'K cache bytes'), vBytes: exact(vRow * cells, 'V cache bytes'), cells };
}
