/**
 * Gemma 3n's language model (model_type gemma3n_text; gemma3n wraps it with vision and audio
 * towers), after transformers' modeling_gemma3n.py (counts checked against transformers 5.18:
 * E4B text 6,835,235,568):
 * - attention: q_proj, o_proj, q_norm; k_proj, v_proj and k_norm only in the first
 *   L − num_kv_shared_layers layers; the last num_kv_shared_layers reuse the K/V of the last
 *   earlier layer of their kind and cache nothing; sliding or full by layer_types
 * - a gated MLP per layer (intermediate_size may be a list, one width per layer), four RMSNorms
 * - per layer: AltUp (correct_output_scale h, correction n², prediction n³, a router h·n and its
 *   norm h), LAuReL (h·r + r·h + a norm h) and the per-layer input gate (h·P + P·h + a norm h)
 * - outside the layers: the per-layer embedding table vocab_size_per_layer_input × L·P, its
 *   projection h·L·P and norm P, the AltUp projections 2·(n − 1)·h², a tied head
 * The checkpoint also stores k/v weights for the shared layers, which transformers drops on load.
 */
import type { ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  denseMlp,
  kvHeadCountOf,
  layerKinds,
  standardAttention,
  decoderArchitecture,
  decoderDims,
} from './build.js';

export const GEMMA3N_LAYER_TYPES = ['sliding_attention', 'full_attention'] as const;

/** intermediate_size: one width, or a list with one per layer (MatFormer slices). */
function widths(f: ConfigFields, layerCount: number): number[] {
  const given = f.value('intermediate_size');
  if (Array.isArray(given)) {
    const list = given.filter((w): w is number => Number.isInteger(w) && w > 0);
    f.require(
      list.length === layerCount && list.length === given.length,
      `intermediate_size: expected ${layerCount} positive widths`,
    );
    return list;
  }
  const width = f.optionalCount('intermediate_size') ?? 16384;
  return Array.from({ length: layerCount }, () => width);
}

export function readGemma3n(f: ConfigFields): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  f.done();
  const headDim = f.optionalCount('head_dim') ?? 256;
  const window = f.optionalCount('sliding_window') ?? 512;
  const shared = f.optionalNonNegative('num_kv_shared_layers') ?? 0;
  const n = f.optionalCount('altup_num_inputs') ?? 4;
  const rank = f.optionalCount('laurel_rank') ?? 64;
  const perLayer = f.optionalCount('hidden_size_per_layer_input') ?? 256;
  const perLayerVocab = f.optionalCount('vocab_size_per_layer_input') ?? 262144;
  const kvHeadCount = kvHeadCountOf(f, headCount);
  const mlpWidths = widths(f, layerCount);
  const kinds = layerKinds(f, layerCount, GEMMA3N_LAYER_TYPES, (i) =>
    (i + 1) % 5 === 0 ? 'full_attention' : 'sliding_attention',
  );
  const firstShared = layerCount - shared;
  const layers: LayerShape[] = kinds.map((kind, i) => ({
    attention: standardAttention({
      headCount,
      kvHeadCount,
      headDim,
      qkNorm: true,
      sharedKv: shared > 0 && i >= firstShared,
      window: kind === 'sliding_attention' ? window : null,
    }),
    recurrent: null,
    crossAttention: null,
    mlp: denseMlp(mlpWidths[i] ?? 0, true),
    normCount: 4,
  }));
  const blockExtras = h + n * n + n * n * n + h * n + h + 2 * h * rank + h + 2 * h * perLayer + h;
  return decoderArchitecture(f, {
    modelType: 'gemma3n_text',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    extraParameters: [
      {
        name: 'per-layer embeddings, their projection and norm',
        count: perLayerVocab * layerCount * perLayer + h * layerCount * perLayer + perLayer,
      },
      { name: 'AltUp projections', count: 2 * (n - 1) * h * h },
      { name: 'AltUp, LAuReL and per-layer-input blocks', count: layerCount * blockExtras },
    ],
    tiedByDefault: true,
  });
}
