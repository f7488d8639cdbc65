/**
 * Cohere's readers (cohere: Command R; cohere2: Command A). The configs below are the shape fields
 * of CohereForAI/c4ai-command-r-v01 and CohereForAI/c4ai-command-a-03-2025 as written down from their
 * Hub config.json files (not fetched here: no network); the model cards publish rounded counts only
 * ("35 billion", "111 billion"), so the counts are pinned exactly by hand from the modeling code and
 * checked against the published figures within their rounding. KV bytes per token follow modeling_cohere2.py: global layers cache every token,
 * sliding layers at most sliding_window.
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const COMMAND_R = {
  architectures: ['CohereForCausalLM'],
  model_type: 'cohere',
  hidden_size: 8192,
  intermediate_size: 22528,
  num_hidden_layers: 40,
  num_attention_heads: 64,
  num_key_value_heads: 64,
  vocab_size: 256000,
  max_position_embeddings: 8192,
  use_qk_norm: false,
  tie_word_embeddings: true,
  torch_dtype: 'float16',
};

const COMMAND_A = {
  architectures: ['Cohere2ForCausalLM'],
  model_type: 'cohere2',
  hidden_size: 12288,
  intermediate_size: 36864,
  num_hidden_layers: 64,
  num_attention_heads: 96,
  num_key_value_heads: 8,
  vocab_size: 256000,
  max_position_embeddings: 131072,
  sliding_window: 4096,
  sliding_window_pattern: 4,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
};

describe('cohere (Command R)', () => {
  const { arch } = readModelConfig(COMMAND_R, 'command-r');

  it('counts one bias-free LayerNorm per layer, a gated MLP and tied embeddings', () => {
    // 256,000 × 8,192 embeddings (tied) + 40 × (4 × 8,192² attention + 3 × 8,192 × 22,528 MLP + 8,192 norm) + 8,192
    const expected = 256_000 * 8192 + 40 * (4 * 8192 ** 2 + 3 * 8192 * 22_528 + 8192) + 8192;
    expect(countParameters(arch).totalCount).toBe(expected);
    expect(expected).toBe(34_980_831_232);
    expect(Math.abs(expected / 35e9 - 1)).toBeLessThan(0.015); // model card: "35 billion"
  });

  it('per-head q/k LayerNorms with use_qk_norm (Command R+)', () => {
    const plus = readModelConfig({ ...COMMAND_R, use_qk_norm: true }, 'command-r-plus').arch;
    expect(countParameters(plus).totalCount - countParameters(arch).totalCount).toBe(40 * (64 + 64) * 128);
  });
});

describe('cohere2 (Command A)', () => {
  const { arch } = readModelConfig(COMMAND_A, 'command-a');

  it('counts the published 111 billion', () => {
    const layer = 2 * 12288 ** 2 + 2 * 12288 * 8 * 128 + 3 * 12288 * 36_864 + 12288;
    const expected = 256_000 * 12288 + 64 * layer + 12288;
    expect(countParameters(arch).totalCount).toBe(expected);
    expect(expected).toBe(111_057_580_032);
    expect(Math.abs(expected / 111e9 - 1)).toBeLessThan(0.005); // model card: "111 billion"
  });

  it('3 of 4 layers slide: at 32k the KV cache holds 16 global layers × 32,768 tokens and 48 × 4,096', () => {
    const perTokenPerLayer = 2 * 8 * 128 * 2; // K and V, 8 KV heads × 128, bf16
    expect(kvCacheBytes(arch, 'bf16', 32_768, 1, 'cap')).toBe(perTokenPerLayer * (16 * 32_768 + 48 * 4096));
    expect(kvCacheBytes(arch, 'bf16', 32_768, 1, 'full')).toBe(perTokenPerLayer * 64 * 32_768);
  });

  it('layer_types, when given, decide which layers slide', () => {
    const types = Array.from({ length: 64 }, (_, i) => (i < 32 ? 'sliding_attention' : 'full_attention'));
    const custom = readModelConfig({ ...COMMAND_A, layer_types: types }, 'command-a').arch;
    expect(kvCacheBytes(custom, 'bf16', 32_768, 1, 'cap')).toBe(2 * 8 * 128 * 2 * (32 * 32_768 + 32 * 4096));
  });
});

describe('cohere2 defaults (configuration_cohere2.py)', () => {
  it('without sliding_window: 4,096; head_dim is hidden ÷ heads whatever the config says; no q/k norms', () => {
    const { sliding_window: _window, ...bare } = COMMAND_A;
    const arch = readModelConfig({ ...bare, head_dim: 64, use_qk_norm: true }, 'command-a').arch;
    expect(kvCacheBytes(arch, 'bf16', 32_768, 1, 'cap')).toBe(2 * 8 * 128 * 2 * (16 * 32_768 + 48 * 4096));
    expect(countParameters(arch).totalCount).toBe(111_057_580_032);
  });
});
