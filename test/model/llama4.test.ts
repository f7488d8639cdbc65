/**
 * Llama 4's text model (llama4_text; the llama4 wrapper through its text_config). The configs below
 * are the text shapes of meta-llama/Llama-4-Scout-17B-16E and Llama-4-Maverick-17B-128E as written
 * down from their Hub config.json files (not fetched here: no network). Meta publishes "109B total /
 * 17B active" (Scout) and "400B total / 17B active" (Maverick); the totals include the vision
 * encoder, which this reader leaves out (with the multimodal warning), so the text counts are pinned
 * by hand from modeling_llama4.py and checked against the published figures within that margin.
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const SCOUT_TEXT = {
  model_type: 'llama4_text',
  hidden_size: 5120,
  intermediate_size: 8192,
  intermediate_size_mlp: 16384,
  num_hidden_layers: 48,
  num_attention_heads: 40,
  num_key_value_heads: 8,
  head_dim: 128,
  num_local_experts: 16,
  num_experts_per_tok: 1,
  interleave_moe_layer_step: 1,
  attention_chunk_size: 8192,
  vocab_size: 202048,
  max_position_embeddings: 10485760,
  use_qk_norm: true,
  tie_word_embeddings: false,
};
const MAVERICK_TEXT = {
  ...SCOUT_TEXT,
  num_local_experts: 128,
  interleave_moe_layer_step: 2,
  max_position_embeddings: 1048576,
};

const h = 5120;
const attention = 2 * h * 5120 + 2 * h * 8 * 128;
const gatedMlp = (width: number) => 3 * h * width;
const embeddings = 2 * 202048 * h;

describe('llama4_text', () => {
  it('Scout: every layer MoE, 16 experts + a shared expert and a router', () => {
    const { arch } = readModelConfig(SCOUT_TEXT, 'scout');
    const layer = attention + 16 * gatedMlp(8192) + gatedMlp(8192) + h * 16 + 2 * h;
    const counts = countParameters(arch);
    expect(counts.totalCount).toBe(embeddings + 48 * layer + h);
    expect(counts.totalCount).toBe(107_769_861_120);
    expect(Math.abs(counts.totalCount / 109e9 - 1)).toBeLessThan(0.015); // 109B with the vision encoder
    expect(Math.abs(counts.activeCount / 17e9 - 1)).toBeLessThan(0.03); // "17B active"
  });

  it('Maverick: MoE on every other layer (1, 3, …), dense MLPs of intermediate_size_mlp between', () => {
    const { arch } = readModelConfig(MAVERICK_TEXT, 'maverick');
    const moeLayer = attention + 128 * gatedMlp(8192) + gatedMlp(8192) + h * 128 + 2 * h;
    const denseLayer = attention + gatedMlp(16384) + 2 * h;
    const counts = countParameters(arch);
    expect(counts.totalCount).toBe(embeddings + 24 * moeLayer + 24 * denseLayer + h);
    expect(Math.abs(counts.totalCount / 400e9 - 1)).toBeLessThan(0.01); // "400B total"
    expect(Math.abs(counts.activeCount / 17e9 - 1)).toBeLessThan(0.03); // "17B active"
  });

  it('chunked attention on 3 of 4 layers: at 128k they cache one 8,192-token chunk, the NoPE layers every token', () => {
    const { arch } = readModelConfig(SCOUT_TEXT, 'scout');
    const perTokenPerLayer = 2 * 8 * 128 * 2;
    expect(kvCacheBytes(arch, 'bf16', 131_072, 1, 'cap')).toBe(perTokenPerLayer * (12 * 131_072 + 36 * 8192));
  });

  it('the llama4 wrapper is read through its text_config, with the multimodal warning', () => {
    const wrapper = {
      model_type: 'llama4',
      text_config: SCOUT_TEXT,
      vision_config: { model_type: 'llama4_vision_model' },
    };
    const { arch, warnings } = readModelConfig(wrapper, 'scout');
    expect(countParameters(arch).totalCount).toBe(107_769_861_120);
    expect(warnings.join(' ')).toMatch(
      /llama4 is multimodal: its language model .* is counted, and its vision tower \(Llama 4 ViT/,
    );
  });
});

describe('llama4_text defaults (configuration_llama4.py)', () => {
  it('8 K/V heads of 128 and 8,192-token chunks when the config leaves them out', () => {
    const { num_key_value_heads: _kv, head_dim: _d, attention_chunk_size: _chunk, ...bare } = SCOUT_TEXT;
    const arch = readModelConfig(bare, 'scout').arch;
    expect(countParameters(arch).totalCount).toBe(107_769_861_120);
    expect(kvCacheBytes(arch, 'bf16', 131_072, 1, 'cap')).toBe(2 * 8 * 128 * 2 * (12 * 131_072 + 36 * 8192));
  });
});
