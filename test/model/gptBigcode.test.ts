/**
 * gpt_bigcode (StarCoder): GPT-2 with multi-query attention. The config below is the shape of
 * bigcode/starcoder as written down from its Hub config.json (not fetched here: no network); the
 * count is pinned by hand from modeling_gpt_bigcode.py and matches the StarCoder paper's "15.5B"
 * (arXiv:2305.06161).
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const STARCODER = {
  architectures: ['GPTBigCodeForCausalLM'],
  model_type: 'gpt_bigcode',
  n_embd: 6144,
  n_head: 48,
  n_inner: 24576,
  n_layer: 40,
  n_positions: 8192,
  vocab_size: 49152,
  multi_query: true,
  torch_dtype: 'float32',
};

describe('gpt_bigcode (StarCoder)', () => {
  const { arch } = readModelConfig(STARCODER, 'starcoder');

  it('one K/V head: c_attn projects to h + 2 × head_dim, biases everywhere, learned positions, tied head', () => {
    const h = 6144;
    const attention = h * (h + 2 * 128) + (h + 2 * 128) + h * h + h;
    const mlp = h * 24576 + 24576 + 24576 * h + h;
    const norms = 2 * 2 * h;
    const expected = 49152 * h + 8192 * h + 40 * (attention + mlp + norms) + 2 * h;
    expect(countParameters(arch).totalCount).toBe(expected);
    expect(expected).toBe(15_517_456_384);
    expect(Math.abs(expected / 15.5e9 - 1)).toBeLessThan(0.005); // the paper's "15.5B"
  });

  it('multi-query caches one K/V head per layer: 2 × 40 × 128 × 2 B = 20,480 B per token', () => {
    expect(kvCacheBytes(arch, 'fp16', 8192, 1, 'cap')).toBe(20_480 * 8192);
    const mha = readModelConfig({ ...STARCODER, multi_query: false }, 'starcoder-mha').arch;
    expect(kvCacheBytes(mha, 'fp16', 8192, 1, 'cap')).toBe(48 * 20_480 * 8192);
  });
});

describe('the GPT family reads its MLP activation as transformers names it', () => {
  it("defaults to the family's own (gpt_bigcode: gelu_pytorch_tanh) and keeps a named one", () => {
    expect(readModelConfig(STARCODER, 'starcoder').arch.layers[0]?.mlp?.activation).toBe('gelu_pytorch_tanh');
    const named = readModelConfig({ ...STARCODER, activation_function: 'gelu_python_tanh' }, 'starcoder');
    expect(named.arch.layers[0]?.mlp?.activation).toBe('gelu_python_tanh');
  });

  it('refuses a name transformers does not have, rather than counting it as a fused activation', () => {
    expect(() => readModelConfig({ ...STARCODER, activation_function: 'gelu_newx' }, 'starcoder')).toThrow(
      /activation_function: "gelu_newx" is not one of transformers' activations/,
    );
  });
});
