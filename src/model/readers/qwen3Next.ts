/**
 * Qwen3-Next and the Qwen3.5 language models (model_type qwen3_next, qwen3_5_text,
 * qwen3_5_moe_text), after transformers' modeling_qwen3_next.py: a hybrid of Gated DeltaNet
 * linear-attention layers and gated full-attention layers, from `layer_types` or else every
 * full_attention_interval-th layer (default 4) full: `"linear_attention" if (i + 1) %
 * full_attention_interval else "full_attention"`.
 * - Full attention (Qwen3NextAttention): q_proj gives queries and a sigmoid output gate (2·a·d
 *   wide), GQA k/v, o_proj, per-head q/k RMSNorms, no biases unless attention_bias.
 * - Gated DeltaNet (Qwen3NextGatedDeltaNet): in_proj_qkvz, in_proj_ba, a depthwise conv1d without
 *   bias over q, k and v, dt_bias and A_log per value head, a gated RMSNorm of the value head size,
 *   out_proj. Per sequence it keeps a conv state and a value-heads × key-dim × value-dim state.
 * - MLP: Qwen3-Next routes every decoder_sparse_step-th layer not in mlp_only_layers to num_experts
 *   experts of moe_intermediate_size plus a shared expert with a sigmoid gate (as Qwen2-MoE);
 *   Qwen3.5 dense models have a gated MLP of intermediate_size.
 * - Two RMSNorms per layer, a final norm, an untied head unless tie_word_embeddings.
 * The multi-token-prediction block (mtp_num_hidden_layers) is stored apart (mtp.*) and loaded only
 * for speculative decoding, so it is not counted. mamba_ssm_dtype (Qwen3.5: float32) is the state
 * dtype vLLM keeps (vllm/model_executor/models/config.py Qwen3_5ForConditionalGenerationConfig).
 */
import type { GatedDeltaNetMixer, MlpSpec, ModelArchitecture } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  denseMlp,
  kvHeadCountOf,
  layerKinds,
  moe,
  qwenSparseLayers,
  standardAttention,
  decoderArchitecture,
  decoderDims,
} from './build.js';

export const QWEN3_NEXT_FAMILY = ['qwen3_next', 'qwen3_5_text', 'qwen3_5_moe_text'] as const;
export type Qwen3NextFamily = (typeof QWEN3_NEXT_FAMILY)[number];

export const QWEN3_NEXT_LAYER_TYPES = ['linear_attention', 'full_attention'] as const;

function deltaNet(f: ConfigFields): GatedDeltaNetMixer {
  return {
    kind: 'gated_deltanet',
    keyHeadCount: f.count('linear_num_key_heads'),
    valueHeadCount: f.count('linear_num_value_heads'),
    keyHeadDim: f.count('linear_key_head_dim'),
    valueHeadDim: f.count('linear_value_head_dim'),
    convKernel: f.optionalCount('linear_conv_kernel_dim') ?? 4,
    stateDtype: dtypeFromTorch(f.value('mamba_ssm_dtype')),
  };
}

/** The MLP of each layer: Qwen2-MoE-style experts where routed, else a dense gated MLP. */
function mlpOf(f: ConfigFields, h: number): (layer: number) => MlpSpec {
  const expertCount = f.optionalNonNegative('num_experts') ?? 0;
  if (expertCount === 0) {
    const dense = denseMlp(f.count('intermediate_size'), true);
    return () => dense;
  }
  const activeExpertCount = f.optionalCount('num_experts_per_tok') ?? 1;
  f.require(activeExpertCount <= expertCount, `num_experts_per_tok: expected at most ${expertCount} experts`);
  const experts = moe({
    expertCount,
    activeExpertCount,
    sharedIntermediateSize: f.optionalNonNegative('shared_expert_intermediate_size') ?? 0,
    sharedExpertGate: true,
  });
  const routed: MlpSpec = {
    intermediateSize: f.count('moe_intermediate_size'),
    gated: true,
    bias: false,
    experts,
  };
  const dense = denseMlp(f.optionalCount('intermediate_size') ?? h, true);
  const sparse = qwenSparseLayers(f);
  return (i) => (sparse(i) ? routed : dense);
}

export function readQwen3Next(f: ConfigFields, type: Qwen3NextFamily, warnings: string[]): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const mixer = deltaNet(f);
  f.done();
  const attention = standardAttention({
    headCount,
    kvHeadCount: kvHeadCountOf(f, headCount),
    headDim: f.optionalCount('head_dim') ?? h / headCount,
    bias: f.flag('attention_bias', false) ? 'all' : 'none',
    qkNorm: true,
    outputGate: f.flag('attn_output_gate', true),
  });
  const interval = f.optionalCount('full_attention_interval') ?? 4;
  const kinds = layerKinds(f, layerCount, QWEN3_NEXT_LAYER_TYPES, (i) =>
    (i + 1) % interval === 0 ? 'full_attention' : 'linear_attention',
  );
  const mlpAt = mlpOf(f, h);
  const layers: LayerShape[] = kinds.map((kind, i) => ({
    attention: kind === 'full_attention' ? attention : null,
    recurrent: kind === 'linear_attention' ? mixer : null,
    crossAttention: null,
    mlp: mlpAt(i),
    normCount: 2,
  }));
  const mtp = f.optionalNonNegative('mtp_num_hidden_layers', 'num_nextn_predict_layers') ?? 0;
  if (mtp > 0)
    warnings.push(
      `${type}: the ${mtp} multi-token-prediction layer${mtp > 1 ? 's are' : ' is'} stored apart (mtp.*) for speculative decoding, and not counted`,
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
