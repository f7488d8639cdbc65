/**
 * Jamba (model_type jamba: Jamba v0.1, Jamba 1.5 / 1.6 / 1.7), after transformers'
 * modeling_jamba.py: layer i has attention when i % attn_layer_period == attn_layer_offset, else a
 * Mamba-1 mixer of mamba_expand × hidden channels with weighted RMSNorms on dt, B and C; its MLP
 * routes to num_experts experts when i % expert_layer_period == expert_layer_offset (and there is
 * more than one expert), else it is dense. Attention is GQA without biases, rotary or q/k norms;
 * two RMSNorms per layer; the head untied by default.
 */
import type { MambaMixer, ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  decoderArchitecture,
  denseMlp,
  kvHeadCountOf,
  moe,
  standardAttention,
  decoderDims,
} from './build.js';
import { timeStepRank } from './ssm.js';

function mamba(f: ConfigFields, h: number): MambaMixer {
  return {
    kind: 'mamba',
    innerSize: (f.optionalCount('mamba_expand') ?? 2) * h,
    stateSize: f.optionalCount('mamba_d_state') ?? 16,
    convKernel: f.optionalCount('mamba_d_conv') ?? 4,
    timeStepRank: timeStepRank(f, h, 'mamba_dt_rank'),
    convBias: f.flag('mamba_conv_bias', true),
    projBias: f.flag('mamba_proj_bias', false),
    stateDtype: null,
    dtbcNorms: true,
  };
}

export function readJamba(f: ConfigFields): ModelArchitecture {
  const { h, layerCount, headCount, vocabSize, maxPositionCount } = decoderDims(f);
  const width = f.count('intermediate_size');
  f.done();
  const attention = standardAttention({
    headCount,
    kvHeadCount: kvHeadCountOf(f, headCount),
    headDim: f.optionalCount('head_dim') ?? h / headCount,
  });
  const mixer = mamba(f, h);
  const attnPeriod = f.optionalCount('attn_layer_period') ?? 8;
  const attnOffset = f.optionalNonNegative('attn_layer_offset') ?? 4;
  const expertPeriod = f.optionalCount('expert_layer_period') ?? 2;
  const expertOffset = f.optionalNonNegative('expert_layer_offset') ?? 1;
  const expertCount = f.optionalCount('num_experts', 'num_local_experts') ?? 16;
  const experts = moe({ expertCount, activeExpertCount: f.optionalCount('num_experts_per_tok') ?? 2 });
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => {
    const attends = i % attnPeriod === attnOffset;
    const routed = expertCount > 1 && i % expertPeriod === expertOffset;
    return {
      attention: attends ? attention : null,
      recurrent: attends ? null : mixer,
      crossAttention: null,
      mlp: routed ? { intermediateSize: width, gated: true, bias: false, experts } : denseMlp(width, true),
      normCount: 2,
    };
  });
  return decoderArchitecture(f, {
    modelType: 'jamba',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    tiedByDefault: false,
  });
}
