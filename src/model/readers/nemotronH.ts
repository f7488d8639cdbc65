/**
 * Nemotron-H (model_type nemotron_h: Nemotron-H, Nemotron Nano 2, Nemotron 3), after
 * transformers' modeling_nemotron_h.py. Every layer is one RMSNorm and one block, by the
 * characters of hybrid_override_pattern (or the names in layers_block_type / layer_types), and
 * the layer count is the pattern's length:
 *   M  Mamba-2 mixer: mamba_num_heads × mamba_head_dim wide (expand is ignored), n_groups B/C
 *      groups, ssm_state_size, conv_kernel; in/out_proj biases from use_bias, conv bias from
 *      use_conv_bias, a gated RMSNorm
 *   *  attention: GQA without biases, rotary or q/k norms; head_dim (attention_head_dim)
 *   -  MLP: up/down, not gated (relu²), mlp_bias
 *   E  MoE: n_routed_experts up/down experts of moe_intermediate_size, one shared up/down MLP of
 *      moe_shared_expert_intermediate_size, a router with a score-correction bias
 * The head is never tied. mamba_ssm_cache_dtype (default float32) is what vLLM keeps the SSM state
 * in (vllm/model_executor/models/config.py NemotronHForCausalLMConfig).
 */
import type { Mamba2Mixer, ModelArchitecture } from '../../core/architecture.js';
import { groupLayers } from '../../core/architecture.js';
import { type Dtype, dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, kvHeadCountOf, moe, standardAttention } from './build.js';
import { ownValue } from '../../core/ownKey.js';

export const NEMOTRON_H_LAYER_TYPES = [
  'mamba',
  'attention',
  'mlp',
  'moe',
  'linear_attention',
  'full_attention',
] as const;

type Block = 'M' | '*' | '-' | 'E';

const BLOCK_OF: Readonly<Record<string, Block>> = {
  M: 'M',
  '*': '*',
  '-': '-',
  E: 'E',
  mamba: 'M',
  linear_attention: 'M',
  attention: '*',
  full_attention: '*',
  mlp: '-',
  moe: 'E',
};

function blocks(f: ConfigFields): Block[] {
  const pattern = f.value('hybrid_override_pattern');
  const names =
    typeof pattern === 'string' ? [...pattern] : (f.stringList('layers_block_type') ?? f.stringList('layer_types'));
  f.require(
    names !== null && names.length > 0,
    'missing hybrid_override_pattern (or layers_block_type): which layers are Mamba, attention, MLP or MoE',
  );
  const list = names ?? [];
  const kinds = list.map((name) => ownValue(BLOCK_OF, name)).filter((block): block is Block => block !== undefined);
  const bad = list.find((name) => ownValue(BLOCK_OF, name) === undefined);
  f.require(bad === undefined, `hybrid_override_pattern: ${JSON.stringify(bad)} is not M, *, - or E`);
  return kinds;
}

function mamba2(f: ConfigFields, stateDtype: Dtype): Mamba2Mixer {
  const headCount = f.count('mamba_num_heads');
  const headDim = f.optionalCount('mamba_head_dim') ?? 64;
  const bias = f.flag('use_bias', false);
  return {
    kind: 'mamba2',
    headCount,
    headDim,
    innerSize: headCount * headDim,
    stateSize: f.optionalCount('ssm_state_size') ?? 128,
    groupCount: f.optionalCount('n_groups', 'mamba_n_groups') ?? 8,
    convKernel: f.optionalCount('conv_kernel', 'mamba_d_conv') ?? 4,
    convBias: f.flag('use_conv_bias', true),
    inBias: bias,
    outBias: bias,
    stateDtype,
    gatedNorm: true,
  };
}

export function readNemotronH(f: ConfigFields, warnings: string[]): ModelArchitecture {
  const h = f.count('hidden_size');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount = f.count('max_position_embeddings');
  const kinds = blocks(f);
  f.require(f.value('moe_latent_size') === undefined, 'moe_latent_size: latent MoE projections are not modelled');
  // NemotronHMoE builds exactly one shared MLP; a config asking for more is not what it runs.
  const shared = f.optionalNonNegative('n_shared_experts') ?? 1;
  f.require(shared <= 1, `n_shared_experts: got ${shared}, but NemotronHMoE builds one shared expert`);
  const stateDtype = dtypeFromTorch(f.value('mamba_ssm_cache_dtype') ?? 'float32') ?? 'fp32';
  const has = (block: Block) => kinds.includes(block);
  const headCount = has('*') ? f.count('num_attention_heads') : 1;
  const mixer = has('M') ? mamba2(f, stateDtype) : null;
  const mlp = has('-') ? denseMlp(f.count('intermediate_size'), false, f.flag('mlp_bias', false)) : null;
  const expertCount = has('E') ? f.count('n_routed_experts') : 0;
  f.done();
  const attention = has('*')
    ? standardAttention({
        headCount,
        kvHeadCount: kvHeadCountOf(f, headCount),
        headDim: f.optionalCount('head_dim', 'attention_head_dim') ?? h / headCount,
      })
    : null;
  const experts = has('E')
    ? {
        intermediateSize: f.count('moe_intermediate_size'),
        gated: false,
        bias: false,
        experts: moe({
          expertCount,
          activeExpertCount: f.optionalCount('num_experts_per_tok') ?? 1,
          sharedIntermediateSize: f.optionalNonNegative('moe_shared_expert_intermediate_size') ?? 0,
          sharedExpertBias: f.flag('mlp_bias', false),
          scoreCorrectionBias: true,
        }),
      }
    : null;
  const given = f.optionalCount('num_hidden_layers');
  if (given !== null && given !== kinds.length)
    warnings.push(
      `nemotron_h: num_hidden_layers ${given} differs from the pattern's ${kinds.length} layers; the pattern is read, as transformers does`,
    );
  const layers: LayerShape[] = kinds.map((block) => ({
    attention: block === '*' ? attention : null,
    recurrent: block === 'M' ? mixer : null,
    crossAttention: null,
    mlp: block === '-' ? mlp : block === 'E' ? experts : null,
    normCount: 1,
  }));
  return architecture({
    modelType: 'nemotron_h',
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: groupLayers(layers),
    tiedEmbeddings: false,
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
