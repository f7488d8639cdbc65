/**
 * GLM-4.5 / GLM-4.6 (model_type glm4_moe), after transformers' modeling_glm4_moe.py: standard GQA
 * attention with q/k/v biases (attention_bias) and per-head q/k RMSNorms (use_qk_norm), partial
 * rotary (no parameters); input and post-attention RMSNorms; the first `first_k_dense_replace`
 * layers have a dense MLP of intermediate_size, the rest route to n_routed_experts of
 * moe_intermediate_size (num_experts_per_tok active) with n_shared_experts × moe_intermediate_size
 * of shared experts and a router with a per-expert score-correction bias (e_score_correction_bias);
 * an untied head. The multi-token-prediction layer (num_nextn_predict_layers) is stored after the
 * main layers and loaded only for speculative decoding, so it is not counted (as for DeepSeek-V3).
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
  mtpModules,
  mtpWarning,
  decoderDims,
} from './build.js';

export function readGlm4Moe(f: ConfigFields, warnings: string[]): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const denseWidth = f.count('intermediate_size');
  const expertWidth = f.count('moe_intermediate_size');
  const expertCount = f.count('n_routed_experts');
  f.done();
  const kvHeadCount = kvHeadCountOf(f, headCount);
  const headDim = f.optionalCount('head_dim') ?? h / headCount;
  const attention = standardAttention({
    headCount,
    kvHeadCount,
    headDim,
    bias: f.flag('attention_bias', false) ? 'qkv' : 'none',
    qkNorm: f.flag('use_qk_norm', false),
  });
  const experts = moe({
    expertCount,
    activeExpertCount: f.optionalCount('num_experts_per_tok') ?? 1,
    sharedIntermediateSize: (f.optionalNonNegative('n_shared_experts') ?? 1) * expertWidth,
    scoreCorrectionBias: true,
  });
  const firstDense = f.optionalNonNegative('first_k_dense_replace') ?? 1;
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => ({
    attention,
    recurrent: null,
    crossAttention: null,
    mlp:
      i < firstDense
        ? denseMlp(denseWidth, true)
        : { intermediateSize: expertWidth, gated: true, bias: false, experts },
    normCount: 2,
  }));
  const mtp = mtpWarning(f, 'glm4_moe', 'in the checkpoint for speculative decoding (--mtp loads it)');
  if (mtp) warnings.push(mtp);
  const last = layers[layers.length - 1];
  return decoderArchitecture(f, {
    modelType: 'glm4_moe',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    mtp: last ? mtpModules(f, h, vocabSize, last) : null,
    tiedByDefault: false,
  });
}
