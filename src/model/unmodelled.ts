/**
 * Never silently wrong: a config that declares a memory-changing feature its reader does not model
 * is refused with the feature named, rather than estimated as if it were something else. Each rule
 * names the config fields that declare a feature (after transformers' configuration classes) and
 * the readers that model it; the generic fallback (an unknown model_type read as LLaMA-style) models
 * none of them, and also refuses sliding windows (which layers slide is unknown) and non-causal
 * architectures (an encoder read as a decoder would get a KV cache it does not have).
 */
import { UserError } from '../core/errors.js';
import type { ConfigFields } from './configFields.js';
import { QWEN3_NEXT_FAMILY } from './readers/qwen3Next.js';
import { SSM_FAMILY } from './readers/ssm.js';
import { MINIMAX_FAMILY } from './readers/minimax.js';
import { ENCODER_DECODER_FAMILY } from './readers/encoderDecoder.js';

/** What reads a config: a known family's reader, or the generic LLaMA-style fallback. */
export interface ReaderContext {
  modelType: string;
  /** The reader's name in messages, e.g. "the llama reader". */
  reader: string;
  /** Whether the reader is the generic fallback for an unknown model_type. */
  generic: boolean;
  /** The layer_types values the reader models (full attention always; sliding where it applies windows). */
  layerTypes: readonly string[];
}

interface Rule {
  /** The config fields (exact names, or a prefix ending in *) that declare the feature. */
  fields: readonly string[];
  feature: string;
  /** model_types whose readers model it. */
  modelledBy: readonly string[];
  /** Fields the patterns match that do not declare the feature. */
  except?: readonly string[];
  /** Whether a given value declares the feature (default: any non-null value). */
  declares?: (value: unknown) => boolean;
}

const isTrue = (value: unknown) => value === true;
const positive = (value: unknown) => typeof value === 'number' && value > 0;

const RULES: readonly Rule[] = [
  {
    fields: ['hybrid_override_pattern'],
    feature: 'hybrid Mamba-2 / attention / MLP layers (Nemotron-H style)',
    modelledBy: ['nemotron_h'],
  },
  {
    fields: ['mamba_*', 'ssm_*', 'conv_kernel', 'd_conv', 'time_step_rank'],
    // Qwen3.5's mamba_ssm_dtype names the dtype of its DeltaNet state, read by the Qwen3-Next reader.
    except: ['mamba_ssm_dtype'],
    feature: 'state-space (Mamba) layers and their fixed per-sequence state',
    modelledBy: [...SSM_FAMILY, 'nemotron_h', 'jamba', 'granitemoehybrid', 'falcon_h1'],
  },
  {
    fields: ['attn_layer_period', 'attn_layer_offset', 'layers_block_type'],
    feature: 'interleaved attention and Mamba layers (Jamba / Granite 4.0-H style)',
    modelledBy: ['jamba', 'nemotron_h', 'granitemoehybrid'],
  },
  {
    fields: ['linear_*', 'full_attention_interval'],
    feature: 'linear-attention layers (Gated DeltaNet / lightning attention) and their recurrent state',
    modelledBy: QWEN3_NEXT_FAMILY,
  },
  {
    // MiniMax: 0 = lightning (linear) attention, 1 = softmax; a list of 1s is plain attention.
    fields: ['attn_type_list'],
    feature: 'linear-attention layers (lightning attention) and their recurrent state',
    modelledBy: MINIMAX_FAMILY,
    declares: (value) => Array.isArray(value) && value.some((kind) => kind === 0),
  },
  {
    fields: ['num_key_value_heads_per_layer', 'block_configs'],
    feature: 'a different head count or MLP per layer (DeciLM / Nemotron-NAS style)',
    modelledBy: [],
  },
  {
    fields: ['cross_attention_layers'],
    feature: 'cross-attention layers over image tokens (Llama 3.2 Vision style)',
    modelledBy: [],
  },
  { fields: ['attention_chunk_size'], feature: 'chunked local attention (Llama 4 style)', modelledBy: ['llama4_text'] },
  {
    fields: ['num_kv_shared_layers'],
    feature: 'KV cache shared across layers (Gemma 3n style)',
    modelledBy: ['gemma3n_text'],
    declares: positive,
  },
  {
    fields: ['global_head_dim', 'num_global_key_value_heads'],
    feature: 'separate head count or size for global-attention layers',
    modelledBy: [],
  },
  {
    fields: ['interleave_moe_layer_step', 'intermediate_size_mlp'],
    feature: 'interleaved dense and MoE layers (Llama 4 style)',
    modelledBy: ['llama4_text'],
  },
  {
    fields: ['index_n_heads', 'index_head_dim', 'index_topk'],
    feature: 'the sparse-attention indexer and its key cache (DeepSeek-V3.2 style)',
    modelledBy: ['deepseek_v32'],
  },
  {
    fields: ['kv_lora_rank', 'q_lora_rank'],
    feature: 'multi-head latent attention (MLA)',
    modelledBy: ['deepseek_v2', 'deepseek_v3', 'deepseek_v32', 'kimi_k2'],
  },
  {
    fields: ['first_k_dense_replace', 'moe_layer_freq', 'n_shared_experts'],
    feature: 'the DeepSeek MoE layer layout',
    modelledBy: ['deepseek_v2', 'deepseek_v3', 'deepseek_v32', 'kimi_k2', 'glm4_moe', 'nemotron_h'],
  },
  {
    fields: ['is_encoder_decoder'],
    feature: 'an encoder–decoder stack',
    modelledBy: ['t5', ...ENCODER_DECODER_FAMILY],
    declares: isTrue,
  },
  {
    fields: ['encoder_layers', 'decoder_layers'],
    feature: 'an encoder–decoder stack (encoder_layers / decoder_layers)',
    modelledBy: ENCODER_DECODER_FAMILY,
  },
  {
    fields: ['vision_config', 'audio_config', 'img_processor', 'embd_layer', 'mm_vision_tower'],
    feature: 'a vision or audio tower',
    modelledBy: [],
  },
  {
    fields: ['attention_hidden_size', 'rescale_every'],
    feature: 'RWKV time-mixing layers and their recurrent state',
    modelledBy: ['rwkv'],
  },
  {
    fields: ['global_attn_every_n_layers', 'local_attention'],
    feature: 'alternating local and global attention (ModernBERT style)',
    modelledBy: ['modernbert'],
  },
  {
    fields: ['sliding_window_pattern'],
    feature: 'a sliding-window layer pattern',
    modelledBy: ['gemma3_text', 'cohere2'],
  },
];

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function refuse(source: string, context: ReaderContext, what: string): never {
  throw new UserError(
    `${source}: ${what}, which ${context.reader} does not model; vram refuses rather than estimate it as something else`,
  );
}

function checkRules(fields: ConfigFields, source: string, context: ReaderContext): void {
  const given = fields.givenNames();
  for (const rule of RULES) {
    if (rule.modelledBy.includes(context.modelType)) continue;
    const declares = rule.declares ?? (() => true);
    const name = given.find(
      (field) =>
        rule.fields.some((pattern) => matches(pattern, field)) &&
        !rule.except?.includes(field) &&
        declares(fields.value(field)),
    );
    if (name !== undefined) refuse(source, context, `${name} declares ${rule.feature}`);
  }
}

function checkLayerTypes(fields: ConfigFields, source: string, context: ReaderContext): void {
  const layerTypes = fields.value('layer_types');
  if (!Array.isArray(layerTypes)) return;
  const unknown = layerTypes.find((kind) => typeof kind !== 'string' || !context.layerTypes.includes(kind));
  if (unknown !== undefined) refuse(source, context, `layer_types contains ${JSON.stringify(unknown)}`);
}

/** hidden_act values of a gated SiLU MLP, the only MLP the generic (LLaMA-style) reader models. */
const GATED_SILU = ['silu', 'swish', 'swiglu'];

/** Keys that declare experts under other names than the ones the generic reader checks. */
function expertKey(name: string, value: unknown): boolean {
  // num_experts, num_local_experts and n_routed_experts get their own message (hfConfig.ts).
  if (['num_experts', 'num_local_experts', 'n_routed_experts'].includes(name)) return false;
  const declared = value !== false && value !== 0 && !(Array.isArray(value) && value.length === 0);
  return (
    declared && (name.startsWith('moe_') || name.endsWith('_experts') || name === 'moe_config' || name === 'ffn_config')
  );
}

/**
 * The generic fallback's own limits: a gated SiLU MLP, no experts under any name, no
 * multi-token-prediction layers, no sliding windows shorter than the context (which layers slide?),
 * and causal LMs only.
 */
function checkGeneric(fields: ConfigFields, source: string, context: ReaderContext): void {
  const act = fields.value('hidden_act', 'hidden_activation', 'activation_function');
  if (typeof act === 'string' && !GATED_SILU.includes(act)) {
    refuse(
      source,
      context,
      `hidden_act "${act}" is not a gated SiLU MLP (LLaMA-style), the only MLP the generic reader counts`,
    );
  }
  const experts = fields.givenNames().find((name) => expertKey(name, fields.value(name)));
  if (experts !== undefined) refuse(source, context, `${experts} declares experts (a mixture of experts)`);
  const mtp = fields.value('num_nextn_predict_layers');
  if (typeof mtp === 'number' && mtp > 0)
    refuse(source, context, `num_nextn_predict_layers ${mtp} declares multi-token-prediction layers`);
  const window = fields.value('sliding_window');
  const context_ = fields.value('max_position_embeddings');
  const shorter = typeof window === 'number' && (typeof context_ !== 'number' || window < context_);
  if (shorter && fields.value('use_sliding_window') !== false) {
    refuse(
      source,
      context,
      `sliding_window ${window} says some layers slide, but for an unknown model_type which ones is unknown`,
    );
  }
  const architectures = fields.value('architectures');
  if (
    Array.isArray(architectures) &&
    architectures.length > 0 &&
    !architectures.some((name) => typeof name === 'string' && /ForCausalLM$/.test(name))
  ) {
    refuse(
      source,
      context,
      `architectures ${JSON.stringify(architectures)} is not a causal language model (the generic reader reads decoder-only LMs)`,
    );
  }
}

/** Refuses a config that declares a feature its reader does not model (see the docblock). */
export function refuseUnmodelled(fields: ConfigFields, source: string, context: ReaderContext): void {
  checkRules(fields, source, context);
  checkLayerTypes(fields, source, context);
  if (context.generic) checkGeneric(fields, source, context);
}
