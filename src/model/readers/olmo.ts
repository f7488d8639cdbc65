/**
 * AI2's OLMo 2 and OLMo 3 decoders, after transformers' modeling_olmo2.py / modeling_olmo3.py:
 * - norms after attention and after the MLP (post_attention_layernorm, post_feedforward_layernorm:
 *   two RMSNorms of h per layer, no input norm) and a final RMSNorm;
 * - q_norm and k_norm are RMSNorms over the whole projection (heads × head_dim and kv_heads ×
 *   head_dim weights per layer, not one head_dim each as in Qwen3);
 * - gated SiLU MLP, no biases, untied head by default;
 * - olmo3: sliding-window layers from `layer_types`, by default 3 sliding : 1 full ((i + 1) % 4),
 *   over sliding_window tokens (default 4096; configuration_olmo3.py).
 * The released checkpoints are float32 (torch_dtype), which the serving rule loads in 16 bits.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, standardAttention, kvHeadCountOf, decoderDims } from './build.js';

export const OLMO_FAMILY = ['olmo2', 'olmo3'] as const;
/** configuration_olmo3.py's default sliding_window. */
const OLMO3_DEFAULT_WINDOW = 4096;
export type OlmoFamily = (typeof OLMO_FAMILY)[number];

/** The layer_types values each reader models. */
export function olmoLayerTypes(type: OlmoFamily): readonly string[] {
  return type === 'olmo3' ? ['full_attention', 'sliding_attention'] : ['full_attention'];
}

export function readOlmo(f: ConfigFields, type: OlmoFamily): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const intermediate = f.count('intermediate_size');
  f.done();
  const kvHeadCount = kvHeadCountOf(f, headCount);
  f.require(h % headCount === 0, `hidden_size ${h} is not divisible by num_attention_heads ${headCount}`);
  const headDim = h / headCount;
  const window = type === 'olmo3' ? (f.optionalCount('sliding_window') ?? OLMO3_DEFAULT_WINDOW) : null;
  const layerTypes = f.stringList('layer_types');
  const slides = (i: number) => (layerTypes === null ? (i + 1) % 4 !== 0 : layerTypes[i] === 'sliding_attention');
  const bias = f.flag('attention_bias', false) ? 'all' : 'none';
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => ({
    attention: standardAttention({
      headCount,
      kvHeadCount,
      headDim,
      bias,
      window: window !== null && slides(i) ? window : null,
    }),
    recurrent: null,
    crossAttention: null,
    mlp: denseMlp(intermediate, true),
    normCount: 2,
  }));
  return architecture({
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: groupLayers(layers),
    tiedEmbeddings: f.flag('tie_word_embeddings', false),
    extraParameters: [
      { name: 'q/k RMSNorms over the whole projection', count: layerCount * (headCount + kvHeadCount) * headDim },
    ],
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
