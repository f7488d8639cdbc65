/**
 * glm4_moe (GLM-4.5, GLM-4.5-Air). The configs below are the shapes of zai-org/GLM-4.5 and
 * GLM-4.5-Air as written down from their Hub config.json files (not fetched here: no network). The
 * model cards publish "355B total / 32B active" and "106B total / 12B active"; the counts are pinned
 * by hand from modeling_glm4_moe.py (without the stored multi-token-prediction layer, which engines
 * load only for speculative decoding) and checked against those within their rounding.
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const GLM45 = {
  architectures: ['Glm4MoeForCausalLM'],
  model_type: 'glm4_moe',
  hidden_size: 5120,
  intermediate_size: 12288,
  moe_intermediate_size: 1536,
  num_hidden_layers: 92,
  num_attention_heads: 96,
  num_key_value_heads: 8,
  head_dim: 128,
  n_routed_experts: 160,
  n_shared_experts: 1,
  num_experts_per_tok: 8,
  first_k_dense_replace: 3,
  attention_bias: true,
  use_qk_norm: true,
  partial_rotary_factor: 0.5,
  num_nextn_predict_layers: 1,
  vocab_size: 151552,
  max_position_embeddings: 131072,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};
const GLM45_AIR = {
  ...GLM45,
  hidden_size: 4096,
  intermediate_size: 10944,
  moe_intermediate_size: 1408,
  num_hidden_layers: 46,
  n_routed_experts: 128,
  first_k_dense_replace: 1,
  use_qk_norm: false,
};

describe('glm4_moe', () => {
  it('GLM-4.5: biased q/k/v, per-head q/k norms, 3 dense layers then 160 experts + a shared one', () => {
    const { arch, warnings } = readModelConfig(GLM45, 'glm-4.5');
    const h = 5120;
    const attention = h * 12288 + 12288 + 2 * (h * 1024 + 1024) + 12288 * h + 2 * 128;
    const dense = attention + 3 * h * 12288 + 2 * h;
    const moeLayer = attention + 161 * 3 * h * 1536 + 160 * h + 160 + 2 * h;
    const expected = 2 * 151552 * h + 3 * dense + 89 * moeLayer + h;
    const counts = countParameters(arch);
    expect(counts.totalCount).toBe(expected);
    expect(expected).toBe(352_797_829_024);
    expect(Math.abs(expected / 355e9 - 1)).toBeLessThan(0.01); // "355B total"
    // "32B active" leaves out the embeddings and the head, which vram's active count includes
    expect(Math.abs((counts.activeCount - counts.embeddingCount - counts.headCount) / 32e9 - 1)).toBeLessThan(0.01);
    expect(warnings.join(' ')).toMatch(
      /multi-token-prediction layer is stored in the checkpoint for speculative decoding \(--mtp loads it\)/,
    );
  });

  it('GLM-4.5-Air: 106B total, 12B active within their rounding', () => {
    const counts = countParameters(readModelConfig(GLM45_AIR, 'glm-4.5-air').arch);
    expect(Math.abs(counts.totalCount / 106e9 - 1)).toBeLessThan(0.02);
    expect(Math.abs((counts.activeCount - counts.embeddingCount - counts.headCount) / 12e9 - 1)).toBeLessThan(0.03);
  });

  it('caches 8 K/V heads of 128 in every layer', () => {
    const { arch } = readModelConfig(GLM45, 'glm-4.5');
    expect(kvCacheBytes(arch, 'bf16', 1000, 1, 'cap')).toBe(92 * 2 * 8 * 128 * 2 * 1000);
  });
});
