/**
 * whisper, bart, mbart. The configs are the shapes of openai/whisper-large-v3 and -turbo,
 * facebook/bart-large and facebook/mbart-large-50 as written down from their Hub config.json files
 * (not fetched here: no network). Counts are pinned to what transformers 5.18.0 builds from them on
 * the meta device, plus BART's stored final_logits_bias buffer (vocab); published: Whisper large
 * "1550M", BART large 406M, mBART-50 611M. The cross-attention cache is hand-computed from
 * WhisperAttention / BartAttention (K and V of every head over the encoder output).
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';

const arch = (config: object) => readModelConfig(config, 'config.json').arch;

const WHISPER_LARGE_V3 = {
  model_type: 'whisper',
  architectures: ['WhisperForConditionalGeneration'],
  d_model: 1280,
  encoder_layers: 32,
  decoder_layers: 32,
  encoder_attention_heads: 20,
  decoder_attention_heads: 20,
  encoder_ffn_dim: 5120,
  decoder_ffn_dim: 5120,
  num_mel_bins: 128,
  vocab_size: 51866,
  max_source_positions: 1500,
  max_target_positions: 448,
  is_encoder_decoder: true,
  torch_dtype: 'float16',
};

const BART_LARGE = {
  model_type: 'bart',
  d_model: 1024,
  encoder_layers: 12,
  decoder_layers: 12,
  encoder_attention_heads: 16,
  decoder_attention_heads: 16,
  encoder_ffn_dim: 4096,
  decoder_ffn_dim: 4096,
  vocab_size: 50265,
  max_position_embeddings: 1024,
  is_encoder_decoder: true,
};

describe('whisper', () => {
  it('large-v3: 1,543,490,560; turbo (4 decoder layers): 808,878,080', () => {
    expect(countParameters(arch(WHISPER_LARGE_V3)).totalCount).toBe(1_543_490_560);
    expect(countParameters(arch({ ...WHISPER_LARGE_V3, decoder_layers: 4 })).totalCount).toBe(808_878_080);
  });

  it('caches self-attention per generated token and cross-attention over the fixed 1,500 frames', () => {
    const a = arch(WHISPER_LARGE_V3);
    // 163,840 B per generated token, 245,760,000 B per sequence for the encoder's 1,500 frames.
    expect(kvCacheBytes(a, 'bf16', 448, 1)).toBe(2 * 32 * 1280 * 2 * 448 + 2 * 32 * 1280 * 2 * 1500);
    expect(kvCacheBytes(a, 'bf16', 1, 1) - 2 * 32 * 1280 * 2).toBe(245_760_000);
    expect(a.maxPositionCount).toBe(448);
  });
});

describe('bart, mbart', () => {
  it('bart-large: 406,291,456 + 50,265 final_logits_bias; bart-base 139,420,416 + 50,265', () => {
    expect(countParameters(arch(BART_LARGE)).totalCount).toBe(406_291_456 + 50_265);
    const base = {
      ...BART_LARGE,
      d_model: 768,
      encoder_layers: 6,
      decoder_layers: 6,
      encoder_attention_heads: 12,
      decoder_attention_heads: 12,
      encoder_ffn_dim: 3072,
      decoder_ffn_dim: 3072,
    };
    expect(countParameters(arch(base)).totalCount).toBe(139_420_416 + 50_265);
  });

  it('mbart-large-50: 610,879,488 + 250,054 (a final LayerNorm per stack)', () => {
    expect(countParameters(arch({ ...BART_LARGE, model_type: 'mbart', vocab_size: 250054 })).totalCount).toBe(
      610_879_488 + 250_054,
    );
  });

  it('cross-attention caches K/V over the encoder input (the context)', () => {
    expect(kvCacheBytes(arch(BART_LARGE), 'bf16', 1000, 1)).toBe(2 * (2 * 12 * 1024 * 2 * 1000));
  });
});

describe('modernbert (an encoder: no KV cache)', () => {
  const MODERNBERT_BASE = {
    model_type: 'modernbert',
    architectures: ['ModernBertForMaskedLM'],
    hidden_size: 768,
    num_hidden_layers: 22,
    num_attention_heads: 12,
    intermediate_size: 1152,
    vocab_size: 50368,
    max_position_embeddings: 8192,
    global_attn_every_n_layers: 3,
    local_attention: 128,
    torch_dtype: 'float32',
  };

  it('base and large as ModernBertModel: the MaskedLM totals (149,655,232 and 395,881,664) less the head', () => {
    // transformers 5.18 ModernBertForMaskedLM; the head is dense h² + norm h + decoder bias V.
    expect(countParameters(arch(MODERNBERT_BASE)).totalCount).toBe(149_655_232 - (768 * 768 + 768 + 50368));
    const large = {
      ...MODERNBERT_BASE,
      hidden_size: 1024,
      num_hidden_layers: 28,
      num_attention_heads: 16,
      intermediate_size: 2624,
    };
    expect(countParameters(arch(large)).totalCount).toBe(395_881_664 - (1024 * 1024 + 1024 + 50368));
  });

  it('every third layer global, the rest local; no KV cache', () => {
    const a = arch(MODERNBERT_BASE);
    const windows = a.layers.flatMap((g) => Array.from({ length: g.count }, () => g.attention?.window ?? null));
    expect(windows.filter((w) => w === null)).toHaveLength(8);
    expect(kvCacheBytes(a, 'bf16', 8192, 4)).toBe(0);
  });
});
