/**
 * Cohere's decoders, after transformers' modeling_cohere.py / modeling_cohere2.py:
 * - a parallel block: attention and MLP both read one LayerNorm of the input
 *   (`hidden = residual + attn(ln(x)) + mlp(ln(x))`), so one norm per layer; CohereLayerNorm has a
 *   weight and no bias (counted like RMSNorm: h parameters);
 * - gated SiLU MLP without biases; q/k/v/o biased only with attention_bias;
 * - use_qk_norm (Command R+): q_norm and k_norm are CohereLayerNorms over (heads, head_dim), i.e.
 *   heads × head_dim and kv_heads × head_dim weights per layer (not one head_dim each as in Qwen3);
 * - tied input and output embeddings by default (tie_word_embeddings, default true).
 * cohere2 (Command R7B, Command A) adds sliding-window layers: `layer_types`, else every
 * sliding_window_pattern-th layer (default 4) is global and the rest slide over sliding_window
 * tokens (configuration_cohere2.py: "sliding_attention" if (i + 1) % pattern else "full_attention").
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, standardAttention, kvHeadCountOf, decoderDims } from './build.js';

export const COHERE_FAMILY = ['cohere', 'cohere2'] as const;
export type CohereFamily = (typeof COHERE_FAMILY)[number];

/** configuration_cohere2.py's defaults. */
const COHERE2_DEFAULT_PATTERN = 4;
const COHERE2_DEFAULT_WINDOW = 4096;

/** The layer_types values each reader models. */
export function cohereLayerTypes(type: CohereFamily): readonly string[] {
  return type === 'cohere2' ? ['full_attention', 'sliding_attention'] : ['full_attention'];
}

/** Whether layer `index` of a cohere2 model slides (layer_types, else the pattern). */
function isSliding(f: ConfigFields, index: number): boolean {
  const layerTypes = f.stringList('layer_types');
  if (layerTypes !== null && layerTypes[index] !== undefined) return layerTypes[index] === 'sliding_attention';
  return (index + 1) % (f.optionalCount('sliding_window_pattern') ?? COHERE2_DEFAULT_PATTERN) !== 0;
}

export function readCohere(f: ConfigFields, type: CohereFamily): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const intermediate = f.count('intermediate_size');
  f.done();
  const kvHeadCount = kvHeadCountOf(f, headCount);
  f.require(h % headCount === 0, `hidden_size ${h} is not divisible by num_attention_heads ${headCount}`);
  // Cohere2Config sets head_dim = hidden_size // num_attention_heads whatever the config says.
  const headDim = type === 'cohere2' ? h / headCount : (f.optionalCount('head_dim') ?? h / headCount);
  const window = type === 'cohere2' ? (f.optionalCount('sliding_window') ?? COHERE2_DEFAULT_WINDOW) : null;
  const bias = f.flag('attention_bias', false) ? 'all' : 'none';
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => ({
    attention: standardAttention({
      headCount,
      kvHeadCount,
      headDim,
      bias,
      window: window !== null && isSliding(f, i) ? window : null,
    }),
    recurrent: null,
    crossAttention: null,
    mlp: denseMlp(intermediate, true),
    normCount: 1,
  }));
  // Cohere2Attention has no q/k norms; Command R+ (cohere) does with use_qk_norm.
  const qkNorms =
    type === 'cohere' && f.flag('use_qk_norm', false) ? layerCount * (headCount + kvHeadCount) * headDim : 0;
  return architecture({
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: groupLayers(layers),
    tiedEmbeddings: f.flag('tie_word_embeddings', true),
    extraParameters: qkNorms > 0 ? [{ name: 'q/k LayerNorms over (heads, head_dim)', count: qkNorms }] : [],
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
