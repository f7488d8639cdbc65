/**
 * Llama 4's text model (model_type llama4_text; the llama4 wrapper is read through its
 * text_config), after transformers' configuration_llama4.py / modeling_llama4.py:
 * - MoE layers at moe_layers, default every interleave_moe_layer_step-th (step − 1, 2·step − 1, …):
 *   num_local_experts experts of intermediate_size (gated, no biases), num_experts_per_tok active,
 *   a shared expert of intermediate_size and a bias-free router; the other layers are dense MLPs of
 *   intermediate_size_mlp;
 * - chunked local attention on the RoPE layers (no_rope_layers[i] = 1; by default every layer but
 *   each no_rope_layer_interval-th, 4) over attention_chunk_size tokens, caching at most one chunk;
 *   the NoPE layers attend globally (layer_types chunked_attention / full_attention when given);
 * - q/k L2 norms without weights, input and post-attention RMSNorms, untied head.
 */
import type { ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  decoderArchitecture,
  denseMlp,
  moe,
  standardAttention,
  kvHeadCountOf,
  decoderDims,
} from './build.js';

/** The layer_types values this reader models. */
export const LLAMA4_LAYER_TYPES: readonly string[] = ['full_attention', 'chunked_attention'];

/** configuration_llama4.py defaults (Llama4TextConfig). */
const DEFAULT_NO_ROPE_INTERVAL = 4;
const DEFAULT_KV_HEADS = 8;
const DEFAULT_HEAD_DIM = 128;
const DEFAULT_CHUNK = 8192;

function isChunked(f: ConfigFields, index: number): boolean {
  const layerTypes = f.stringList('layer_types');
  if (layerTypes !== null && layerTypes[index] !== undefined) return layerTypes[index] === 'chunked_attention';
  const noRope = f.value('no_rope_layers');
  if (Array.isArray(noRope) && noRope[index] !== undefined) return noRope[index] === 1 || noRope[index] === true;
  return (index + 1) % (f.optionalCount('no_rope_layer_interval') ?? DEFAULT_NO_ROPE_INTERVAL) !== 0;
}

/** Which layers are MoE: moe_layers, else every interleave_moe_layer_step-th. */
function moeLayers(f: ConfigFields, layerCount: number): ReadonlySet<number> {
  const listed = f.value('moe_layers');
  if (Array.isArray(listed)) return new Set(listed.filter((i): i is number => Number.isInteger(i)));
  const step = f.optionalCount('interleave_moe_layer_step') ?? 1;
  const layers = new Set<number>();
  for (let i = step - 1; i < layerCount; i += step) layers.add(i);
  return layers;
}

export function readLlama4Text(f: ConfigFields): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const expertWidth = f.count('intermediate_size');
  const denseWidth = f.count('intermediate_size_mlp');
  const expertCount = f.count('num_local_experts');
  f.done();
  const kvHeadCount = kvHeadCountOf(f, headCount, DEFAULT_KV_HEADS);
  const headDim = f.optionalCount('head_dim') ?? DEFAULT_HEAD_DIM;
  const chunk = f.optionalCount('attention_chunk_size') ?? DEFAULT_CHUNK;
  const bias = f.flag('attention_bias', false) ? 'all' : 'none';
  const activeExpertCount = f.optionalCount('num_experts_per_tok') ?? 1;
  const experts = moe({ expertCount, activeExpertCount, sharedIntermediateSize: expertWidth });
  const routed = moeLayers(f, layerCount);
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => {
    const chunked = isChunked(f, i);
    return {
      attention: standardAttention({ headCount, kvHeadCount, headDim, bias, window: chunked ? chunk : null, chunked }),
      recurrent: null,
      crossAttention: null,
      mlp: routed.has(i)
        ? { intermediateSize: expertWidth, gated: true, bias: false, experts }
        : denseMlp(denseWidth, true),
      normCount: 2,
    };
  });
  return decoderArchitecture(f, {
    modelType: 'llama4_text',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    tiedByDefault: false,
  });
}
