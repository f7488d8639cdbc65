/**
 * DeepSeek-V2 / V3 (model_type deepseek_v2, deepseek_v3): multi-head latent attention in every
 * layer; the first `first_k_dense_replace` layers have a dense MLP of intermediate_size, the rest
 * (every moe_layer_freq-th) route to n_routed_experts of moe_intermediate_size with
 * n_shared_experts × moe_intermediate_size of shared experts (DeepSeek-V2, arXiv:2405.04434;
 * transformers modeling_deepseek_v3.py). V3 adds a per-expert score-correction bias
 * (topk_method noaux_tc). V3.2 (deepseek_v32, transformers modeling_deepseek_v32.py) adds the
 * sparse-attention indexer in every layer (index_n_heads × index_head_dim, its key cached per
 * token). The multi-token-prediction module (num_nextn_predict_layers) is stored for speculative
 * decoding and counted only with --mtp.
 */
import type { LatentAttention, ModelArchitecture } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, decoderArchitecture, denseMlp, moe, mtpModules, mtpWarning } from './build.js';

/** MLA of every layer, with V3.2's indexer. */
function latentAttention(
  f: ConfigFields,
  type: string,
  headCount: number,
  dims: Pick<LatentAttention, 'kvLoraRank' | 'qkNopeHeadDim' | 'qkRopeHeadDim' | 'vHeadDim'>,
): LatentAttention {
  const qLoraRank = f.optionalCount('q_lora_rank');
  // The indexer's wq_b reads the compressed query, so V3.2 needs q_lora_rank.
  f.require(
    type !== 'deepseek_v32' || qLoraRank !== null,
    'q_lora_rank: deepseek_v32 needs one (its indexer reads the compressed query)',
  );
  return {
    kind: 'latent',
    headCount,
    qLoraRank,
    ...dims,
    window: null,
    indexer:
      type === 'deepseek_v32' ? { headCount: f.count('index_n_heads'), headDim: f.count('index_head_dim') } : null,
  };
}

export function readDeepSeek(
  f: ConfigFields,
  type: 'deepseek_v2' | 'deepseek_v3' | 'deepseek_v32',
  warnings: string[],
): ModelArchitecture {
  const h = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const headCount = f.count('num_attention_heads');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount = f.count('max_position_embeddings');
  const denseWidth = f.count('intermediate_size');
  const kvLoraRank = f.count('kv_lora_rank');
  const qkNopeHeadDim = f.count('qk_nope_head_dim');
  const qkRopeHeadDim = f.count('qk_rope_head_dim');
  const vHeadDim = f.count('v_head_dim');
  const expertCount = f.count('n_routed_experts');
  const expertWidth = f.count('moe_intermediate_size');
  const activeExperts = f.count('num_experts_per_tok');
  f.done();
  f.require(
    activeExperts <= expertCount,
    `num_experts_per_tok: got ${activeExperts}, expected at most n_routed_experts (${expertCount})`,
  );
  const firstDense = f.optionalNonNegative('first_k_dense_replace') ?? 0;
  const frequency = f.optionalCount('moe_layer_freq') ?? 1;
  const sharedExperts = f.optionalNonNegative('n_shared_experts') ?? 0;
  const attention = latentAttention(f, type, headCount, { kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim });
  const layers: LayerShape[] = Array.from({ length: layerCount }, (_, i) => ({
    attention,
    recurrent: null,
    crossAttention: null,
    mlp:
      i >= firstDense && i % frequency === 0
        ? {
            intermediateSize: expertWidth,
            gated: true,
            bias: false,
            experts: moe({
              expertCount,
              activeExpertCount: activeExperts,
              sharedIntermediateSize: sharedExperts * expertWidth,
              scoreCorrectionBias: f.string('topk_method') === 'noaux_tc',
            }),
          }
        : denseMlp(denseWidth, true),
    normCount: 2,
  }));
  const mtp = mtpWarning(f, type, 'in the checkpoint for speculative decoding (--mtp loads it)');
  if (mtp) warnings.push(mtp);
  const last = layers[layers.length - 1];
  return decoderArchitecture(f, {
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers,
    mtp: last ? mtpModules(f, h, vocabSize, last) : null,
    tiedByDefault: false,
  });
}
