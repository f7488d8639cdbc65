/**
 * T5 (model_type t5; T5 v1.0, v1.1 and FLAN-T5): an encoder and a decoder stack, no biases,
 * RMS-style T5LayerNorm, relative position buckets in the first layer of each stack
 * (relative_attention_num_buckets × heads), ReLU MLP (d_ff) or gated GELU
 * (feed_forward_proj "gated-gelu"). Decoder layers add cross-attention and a third norm.
 * The lm_head is tied to the shared embedding unless tie_word_embeddings is false (v1.1, FLAN).
 * transformers T5Config / modeling_t5.py.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { denseMlp, standardAttention } from './build.js';

/** T5's n_positions default; relative positions let it run longer. */
const T5_DEFAULT_POSITIONS = 512;

export function readT5(f: ConfigFields): ModelArchitecture {
  const h = f.count('d_model', 'hidden_size');
  const encoderLayers = f.count('num_layers');
  const headCount = f.count('num_heads');
  const headDim = f.count('d_kv');
  const width = f.count('d_ff');
  const vocabSize = f.count('vocab_size');
  f.done();
  const decoderLayers = f.optionalCount('num_decoder_layers') ?? encoderLayers;
  const gated = (f.string('feed_forward_proj') ?? 'relu').startsWith('gated-');
  const buckets = f.optionalCount('relative_attention_num_buckets') ?? 32;
  const attention = standardAttention({ headCount, kvHeadCount: headCount, headDim });
  const mlp = denseMlp(width, gated);
  return architecture({
    modelType: 't5',
    layout: 'encoder-decoder',
    hiddenSize: h,
    vocabSize,
    maxPositionCount: f.optionalCount('n_positions') ?? T5_DEFAULT_POSITIONS,
    layers: groupLayers(
      Array.from({ length: decoderLayers }, () => ({
        attention,
        recurrent: null,
        crossAttention: attention,
        mlp,
        normCount: 3,
      })),
    ),
    encoderLayers: groupLayers(
      Array.from({ length: encoderLayers }, () => ({
        attention,
        recurrent: null,
        crossAttention: null,
        mlp,
        normCount: 2,
      })),
    ),
    finalNormCount: 2,
    tiedEmbeddings: f.flag('tie_word_embeddings', true),
    extraParameters: [{ name: 'relative_attention_bias (encoder and decoder)', count: 2 * buckets * headCount }],
    attentionDropout: f.probability(0.1, 'dropout_rate'),
    hiddenDropout: f.probability(0.1, 'dropout_rate'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
