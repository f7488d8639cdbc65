/**
 * Mamba-2 hybrids with an MLP in every layer, after transformers' modeling code:
 * - granitemoehybrid (Granite 4.0-H): each layer is Mamba-2 or attention by layer_types ("mamba" /
 *   "attention"; all Mamba when absent), then a shared gated MLP (shared_intermediate_size) and,
 *   when num_local_experts > 0 (default 8), routed gated experts of intermediate_size; attention
 *   biases from attention_bias; the Mamba-2 width mamba_n_heads × mamba_d_head ("auto":
 *   mamba_expand × hidden); in/out_proj biases from mamba_proj_bias.
 * - falcon_h1 (Falcon-H1): attention and Mamba-2 side by side in every layer, then a gated MLP;
 *   the Mamba-2 width mamba_d_ssm (default 1024), in_proj bias mamba_proj_bias, out_proj bias
 *   projectors_bias, a gated RMSNorm only with mamba_rms_norm; its multipliers have no parameters.
 * Both: two RMSNorms per layer, a final norm.
 */
import { type Mamba2Mixer, type MlpSpec, type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import {
  type LayerShape,
  denseMlp,
  kvHeadCountOf,
  layerKinds,
  moe,
  standardAttention,
  type DecoderDims,
  decoderDims,
} from './build.js';

export const GRANITE_HYBRID_LAYER_TYPES = ['mamba', 'attention', 'linear_attention', 'full_attention'] as const;

/** The Mamba-2 mixer of both families, from their mamba_* fields. */
function mamba2(
  f: ConfigFields,
  innerSize: number,
  inBias: boolean,
  outBias: boolean,
  gatedNorm: boolean,
): Mamba2Mixer {
  const headCount = f.optionalCount('mamba_n_heads') ?? 128;
  const givenHeadDim = f.value('mamba_d_head');
  const headDim =
    givenHeadDim === undefined || givenHeadDim === 'auto' ? innerSize / headCount : f.count('mamba_d_head');
  f.require(
    Number.isInteger(headDim) && headDim * headCount === innerSize,
    `mamba_n_heads × mamba_d_head (${headCount} × ${headDim}) must equal the Mamba width ${innerSize}`,
  );
  return {
    kind: 'mamba2',
    headCount,
    headDim,
    innerSize,
    stateSize: f.optionalCount('mamba_d_state') ?? 256,
    groupCount: f.optionalCount('mamba_n_groups') ?? 1,
    convKernel: f.optionalCount('mamba_d_conv') ?? 4,
    convBias: f.flag('mamba_conv_bias', true),
    inBias,
    outBias,
    stateDtype: null,
    gatedNorm,
  };
}

function attentionOf(f: ConfigFields, c: DecoderDims) {
  return standardAttention({
    headCount: c.headCount,
    kvHeadCount: kvHeadCountOf(f, c.headCount),
    headDim: f.optionalCount('head_dim') ?? c.h / c.headCount,
    bias: f.flag('attention_bias', false) ? 'all' : 'none',
  });
}

function build(f: ConfigFields, type: string, c: DecoderDims, layers: LayerShape[], tied: boolean): ModelArchitecture {
  return architecture({
    modelType: type,
    hiddenSize: c.h,
    vocabSize: c.vocabSize,
    maxPositionCount: c.maxPositionCount,
    layers: groupLayers(layers),
    tiedEmbeddings: f.flag('tie_word_embeddings', tied),
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}

export function readGraniteHybrid(f: ConfigFields): ModelArchitecture {
  const c = decoderDims(f);
  f.done();
  const projBias = f.flag('mamba_proj_bias', false);
  const mixer = mamba2(f, (f.optionalCount('mamba_expand') ?? 2) * c.h, projBias, projBias, true);
  const shared = f.optionalNonNegative('shared_intermediate_size') ?? 1024;
  const expertCount = f.optionalNonNegative('num_local_experts') ?? 8;
  const mlp: MlpSpec =
    expertCount > 0
      ? {
          intermediateSize: f.optionalCount('intermediate_size') ?? 11008,
          gated: true,
          bias: false,
          experts: moe({
            expertCount,
            activeExpertCount: f.optionalCount('num_experts_per_tok') ?? 2,
            sharedIntermediateSize: shared,
          }),
        }
      : denseMlp(shared, true);
  const attention = attentionOf(f, c);
  const kinds = layerKinds(f, c.layerCount, GRANITE_HYBRID_LAYER_TYPES, () => 'mamba');
  const layers = kinds.map((kind) => {
    const attends = kind === 'attention' || kind === 'full_attention';
    return {
      attention: attends ? attention : null,
      recurrent: attends ? null : mixer,
      crossAttention: null,
      mlp,
      normCount: 2,
    };
  });
  return build(f, 'granitemoehybrid', c, layers, false);
}

export function readFalconH1(f: ConfigFields): ModelArchitecture {
  const c = decoderDims(f);
  const width = f.count('intermediate_size');
  f.done();
  // Attention in only some layers (attn_layer_indices) or no MLP (mamba_use_mlp false) are not modelled.
  f.require(
    f.value('attn_layer_indices') === undefined,
    'attn_layer_indices: attention in only some layers is not modelled for falcon_h1',
  );
  f.require(
    f.flag('mamba_use_mlp', true),
    'mamba_use_mlp: false (layers without an MLP) is not modelled for falcon_h1',
  );
  const innerSize = f.optionalCount('mamba_d_ssm') ?? 1024;
  const mixer = mamba2(
    f,
    innerSize,
    f.flag('mamba_proj_bias', false),
    f.flag('projectors_bias', false),
    f.flag('mamba_rms_norm', false),
  );
  const layer: LayerShape = {
    attention: attentionOf(f, c),
    recurrent: mixer,
    crossAttention: null,
    mlp: denseMlp(width, true, f.flag('mlp_bias', false)),
    normCount: 2,
  };
  return build(
    f,
    'falcon_h1',
    c,
    Array.from({ length: c.layerCount }, () => layer),
    false,
  );
}
