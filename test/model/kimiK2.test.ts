/**
 * kimi_k2 (Kimi K2) is read as DeepSeek-V3's architecture, which its config names
 * (DeepseekV3ForCausalLM): MLA, one leading dense layer, 384 routed experts (8 active) and a shared
 * one. The config below is the shape of moonshotai/Kimi-K2-Instruct as written down from its Hub
 * config.json (not fetched here: no network). The model card publishes "1 trillion total
 * parameters" and "32 billion activated"; the count below is the DeepSeek-V3 reader's, checked
 * against those within their rounding.
 */
import { describe, expect, it } from 'vitest';
import { kvElementsPerToken } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const KIMI_K2 = {
  architectures: ['DeepseekV3ForCausalLM'],
  model_type: 'kimi_k2',
  hidden_size: 7168,
  intermediate_size: 18432,
  moe_intermediate_size: 2048,
  num_hidden_layers: 61,
  num_attention_heads: 64,
  num_key_value_heads: 64,
  n_shared_experts: 1,
  n_routed_experts: 384,
  num_experts_per_tok: 8,
  first_k_dense_replace: 1,
  moe_layer_freq: 1,
  topk_method: 'noaux_tc',
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_nope_head_dim: 128,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  vocab_size: 163840,
  max_position_embeddings: 131072,
  num_nextn_predict_layers: 0,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};

describe('kimi_k2 (Kimi K2)', () => {
  const { arch, warnings } = readModelConfig(KIMI_K2, 'kimi-k2');

  it('counts about 1 trillion parameters, about 32 billion active', () => {
    const counts = countParameters(arch);
    expect(counts.totalCount).toBe(1_026_408_232_448);
    expect(Math.abs(counts.totalCount / 1e12 - 1)).toBeLessThan(0.03); // "1 trillion total parameters"
    expect(Math.abs(counts.activeCount / 32e9 - 1)).toBeLessThan(0.03); // "32 billion activated"
    expect(arch.modelType).toBe('kimi_k2');
    expect(warnings).toEqual([]);
  });

  it('caches the MLA latent: 61 layers × (512 + 64) elements per token', () => {
    expect(kvElementsPerToken(arch)).toBe(61 * (512 + 64));
  });
});
