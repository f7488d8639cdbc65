/**
 * Attention implementations and the score-matrix bytes each keeps.
 *
 * flash: FlashAttention never materialises the s × s scores; it keeps a fp32 log-sum-exp per
 *   head and query (Dao et al. 2022, arXiv:2205.14135, §3.1).
 * eager: transformers' `eager_attention_forward` computes softmax in fp32 and casts it back to
 *   the activation dtype before multiplying by V (modeling_llama.py:
 *   `softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)`).
 */
export const ATTENTION_IMPLEMENTATIONS = ['flash', 'eager'] as const;
export type AttentionImplementation = (typeof ATTENTION_IMPLEMENTATIONS)[number];

/** Bytes of the fp32 softmax output transformers' eager attention computes and keeps for backward. */
export const EAGER_SOFTMAX_BYTES = 4;
/** Bytes per element of FlashAttention's saved log-sum-exp (fp32). */
export const FLASH_LSE_BYTES = 4;
