/**
 * Reads a Hugging Face `config.json` into the normalized ModelArchitecture, dispatching on
 * model_type to one reader per family (src/model/readers/). An unknown model_type that carries
 * the usual LLaMA-style fields is read as a LLaMA-style decoder, with a warning.
 */
import type { ModelArchitecture } from '../core/architecture.js';
import type { WeightFormat } from '../core/quantization.js';
import { ConfigFields } from './configFields.js';
import { readQuantizationConfig } from './quantizationConfig.js';
import { UserError } from './errors.js';
import { readDeepSeek } from './readers/deepseek.js';
import { ENCODER_FAMILY, readEncoder } from './readers/encoders.js';
import { GPT_FAMILY, readGptFamily } from './readers/gptFamily.js';
import { LLAMA_FAMILY, readLlamaFamily } from './readers/llamaFamily.js';
import { readT5 } from './readers/t5.js';

export const SUPPORTED_MODEL_TYPES = [...LLAMA_FAMILY, ...GPT_FAMILY, 'deepseek_v2', 'deepseek_v3', ...ENCODER_FAMILY, 't5'] as const;

/** model_types that are LLaMA-style decoders under another name. */
const LLAMA_ALIASES: Readonly<Record<string, (typeof LLAMA_FAMILY)[number]>> = { yi: 'llama', deepseek: 'llama' };

export interface ReadConfig {
  arch: ModelArchitecture;
  warnings: string[];
  /** From quantization_config, when the config has one. */
  quantization: WeightFormat | null;
}

function isKnown(modelType: string): boolean {
  return (SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType) || modelType in LLAMA_ALIASES;
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** Reads a parsed config.json; `source` names the file in errors. */
export function readModelConfig(raw: unknown, source: string): ReadConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${source}: expected a JSON object (a Hugging Face config.json), got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`);
  }
  const config = raw as Record<string, unknown>;
  const modelType = config.model_type;
  if (modelType !== undefined && modelType !== null && typeof modelType !== 'string') {
    throw new UserError(`${source}: model_type: got ${JSON.stringify(modelType)}, expected a string (one of ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  }
  if (typeof modelType !== 'string' || modelType === '') {
    throw new UserError(`${source}: missing required field model_type (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  }
  const warnings: string[] = [];
  // Multimodal configs (Gemma 3, Mistral 3, LLaVA…) nest the language model's config in text_config.
  const text = config.text_config;
  if (!isKnown(modelType) && typeof text === 'object' && text !== null && !Array.isArray(text) && typeof (text as Record<string, unknown>).model_type === 'string') {
    const inner = readModelConfig({ torch_dtype: config.torch_dtype, ...(text as Record<string, unknown>) }, `${source} (text_config)`);
    inner.warnings.unshift(`${modelType} is multimodal: its language model (text_config, ${String((text as Record<string, unknown>).model_type)}) is counted; the vision tower is not`);
    return { ...inner, quantization: inner.quantization ?? readQuantizationConfig(config.quantization_config, source, inner.warnings) };
  }
  const fields = new ConfigFields(config, source, modelType);
  let arch: ModelArchitecture;
  if (isOneOf(LLAMA_FAMILY, modelType)) arch = readLlamaFamily(fields, modelType, warnings);
  else if (isOneOf(GPT_FAMILY, modelType)) arch = readGptFamily(fields, modelType);
  else if (modelType === 'deepseek_v2' || modelType === 'deepseek_v3') arch = readDeepSeek(fields, modelType, warnings);
  else if (isOneOf(ENCODER_FAMILY, modelType)) arch = readEncoder(fields, modelType);
  else if (modelType === 't5') arch = readT5(fields);
  else {
    const experts = ['num_experts', 'num_local_experts', 'n_routed_experts'].find((field) => config[field] !== undefined && config[field] !== null);
    if (experts && !(modelType in LLAMA_ALIASES)) {
      throw new UserError(`${source}: model_type "${modelType}" is not supported yet, and its ${experts} says it is a mixture of experts, which the generic reader would count as dense (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
    }
    const family = LLAMA_ALIASES[modelType] ?? 'llama';
    arch = { ...readLlamaFamily(fields, family, warnings), modelType };
    if (!(modelType in LLAMA_ALIASES)) {
      warnings.push(`model_type "${modelType}" is not one vram knows (${SUPPORTED_MODEL_TYPES.join(', ')}); it was read as a LLaMA-style decoder (gated MLP, RMSNorm, GQA from num_key_value_heads), so check the parameter count`);
    }
  }
  return { arch, warnings, quantization: readQuantizationConfig(config.quantization_config, source, warnings) };
}

/** The architecture alone (presets and library use, where warnings are not shown). */
export function readHfConfig(raw: unknown, source: string): ModelArchitecture {
  return readModelConfig(raw, source).arch;
}

/** Config field names the readers understand (for `--set` typo suggestions). */
export const KNOWN_CONFIG_FIELDS: readonly string[] = [
  'model_type', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'intermediate_size', 'vocab_size',
  'max_position_embeddings', 'torch_dtype', 'dtype', 'tie_word_embeddings', 'attention_bias', 'mlp_bias', 'attention_dropout', 'sliding_window',
  'use_sliding_window', 'max_window_layers', 'layer_types', 'sliding_window_pattern', 'num_local_experts', 'num_experts', 'num_experts_per_tok',
  'moe_intermediate_size', 'shared_expert_intermediate_size', 'decoder_sparse_step', 'n_embd', 'n_embed', 'n_layer', 'n_head', 'n_positions', 'n_inner',
  'ffn_dim', 'word_embed_proj_dim', 'do_layer_norm_before', 'seq_length', 'multi_query', 'num_kv_heads', 'new_decoder_architecture', 'parallel_attn',
  'bias', 'kv_lora_rank', 'q_lora_rank', 'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim', 'n_routed_experts', 'n_shared_experts',
  'first_k_dense_replace', 'moe_layer_freq', 'topk_method', 'type_vocab_size', 'hidden_dropout_prob', 'attention_probs_dropout_prob', 'd_model',
  'd_kv', 'd_ff', 'num_layers', 'num_decoder_layers', 'num_heads', 'feed_forward_proj', 'relative_attention_num_buckets', 'dropout_rate',
];
