/**
 * MiniMax-M2 (model_type minimax_m2: MiniMax-M2, M2.1, M2.5, M2.7), after transformers'
 * modeling_minimax_m2.py: every layer full attention (GQA, no biases, partial rotary) with q/k
 * RMSNorms over the whole projection (qk_norm_type "per_layer": heads × head_dim and kv_heads ×
 * head_dim weights, built whatever use_qk_norm says), and an MoE of num_local_experts gated
 * experts of intermediate_size with a sigmoid router and a per-expert score-correction bias (a
 * buffer stored in the checkpoint, counted here), no shared expert; two RMSNorms per layer, an
 * untied head. The MTP modules (num_mtp_modules, use_mtp) are loaded only for speculative
 * decoding and not counted. attn_type_list must be all softmax (1): lightning-attention layers
 * (0) are MiniMax-M1's and are refused (unmodelled.ts).
 */
import type { ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, kvHeadCountOf, moe, standardAttention, decoderArchitecture, decoderDims } from './build.js';

export function readMiniMaxM2(f: ConfigFields, warnings: string[]): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const expertCount = f.count('num_local_experts', 'num_experts');
  const width = f.count('intermediate_size');
  f.done();
  const kvHeadCount = kvHeadCountOf(f, headCount);
  const headDim = f.optionalCount('head_dim') ?? h / headCount;
  const normType = f.string('qk_norm_type') ?? 'per_layer';
  f.require(
    normType === 'per_layer',
    `qk_norm_type: "${normType}" is not modelled; the minimax_m2 reader counts per_layer q/k norms`,
  );
  const shared = f.optionalNonNegative('shared_intermediate_size') ?? 0;
  f.require(shared === 0, `shared_intermediate_size: got ${shared}; MiniMaxM2 has no shared expert`);
  const activeExpertCount = f.optionalCount('num_experts_per_tok') ?? 8;
  f.require(activeExpertCount <= expertCount, `num_experts_per_tok: expected at most ${expertCount} experts`);
  const layer: LayerShape = {
    attention: standardAttention({ headCount, kvHeadCount, headDim }),
    recurrent: null,
    crossAttention: null,
    mlp: {
      intermediateSize: width,
      gated: true,
      bias: false,
      experts: moe({ expertCount, activeExpertCount, scoreCorrectionBias: true }),
    },
    normCount: 2,
  };
  const mtp = f.optionalNonNegative('num_mtp_modules') ?? 0;
  if (mtp > 0 && f.flag('use_mtp', false))
    warnings.push(
      `minimax_m2: the ${mtp} multi-token-prediction modules are loaded only for speculative decoding, and not counted`,
    );
  return decoderArchitecture(f, {
    modelType: 'minimax_m2',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: Array.from({ length: layerCount }, () => layer),
    extraParameters: [
      { name: 'q/k RMSNorms over the whole projection', count: layerCount * (headCount + kvHeadCount) * headDim },
    ],
    tiedByDefault: false,
  });
}
