/**
 * RWKV-4 (model_type rwkv: RWKV-4 Pile and Raven models in transformers' format), after
 * modeling_rwkv.py: every block has LayerNorms (with bias) before time mixing and channel mixing,
 * block 0 one more on the embeddings (pre_ln); time mixing (decay, first, three token-shift mixes,
 * key / value / receptance h → A and output A → h, no biases); channel mixing (two mixes, key
 * h → intermediate, value back, receptance h → h, no biases); ln_out and an untied head.
 * Per sequence it keeps five h-wide states per layer and nothing that grows with the context; the
 * trained context is context_length. Newer RWKV generations (5, 6, 7) are other model types and
 * are not read.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp } from './build.js';

export function readRwkv(f: ConfigFields): ModelArchitecture {
  const h = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const vocabSize = f.count('vocab_size');
  f.done();
  const attentionSize = f.optionalCount('attention_hidden_size') ?? h;
  f.require(
    attentionSize === h,
    `attention_hidden_size ${attentionSize} differs from hidden_size ${h}; transformers' RWKV state assumes they are equal`,
  );
  const layer: LayerShape = {
    attention: null,
    recurrent: { kind: 'rwkv4', attentionSize, stateDtype: 'fp32' },
    crossAttention: null,
    // Channel mixing's key and value; its receptance and mixes are counted with the mixer.
    mlp: denseMlp(f.optionalCount('intermediate_size') ?? 4 * h, false),
    normCount: 2,
  };
  return architecture({
    modelType: 'rwkv',
    hiddenSize: h,
    vocabSize,
    maxPositionCount: f.optionalCount('context_length') ?? 1024,
    norm: 'layernorm',
    embeddingNorm: true,
    layers: groupLayers(Array.from({ length: layerCount }, () => layer)),
    tiedEmbeddings: f.flag('tie_word_embeddings', false),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
