/**
 * minimax_m2. The config is MiniMaxAI/MiniMax-M2.7's config.json as written down from a raw dump
 * (gogongxt/python scripts/models/minimax_m2.7.md; not fetched here: no network), without its
 * FP8 quantization_config. The count is pinned to what transformers 5.18.0 builds from it
 * (228,689,748,992 parameters on the meta device) plus the 62 × 256 score-correction biases the
 * checkpoint stores as buffers; published: "230B total / 10B active".
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const MINIMAX_M2 = {
  architectures: ['MiniMaxM2ForCausalLM'],
  model_type: 'minimax_m2',
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 3072,
  intermediate_size: 1536,
  max_position_embeddings: 204800,
  mtp_transformer_layers: 1,
  num_attention_heads: 48,
  num_experts_per_tok: 8,
  num_hidden_layers: 62,
  num_key_value_heads: 8,
  num_local_experts: 256,
  num_mtp_modules: 3,
  qk_norm_type: 'per_layer',
  rotary_dim: 64,
  scoring_func: 'sigmoid',
  shared_intermediate_size: 0,
  tie_word_embeddings: false,
  use_mtp: true,
  use_qk_norm: true,
  use_routing_bias: true,
  vocab_size: 200064,
  attn_type_list: Array.from({ length: 62 }, () => 1),
  dtype: 'bfloat16',
};

describe('minimax_m2', () => {
  it('MiniMax-M2.7: 228,689,748,992 + 15,872 score-correction biases; about 11B active', () => {
    const read = readModelConfig(MINIMAX_M2, 'config.json');
    const counts = countParameters(read.arch);
    expect(counts.totalCount).toBe(228_689_748_992 + 62 * 256);
    expect(counts.activeCount).toBe(11_030_553_088);
    expect(read.warnings).toEqual([expect.stringMatching(/3 multi-token-prediction modules .* not counted/)]);
    expect(kvCacheBytes(read.arch, 'bf16', 1000, 1)).toBe(62 * 2 * 8 * 128 * 2 * 1000);
  });

  it('lightning-attention layers (attn_type_list 0) are refused, a shared expert too', () => {
    const lightning = { ...MINIMAX_M2, attn_type_list: [0, ...MINIMAX_M2.attn_type_list.slice(1)] };
    expect(() => readModelConfig(lightning, 'c')).toThrow(/lightning attention/);
    expect(() => readModelConfig({ ...MINIMAX_M2, shared_intermediate_size: 512 }, 'c')).toThrow(/no shared expert/);
  });
});
