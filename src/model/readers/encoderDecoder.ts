/**
 * Encoder–decoder transformers with LayerNorms, biases and learned positions, after transformers'
 * modeling code (each count checked against what transformers 5.18 builds):
 * - whisper (WhisperForConditionalGeneration): a conv front-end over num_mel_bins (conv1 3·M·D + D,
 *   conv2 3·D² + D), sinusoidal encoder positions stored as a frozen weight (max_source_positions ×
 *   D), learned decoder positions (max_target_positions × D); attention biases on q, v and out but
 *   not k; GELU MLPs with biases; a final LayerNorm per stack; proj_out tied. The encoder always
 *   sees 1,500 frames (30 s), so cross-attention caches K/V over max_source_positions, and the
 *   decoder runs at most max_target_positions (448) tokens.
 * - bart, mbart (BartForConditionalGeneration, MBartForConditionalGeneration): one shared
 *   embedding (head tied), learned positions of max_position_embeddings + 2 rows per stack (BART's
 *   offset), a LayerNorm on each stack's embeddings, biases everywhere, GELU MLPs; mBART adds a
 *   final LayerNorm per stack; final_logits_bias (vocab) is a stored buffer, counted.
 * Decoder layers: self-attention, cross-attention, MLP and three LayerNorms; encoder layers two.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, standardAttention } from './build.js';

export const ENCODER_DECODER_FAMILY = ['whisper', 'bart', 'mbart'] as const;
export type EncoderDecoderFamily = (typeof ENCODER_DECODER_FAMILY)[number];

interface Stacks {
  h: number;
  encoder: LayerShape;
  decoder: LayerShape;
  encoderCount: number;
  decoderCount: number;
}

function stacks(f: ConfigFields, bias: 'qvo' | 'all'): Stacks {
  const h = f.count('d_model');
  const encoderCount = f.count('encoder_layers');
  const decoderCount = f.count('decoder_layers');
  const encoderHeads = f.count('encoder_attention_heads');
  const decoderHeads = f.count('decoder_attention_heads');
  const encoderWidth = f.count('encoder_ffn_dim');
  const decoderWidth = f.count('decoder_ffn_dim');
  f.done();
  f.require(h % encoderHeads === 0 && h % decoderHeads === 0, `d_model ${h} must divide into the attention heads`);
  const attention = (heads: number) =>
    standardAttention({ headCount: heads, kvHeadCount: heads, headDim: h / heads, bias });
  const encoder: LayerShape = {
    attention: attention(encoderHeads),
    recurrent: null,
    crossAttention: null,
    mlp: denseMlp(encoderWidth, false, true),
    normCount: 2,
  };
  const decoderAttention = attention(decoderHeads);
  const decoder: LayerShape = {
    attention: decoderAttention,
    recurrent: null,
    crossAttention: decoderAttention,
    mlp: denseMlp(decoderWidth, false, true),
    normCount: 3,
  };
  return { h, encoder, decoder, encoderCount, decoderCount };
}

function whisper(f: ConfigFields, vocabSize: number): ModelArchitecture {
  const s = stacks(f, 'qvo');
  const mels = f.optionalCount('num_mel_bins') ?? 80;
  const frames = f.optionalCount('max_source_positions') ?? 1500;
  return architecture({
    modelType: 'whisper',
    layout: 'encoder-decoder',
    norm: 'layernorm',
    hiddenSize: s.h,
    vocabSize,
    maxPositionCount: f.optionalCount('max_target_positions') ?? 448,
    learnedPositionCount: f.optionalCount('max_target_positions') ?? 448,
    encoderTokens: frames,
    layers: groupLayers(Array.from({ length: s.decoderCount }, () => s.decoder)),
    encoderLayers: groupLayers(Array.from({ length: s.encoderCount }, () => s.encoder)),
    finalNormCount: 2,
    tiedEmbeddings: f.flag('tie_word_embeddings', true),
    extraParameters: [
      { name: 'conv front-end (conv1, conv2)', count: 3 * mels * s.h + s.h + 3 * s.h * s.h + s.h },
      { name: 'encoder positions (sinusoidal, stored)', count: frames * s.h },
    ],
    attentionDropout: f.probability(0, 'attention_dropout'),
    hiddenDropout: f.probability(0, 'dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}

function bart(f: ConfigFields, type: 'bart' | 'mbart', vocabSize: number): ModelArchitecture {
  const s = stacks(f, 'all');
  const positions = (f.optionalCount('max_position_embeddings') ?? 1024) + 2;
  return architecture({
    modelType: type,
    layout: 'encoder-decoder',
    norm: 'layernorm',
    hiddenSize: s.h,
    vocabSize,
    maxPositionCount: positions - 2,
    learnedPositionCount: positions,
    embeddingNorm: true,
    layers: groupLayers(Array.from({ length: s.decoderCount }, () => s.decoder)),
    encoderLayers: groupLayers(Array.from({ length: s.encoderCount }, () => s.encoder)),
    finalNormCount: type === 'mbart' ? 2 : 0,
    tiedEmbeddings: f.flag('tie_word_embeddings', true),
    extraParameters: [
      { name: 'encoder positions and embedding LayerNorm', count: positions * s.h + 2 * s.h },
      { name: 'final_logits_bias (stored buffer)', count: vocabSize },
    ],
    attentionDropout: f.probability(0, 'attention_dropout'),
    hiddenDropout: f.probability(0.1, 'dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}

export function readEncoderDecoder(f: ConfigFields, type: EncoderDecoderFamily): ModelArchitecture {
  const vocabSize = f.count('vocab_size');
  return type === 'whisper' ? whisper(f, vocabSize) : bart(f, type, vocabSize);
}
