/**
 * ModernBERT (model_type modernbert), after transformers' modeling_modernbert.py, counted as
 * ModernBertModel (as BERT is counted as BertModel; the masked-LM head adds h² + h + V): rotary
 * positions (no table), an embedding norm, fused Wqkv (MHA) and Wo without biases unless
 * attention_bias, a GLU MLP (Wi h → 2 × intermediate, Wo back) without biases unless mlp_bias, an
 * attention norm in every layer but the first, an MLP norm, a final norm. Its LayerNorms have no
 * bias unless norm_bias, so each is h weights (counted like an RMSNorm). Every
 * global_attn_every_n_layers-th layer (i % n == 0, default 3) attends globally, the others within
 * local_attention (128) tokens; an encoder, it keeps no KV cache. Training adds its MLM head as
 * for BERT (a transform with a bias, which ModernBERT's head has only with classifier_bias: 768
 * parameters over for base).
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, standardAttention, decoderDims } from './build.js';

export function readModernBert(f: ConfigFields): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const width = f.count('intermediate_size');
  f.done();
  f.require(f.flag('norm_bias', false) === false, 'norm_bias: LayerNorm biases are not modelled for modernbert');
  f.require(h % headCount === 0, `hidden_size ${h} is not divisible by num_attention_heads ${headCount}`);
  const every = f.optionalCount('global_attn_every_n_layers') ?? 3;
  const local = f.optionalCount('local_attention') ?? 128;
  const mlp = denseMlp(width, true, f.flag('mlp_bias', false));
  const bias = f.flag('attention_bias', false) ? 'all' : 'none';
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => ({
    attention: standardAttention({
      headCount,
      kvHeadCount: headCount,
      headDim: h / headCount,
      bias,
      window: i % every === 0 ? null : local,
    }),
    recurrent: null,
    crossAttention: null,
    mlp,
    normCount: i === 0 ? 1 : 2,
  }));
  return architecture({
    modelType: 'modernbert',
    layout: 'encoder',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: groupLayers(layers),
    embeddingNorm: true,
    finalNormCount: 1,
    tiedEmbeddings: true,
    attentionDropout: f.probability(0, 'attention_dropout'),
    hiddenDropout: f.probability(0, 'mlp_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
