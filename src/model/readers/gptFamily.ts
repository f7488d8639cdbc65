/**
 * GPT-lineage decoders with LayerNorm and biases: gpt2, gpt_neox (Pythia), opt, bloom, falcon.
 * - gpt2: Conv1D projections (same counts as Linear), learned positions n_positions, MLP n_inner
 *   (default 4h), tied head (transformers GPT2Config / modeling_gpt2.py).
 * - gpt_neox: separate embed_in/embed_out unless tied, biased q/k/v/o and MLP.
 * - opt: learned positions with an offset of 2 (OPTLearnedPositionalEmbedding), optional
 *   project_in/project_out when word_embed_proj_dim differs, final norm when
 *   do_layer_norm_before, tied head.
 * - bloom: ALiBi (no position table), a LayerNorm after the embeddings, tied head; older configs
 *   name fields n_embed / n_layer / seq_length.
 * - falcon: multi_query (1 KV head) or num_kv_heads with new_decoder_architecture; parallel
 *   attention with one norm per layer (two in the new architecture); tied head.
 * - gpt_bigcode (StarCoder, SantaCoder): GPT-2 with multi-query attention (multi_query, default
 *   true: one K/V head, c_attn projects to h + 2 × head_dim), learned positions, tied head
 *   (modeling_gpt_bigcode.py).
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, standardAttention } from './build.js';
import { TRANSFORMERS_ACTIVATIONS } from '../../core/activationFunctions.js';

export const GPT_FAMILY = ['gpt2', 'gpt_bigcode', 'gpt_neox', 'opt', 'bloom', 'falcon'] as const;
type GptFamily = (typeof GPT_FAMILY)[number];

/** transformers' FalconConfig / BloomConfig default context when a config leaves it out. */
const DEFAULT_CONTEXT_TOKENS = 2048;

/** K/V heads: one under multi-query (StarCoder, Falcon), Falcon's num_kv_heads in the new architecture, else all. */
function kvHeadsOf(f: ConfigFields, type: GptFamily, headCount: number, newFalcon: boolean): number {
  if (type === 'gpt_bigcode') return f.flag('multi_query', true) ? 1 : headCount;
  if (type !== 'falcon') return headCount;
  if (newFalcon) return f.optionalCount('num_kv_heads') ?? headCount;
  return f.flag('multi_query', true) ? 1 : headCount;
}

/** The one layer shape of a GPT-family model: Falcon's multi-query or grouped K/V heads, biases and norms. */
function gptLayer(
  f: ConfigFields,
  type: GptFamily,
  size: { headCount: number; headDim: number; intermediate: number; activation: string | undefined },
): LayerShape {
  const { headCount, headDim, intermediate, activation } = size;
  const newFalcon = type === 'falcon' && f.flag('new_decoder_architecture', false);
  const kvHeadCount = kvHeadsOf(f, type, headCount, newFalcon);
  const biased = type !== 'falcon' || f.flag('bias', false);
  return {
    attention: standardAttention({ headCount, kvHeadCount, headDim, bias: biased ? 'all' : 'none' }),
    recurrent: null,
    crossAttention: null,
    mlp: denseMlp(intermediate, false, biased, activation),
    // Falcon: one norm for parallel attention, two in the new architecture unless num_ln_in_parallel_attn says 1 (Falcon2).
    normCount:
      type === 'falcon'
        ? newFalcon
          ? (f.optionalCount('num_ln_in_parallel_attn') ?? 2)
          : f.flag('parallel_attn', true)
            ? 1
            : 2
        : 2,
  };
}

/**
 * The field naming each family's MLP activation, and transformers' default for it (GPT2Config
 * gelu_new, GPTBigCodeConfig gelu_pytorch_tanh, GPTNeoXConfig gelu, OPTConfig relu, FalconConfig
 * gelu). BLOOM's is its own autograd function, which keeps only its input: none.
 */
const ACTIVATION_FIELDS: Readonly<Partial<Record<GptFamily, { field: string; fallback: string }>>> = {
  gpt2: { field: 'activation_function', fallback: 'gelu_new' },
  gpt_bigcode: { field: 'activation_function', fallback: 'gelu_pytorch_tanh' },
  gpt_neox: { field: 'hidden_act', fallback: 'gelu' },
  opt: { field: 'activation_function', fallback: 'relu' },
  falcon: { field: 'activation', fallback: 'gelu' },
};

/**
 * The MLP activation, one transformers knows: another name is refused rather than counted as a
 * fused activation (transformers itself would not load the model).
 */
function activationOf(f: ConfigFields, type: GptFamily): string | undefined {
  const spec = ACTIVATION_FIELDS[type];
  if (spec === undefined) return undefined;
  const activation = f.string(spec.field) ?? spec.fallback;
  f.require(
    TRANSFORMERS_ACTIVATIONS.includes(activation),
    `${spec.field}: "${activation}" is not one of transformers' activations (${TRANSFORMERS_ACTIVATIONS.join(', ')})`,
  );
  return activation;
}

export function readGptFamily(f: ConfigFields, type: GptFamily): ModelArchitecture {
  const h = f.count('hidden_size', 'n_embd', 'n_embed');
  const layerCount = f.count('num_hidden_layers', 'n_layer');
  const headCount = f.count('num_attention_heads', 'n_head');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount =
    type === 'gpt2' || type === 'gpt_bigcode'
      ? f.count('n_positions', 'max_position_embeddings')
      : type === 'bloom'
        ? (f.optionalCount('seq_length', 'max_position_embeddings') ?? DEFAULT_CONTEXT_TOKENS)
        : type === 'falcon'
          ? (f.optionalCount('max_position_embeddings') ?? DEFAULT_CONTEXT_TOKENS)
          : f.count('max_position_embeddings');
  const intermediate =
    type === 'opt'
      ? f.count('ffn_dim')
      : type === 'gpt_neox'
        ? f.count('intermediate_size')
        : (f.optionalCount('n_inner', 'ffn_hidden_size') ?? 4 * h);
  const activation = activationOf(f, type);
  f.done();
  f.require(h % headCount === 0, `hidden_size ${h} is not divisible by the ${headCount} attention heads`);
  const headDim = h / headCount;

  const layer = gptLayer(f, type, { headCount, headDim, intermediate, activation });
  const wordProjection = type === 'opt' ? (f.optionalCount('word_embed_proj_dim') ?? h) : h;
  const extraParameters =
    wordProjection !== h ? [{ name: 'project_in/project_out', count: 2 * wordProjection * h }] : [];
  const finalNormCount = type === 'opt' && !f.flag('do_layer_norm_before', true) ? 0 : 1;
  return architecture({
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    norm: 'layernorm',
    layers: groupLayers(Array.from({ length: layerCount }, () => layer)),
    learnedPositionCount:
      type === 'gpt2' || type === 'gpt_bigcode' ? maxPositionCount : type === 'opt' ? maxPositionCount + 2 : 0,
    embeddingNorm: type === 'bloom',
    finalNormCount,
    tiedEmbeddings: f.flag('tie_word_embeddings', type !== 'gpt_neox'),
    // OPT's token embedding has word_embed_proj_dim columns: correct the V·h the core counts.
    extraParameters:
      wordProjection !== h
        ? [...extraParameters, { name: 'embed_tokens width correction', count: vocabSize * (wordProjection - h) }]
        : extraParameters,
    attentionDropout: f.probability(0, 'attn_pdrop', 'attention_dropout'),
    hiddenDropout: f.probability(0, 'resid_pdrop', 'hidden_dropout', 'dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
