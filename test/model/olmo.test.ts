/**
 * AI2's OLMo readers. The configs below are the shape fields of allenai/OLMo-2-1124-7B and
 * allenai/Olmo-3-1025-7B as written down from their Hub config.json files (not fetched here: no
 * network). OLMo 2 7B's count is pinned by hand from modeling_olmo2.py and matches the Hub's "7.3B"
 * (7,298,617,344); OLMo 3's KV cache follows its layer_types (3 sliding : 1 full).
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { planEstimate } from '../../src/plan/estimate.js';
import { modelFromConfig } from '../../src/plan/model.js';

const OLMO2_7B = {
  architectures: ['Olmo2ForCausalLM'],
  model_type: 'olmo2',
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  vocab_size: 100352,
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
  torch_dtype: 'float32',
};

const OLMO3_7B = {
  ...OLMO2_7B,
  architectures: ['Olmo3ForCausalLM'],
  model_type: 'olmo3',
  vocab_size: 100278,
  max_position_embeddings: 65536,
  sliding_window: 4096,
  layer_types: Array.from({ length: 32 }, (_, i) => ((i + 1) % 4 === 0 ? 'full_attention' : 'sliding_attention')),
};

describe('olmo2', () => {
  const { arch } = readModelConfig(OLMO2_7B, 'olmo-2-7b');

  it('two post-norms per layer, q/k norms over the whole projection, an untied head', () => {
    const layer = 4 * 4096 ** 2 + (4096 + 4096) + 3 * 4096 * 11008 + 2 * 4096;
    const expected = 2 * 100352 * 4096 + 32 * layer + 4096;
    expect(countParameters(arch).totalCount).toBe(expected);
    expect(expected).toBe(7_298_617_344); // the Hub's "7.3B params"
  });

  it('the float32 checkpoint is served in 16 bits by default', () => {
    const plan = planEstimate(modelFromConfig(OLMO2_7B, 'olmo-2-7b'), { ctx: 4096 });
    expect(plan.inputs.dtype).toBe('bf16');
    // On a GPU without bf16 (T4), vLLM's dtype "auto" takes fp16.
    expect(planEstimate(modelFromConfig(OLMO2_7B, 'olmo-2-7b'), { ctx: 4096, gpu: 't4' }).inputs.dtype).toBe('fp16');
    expect(plan.warnings.join(' ')).toMatch(/the config says float32/);
  });
});

describe('olmo3', () => {
  const { arch } = readModelConfig(OLMO3_7B, 'olmo-3-7b');

  it('counts as OLMo 2 with its vocabulary', () => {
    const layer = 4 * 4096 ** 2 + (4096 + 4096) + 3 * 4096 * 11008 + 2 * 4096;
    expect(countParameters(arch).totalCount).toBe(2 * 100278 * 4096 + 32 * layer + 4096);
  });

  it('8 full layers cache every token and 24 sliding layers at most 4,096', () => {
    const perTokenPerLayer = 2 * 32 * 128 * 2; // K and V, 32 heads × 128, bf16
    expect(kvCacheBytes(arch, 'bf16', 32_768, 1, 'cap')).toBe(perTokenPerLayer * (8 * 32_768 + 24 * 4096));
  });
});

describe('olmo3 defaults (configuration_olmo3.py)', () => {
  it('without layer_types or sliding_window: 3 sliding : 1 full over 4,096 tokens', () => {
    const { layer_types: _types, sliding_window: _window, ...bare } = OLMO3_7B;
    const arch = readModelConfig(bare, 'olmo-3-7b').arch;
    expect(kvCacheBytes(arch, 'bf16', 32_768, 1, 'cap')).toBe(2 * 32 * 128 * 2 * (8 * 32_768 + 24 * 4096));
  });
});
