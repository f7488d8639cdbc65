/**
 * MiniMax-Text-01 and MiniMax-M1 (model_type minimax in transformers; minimax_m1 and
 * minimax_text_01 in the Hub checkpoints' remote code), after transformers' modeling_minimax.py:
 * each layer is lightning attention (linear attention over all heads with a sigmoid output gate
 * and a norm; a fixed heads × head_dim² state per sequence) or softmax attention (GQA, no biases),
 * by attn_type_list (0 lightning, 1 softmax; M1: every 8th softmax) or layer_types
 * ("linear_attention" / "full_attention"; transformers' default alternates, which the real models
 * do not); then an MoE of num_local_experts gated experts (no shared expert); two RMSNorms per
 * layer; an untied head. transformers also allocates decay buffers per lightning layer
 * (heads × (1 + 2·block + block²)) at load, outside the checkpoint; they are not parameters.
 */
import type { ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  decoderArchitecture,
  kvHeadCountOf,
  layerKinds,
  moe,
  standardAttention,
  decoderDims,
} from './build.js';

export const MINIMAX_FAMILY = ['minimax', 'minimax_m1', 'minimax_text_01'] as const;
export type MiniMaxFamily = (typeof MINIMAX_FAMILY)[number];
export const MINIMAX_LAYER_TYPES = ['linear_attention', 'full_attention'] as const;

/** Each layer's kind: attn_type_list (0 lightning, 1 softmax), else layer_types, else transformers' alternation. */
function kinds(f: ConfigFields, layerCount: number): (typeof MINIMAX_LAYER_TYPES)[number][] {
  const list = f.value('attn_type_list');
  if (Array.isArray(list)) {
    f.require(
      list.length === layerCount && list.every((kind) => kind === 0 || kind === 1),
      `attn_type_list: expected ${layerCount} entries of 0 (lightning) or 1 (softmax)`,
    );
    return list.map((kind) => (kind === 1 ? 'full_attention' : 'linear_attention'));
  }
  return layerKinds(f, layerCount, MINIMAX_LAYER_TYPES, (i) =>
    (i + 1) % 2 === 1 ? 'full_attention' : 'linear_attention',
  );
}

export function readMiniMax(f: ConfigFields, type: MiniMaxFamily, warnings: string[]): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const expertCount = f.count('num_local_experts');
  const width = f.count('intermediate_size');
  f.done();
  const shared = f.optionalNonNegative('shared_intermediate_size') ?? 0;
  f.require(shared === 0, `shared_intermediate_size: got ${shared}; a shared expert is not modelled for ${type}`);
  const headDim = f.optionalCount('head_dim') ?? h / headCount;
  const activeExpertCount = f.optionalCount('num_experts_per_tok') ?? 2;
  f.require(activeExpertCount <= expertCount, `num_experts_per_tok: expected at most ${expertCount} experts`);
  const mlp = { intermediateSize: width, gated: true, bias: false, experts: moe({ expertCount, activeExpertCount }) };
  const attention = standardAttention({ headCount, kvHeadCount: kvHeadCountOf(f, headCount), headDim });
  const lightning = { kind: 'lightning' as const, headCount, headDim, stateDtype: null };
  const layers: LayerShape[] = kinds(f, layerCount).map((kind) => ({
    attention: kind === 'full_attention' ? attention : null,
    recurrent: kind === 'linear_attention' ? lightning : null,
    crossAttention: null,
    mlp,
    normCount: 2,
  }));
  const linear = layers.filter((layer) => layer.recurrent !== null).length;
  const block = f.optionalCount('block_size') ?? 256;
  if (linear > 0)
    warnings.push(
      `${type}: transformers also allocates ${linear} lightning layers' decay buffers at load (${headCount} × (1 + 2 × ${block} + ${block}²) elements each), which are not parameters and not counted`,
    );
  return decoderArchitecture(f, {
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    tiedByDefault: false,
  });
}
