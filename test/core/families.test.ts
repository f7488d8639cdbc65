/**
 * Every architecture family: KV cache by the formulas of REFERENCES.md ("KV cache": MQA, MLA,
 * sliding windows), active parameters of MoE models, and --config reading each family.
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes, kvElementsPerToken } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { PRESETS } from '../../src/model/presets.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { presetArch, runJson } from '../helpers.js';

describe('KV cache by family', () => {
  it('MLA (DeepSeek-V3) caches the latent: 61 layers × (512 + 64) elements per token', () => {
    expect(kvElementsPerToken(presetArch('deepseek-v3'))).toBe(61 * (512 + 64));
  });

  it('MQA (Falcon-7B): one K/V head of 64: 2 × 32 × 1 × 64 per token', () => {
    expect(kvCacheBytes(presetArch('falcon-7b'), 'bf16', 8192, 1)).toBe(2 * 32 * 1 * 64 * 8192 * 2);
  });

  it('sliding window for every layer (Mistral-7B v0.1, 4,096): capped, or full with --sliding-window full', () => {
    const arch = presetArch('mistral-7b-v0.1');
    expect(kvCacheBytes(arch, 'bf16', 8192, 1, 'cap')).toBe(2 * 32 * 8 * 128 * 4096 * 2);
    expect(kvCacheBytes(arch, 'bf16', 8192, 1, 'full')).toBe(2 * 32 * 8 * 128 * 8192 * 2);
    expect(kvCacheBytes(arch, 'bf16', 2048, 1, 'cap')).toBe(2 * 32 * 8 * 128 * 2048 * 2);
  });

  it('hybrid Gemma 2 (21 window layers of 4,096 + 21 global) and Gemma 3 (every 6th layer global)', () => {
    expect(kvCacheBytes(presetArch('gemma-2-9b'), 'bf16', 8192, 1)).toBe(2 * 8 * 256 * 2 * (21 * 4096 + 21 * 8192));
    const gemma3 = presetArch('gemma-3-1b');
    expect(gemma3.layers.map((g) => [g.count, g.attention?.window])).toEqual([
      [22, 512],
      [4, null],
    ]);
    expect(kvCacheBytes(gemma3, 'bf16', 8192, 1)).toBe(2 * 1 * 256 * 2 * (22 * 512 + 4 * 8192));
  });

  it('gpt-oss alternates 128-token window and full layers', () => {
    expect(kvCacheBytes(presetArch('gpt-oss-20b'), 'bf16', 8192, 1)).toBe(2 * 8 * 64 * 2 * (12 * 128 + 12 * 8192));
  });

  it('T5 caches decoder self-attention and cross-attention over the encoder input', () => {
    expect(kvCacheBytes(presetArch('t5-base'), 'bf16', 8192, 1)).toBe(2 * (2 * 12 * 12 * 64 * 8192 * 2));
  });

  it('Qwen2.5 reads use_sliding_window: false as no window', () => {
    expect(presetArch('qwen2.5-7b').layers[0]!.attention?.window).toBeNull();
  });
});

describe('MoE: total and active parameters', () => {
  it.each([
    // Mistral AI: Mixtral 8x7B "12.9B active parameters"; DeepSeek-V3 paper (arXiv:2412.19437):
    // "671B total parameters with 37B activated", the activated count including the embeddings.
    ['mixtral-8x7b', 46_702_792_704, 12_879_925_248],
    ['deepseek-v3', 671_026_419_200, 37_552_297_472],
  ])('%s: %d total, %d active', (id, total, active) => {
    const counts = countParameters(presetArch(id));
    expect(counts.totalCount).toBe(total);
    expect(counts.activeCount).toBe(active);
  });

  it('gpt-oss-20b: OpenAI\'s "3.6B active" leaves out the embedding table', () => {
    // OpenAI model card: 20.9B total, 3.6B active; Ollama general.parameter_count 20,914,757,184.
    const counts = countParameters(presetArch('gpt-oss-20b'));
    expect(counts.totalCount).toBe(20_914_757_184);
    expect(counts.activeCount - counts.embeddingCount).toBe(3_608_307_264);
  });
});

describe('--config reads every family', () => {
  const families = new Map<string, (typeof PRESETS)[number]>();
  for (const preset of PRESETS)
    if (!families.has(String(preset.config.model_type))) families.set(String(preset.config.model_type), preset);

  it.each([...families.entries()])('%s (from preset %s) through --config -', async (_type, preset) => {
    const { code, json } = await runJson(['estimate', '--config', '-', '--ctx', '512'], {
      stdin: JSON.stringify(preset.config),
    });
    expect(code).toBe(0);
    expect(json.model.parameterCount).toBe(countParameters(presetArch(preset.id)).totalCount);
  });
});

describe('more families from their configs', () => {
  const count = (config: Record<string, unknown>) => countParameters(readModelConfig(config, 'x').arch);

  it('Falcon-40B (new decoder architecture: 8 KV heads, 2 norms): 41,303,293,952', () => {
    // tiiuae/falcon-40b config.json; count as transformers' FalconForCausalLM (tied head).
    expect(
      count({
        model_type: 'falcon',
        hidden_size: 8192,
        num_attention_heads: 128,
        num_kv_heads: 8,
        num_hidden_layers: 60,
        vocab_size: 65024,
        new_decoder_architecture: true,
        parallel_attn: true,
        bias: false,
      }).totalCount,
    ).toBe(41_303_293_952);
  });

  it('OPT-350m (512-wide embeddings projected to 1,024, post-norm): 331,196,416', () => {
    // facebook/opt-350m config.json; OPTForCausalLM.num_parameters() = 331,196,416.
    expect(
      count({
        model_type: 'opt',
        hidden_size: 1024,
        ffn_dim: 4096,
        num_attention_heads: 16,
        num_hidden_layers: 24,
        vocab_size: 50272,
        max_position_embeddings: 2048,
        word_embed_proj_dim: 512,
        do_layer_norm_before: false,
      }).totalCount,
    ).toBe(331_196_416);
  });

  it('Qwen3-30B-A3B (qwen3_moe): "30.5B in total and 3.3B activated" (Qwen model card)', () => {
    const counts = count({
      model_type: 'qwen3_moe',
      hidden_size: 2048,
      num_hidden_layers: 48,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      head_dim: 128,
      moe_intermediate_size: 768,
      num_experts: 128,
      num_experts_per_tok: 8,
      intermediate_size: 6144,
      vocab_size: 151936,
      max_position_embeddings: 40960,
      tie_word_embeddings: false,
    });
    expect(counts.totalCount).toBe(30_532_122_624);
    expect(Math.abs(counts.activeCount / 1e9 - 3.3)).toBeLessThan(0.06);
  });

  it('multimodal configs count their text_config and their vision tower (class defaults filled in)', () => {
    const read = readModelConfig(
      {
        model_type: 'gemma3',
        torch_dtype: 'bfloat16',
        vision_config: { hidden_size: 1152 },
        text_config: {
          model_type: 'gemma3_text',
          hidden_size: 2560,
          num_hidden_layers: 34,
          num_attention_heads: 8,
          num_key_value_heads: 4,
          head_dim: 256,
          intermediate_size: 10240,
          vocab_size: 262208,
          max_position_embeddings: 131072,
          sliding_window: 1024,
        },
      },
      'gemma-3-4b',
    );
    expect(read.arch.modelType).toBe('gemma3_text');
    expect(read.warnings[0]).toMatch(
      /gemma3 is multimodal: its language model .* is counted, and its vision tower \(SigLIP/,
    );
  });

  it('an unknown model_type with experts is refused rather than counted as dense', () => {
    expect(() =>
      readModelConfig(
        {
          model_type: 'brand_new_moe',
          hidden_size: 64,
          num_hidden_layers: 2,
          num_attention_heads: 4,
          intermediate_size: 128,
          vocab_size: 100,
          max_position_embeddings: 64,
          num_experts: 8,
        },
        'x',
      ),
    ).toThrow(/num_experts says it is a mixture of experts/);
  });
});
