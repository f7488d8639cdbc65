/**
 * Reads a Hugging Face `config.json` into the normalized ModelArchitecture, dispatching on
 * model_type to one reader per family (src/model/readers/). An unknown model_type that carries
 * the usual LLaMA-style fields is read as a LLaMA-style decoder, with a warning.
 */
import type { ModelArchitecture } from '../core/architecture.js';
import type { WeightFormat } from '../core/quantization.js';
import { ConfigFields } from './configFields.js';
import { readQuantizationConfig } from './quantizationConfig.js';
import { UserError } from '../core/errors.js';
import { readDeepSeek } from './readers/deepseek.js';
import { ENCODER_FAMILY, readEncoder } from './readers/encoders.js';
import { GPT_FAMILY, readGptFamily } from './readers/gptFamily.js';
import { COHERE_FAMILY, cohereLayerTypes, readCohere } from './readers/cohere.js';
import { readGlm4Moe } from './readers/glm4Moe.js';
import { LLAMA4_LAYER_TYPES, readLlama4Text } from './readers/llama4.js';
import { LLAMA_FAMILY, llamaLayerTypes, readLlamaFamily } from './readers/llamaFamily.js';
import { OLMO_FAMILY, olmoLayerTypes, readOlmo } from './readers/olmo.js';
import { type ReaderContext, refuseUnmodelled } from './unmodelled.js';
import { readT5 } from './readers/t5.js';
import { VISION_WRAPPERS, visionTowerOf } from './readers/visionTowers.js';
import { QWEN3_NEXT_FAMILY, QWEN3_NEXT_LAYER_TYPES, readQwen3Next } from './readers/qwen3Next.js';
import { readJamba } from './readers/jamba.js';
import { readMiniMaxM2 } from './readers/minimaxM2.js';
import { MINIMAX_FAMILY, MINIMAX_LAYER_TYPES, readMiniMax } from './readers/minimax.js';
import { readRwkv } from './readers/rwkv.js';
import { GEMMA3N_LAYER_TYPES, readGemma3n } from './readers/gemma3n.js';
import { readModernBert } from './readers/modernBert.js';
import { ENCODER_DECODER_FAMILY, readEncoderDecoder } from './readers/encoderDecoder.js';
import { GRANITE_HYBRID_LAYER_TYPES, readFalconH1, readGraniteHybrid } from './readers/mamba2Hybrids.js';
import { NEMOTRON_H_LAYER_TYPES, readNemotronH } from './readers/nemotronH.js';
import { SSM_FAMILY, readSsm } from './readers/ssm.js';
import { ownValue } from '../core/ownKey.js';

export const SUPPORTED_MODEL_TYPES = [
  ...LLAMA_FAMILY,
  ...GPT_FAMILY,
  'deepseek_v2',
  'deepseek_v3',
  'deepseek_v32',
  'kimi_k2',
  'glm4_moe',
  'llama4_text',
  ...QWEN3_NEXT_FAMILY,
  ...SSM_FAMILY,
  'nemotron_h',
  'jamba',
  'granitemoehybrid',
  'falcon_h1',
  'minimax_m2',
  ...MINIMAX_FAMILY,
  'rwkv',
  'gemma3n_text',
  ...COHERE_FAMILY,
  ...OLMO_FAMILY,
  ...ENCODER_FAMILY,
  'modernbert',
  't5',
  ...ENCODER_DECODER_FAMILY,
] as const;

/** transformers' LlamaConfig defaults, for a multimodal text_config that leaves fields out. */
const LLAMA_CONFIG_DEFAULTS = {
  vocab_size: 32000,
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 2048,
};

/** transformers' Gemma3TextConfig defaults that Gemma 3's text_config leaves out. */
const GEMMA3_TEXT_DEFAULTS = { vocab_size: 262208, max_position_embeddings: 131072 };

/** Config-class defaults for a text_config's missing fields, by its model_type. */
const TEXT_CONFIG_DEFAULTS: Readonly<Record<string, Record<string, number>>> = {
  llama: LLAMA_CONFIG_DEFAULTS,
  gemma3_text: GEMMA3_TEXT_DEFAULTS,
};

/** model_types that are LLaMA-style decoders under another name. */
const LLAMA_ALIASES: Readonly<Record<string, (typeof LLAMA_FAMILY)[number]>> = {
  yi: 'llama',
  deepseek: 'llama',
  // The language models of Qwen-VL wrappers (text_config model_type in newer transformers).
  qwen2_5_vl_text: 'qwen2',
  qwen3_vl_text: 'qwen3',
  qwen3_vl_moe_text: 'qwen3_moe',
};

export interface ReadConfig {
  arch: ModelArchitecture;
  warnings: string[];
  /** From quantization_config, when the config has one. */
  quantization: WeightFormat | null;
  /**
   * The top-level fields the reader consulted, aliases included, whether or not the config has
   * them (what `--set` can change). A multimodal config's are its own (text_config…), not its
   * text_config's.
   */
  fields: ReadonlySet<string>;
}

function isKnown(modelType: string): boolean {
  return SUPPORTED_MODEL_TYPES.some((type) => type === modelType) || Object.hasOwn(LLAMA_ALIASES, modelType);
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return list.some((item) => item === value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reader of a known model_type (null for an unknown one, read by the generic fallback). */
function readKnownFamily(fields: ConfigFields, modelType: string, warnings: string[]): ModelArchitecture | null {
  if (isOneOf(LLAMA_FAMILY, modelType)) return readLlamaFamily(fields, modelType, warnings);
  if (isOneOf(GPT_FAMILY, modelType)) return readGptFamily(fields, modelType);
  if (modelType === 'deepseek_v2' || modelType === 'deepseek_v3' || modelType === 'deepseek_v32')
    return readDeepSeek(fields, modelType, warnings);
  // Kimi K2 is DeepSeek-V3's architecture (its config names DeepseekV3ForCausalLM) at other sizes.
  if (modelType === 'kimi_k2') return { ...readDeepSeek(fields, 'deepseek_v3', warnings), modelType };
  if (modelType === 'llama4_text') return readLlama4Text(fields);
  if (modelType === 'glm4_moe') return readGlm4Moe(fields, warnings);
  if (isOneOf(QWEN3_NEXT_FAMILY, modelType)) return readQwen3Next(fields, modelType, warnings);
  if (isOneOf(SSM_FAMILY, modelType)) return readSsm(fields, modelType);
  if (modelType === 'nemotron_h') return readNemotronH(fields, warnings);
  if (modelType === 'jamba') return readJamba(fields);
  if (modelType === 'granitemoehybrid') return readGraniteHybrid(fields);
  if (modelType === 'falcon_h1') return readFalconH1(fields);
  if (modelType === 'minimax_m2') return readMiniMaxM2(fields, warnings);
  if (isOneOf(MINIMAX_FAMILY, modelType)) return readMiniMax(fields, modelType, warnings);
  if (modelType === 'rwkv') return readRwkv(fields);
  if (modelType === 'gemma3n_text') return readGemma3n(fields);
  if (isOneOf(COHERE_FAMILY, modelType)) return readCohere(fields, modelType);
  if (isOneOf(OLMO_FAMILY, modelType)) return readOlmo(fields, modelType);
  if (isOneOf(ENCODER_FAMILY, modelType)) return readEncoder(fields, modelType);
  if (modelType === 't5') return readT5(fields);
  if (modelType === 'modernbert') return readModernBert(fields);
  if (isOneOf(ENCODER_DECODER_FAMILY, modelType)) return readEncoderDecoder(fields, modelType);
  return null;
}

/**
 * Qwen2-VL and Qwen2.5-VL configs keep the language model's fields at the top level beside
 * vision_config: they read as a qwen2 text config.
 */
function flatTextConfig(fields: ConfigFields, raw: Record<string, unknown>, modelType: string): unknown {
  if (modelType !== 'qwen2_5_vl' && modelType !== 'qwen2_vl') return undefined;
  if (fields.value('vision_config') === undefined) return undefined;
  const { vision_config: _vision, ...rest } = raw;
  return { ...rest, model_type: 'qwen2' };
}

/**
 * A multimodal wrapper: its language model (text_config), and the vision tower of the wrappers
 * vram knows (visionTowers.ts); others are read with a warning that the tower is not counted.
 */
function readMultimodal(
  fields: ConfigFields,
  source: string,
  modelType: string,
  text: Record<string, unknown>,
): ReadConfig {
  // transformers fills a text_config's missing fields with its config class's defaults (LLaVA-1.5
  // leaves Vicuna's dimensions to LlamaConfig), so the same defaults apply here.
  const defaults = TEXT_CONFIG_DEFAULTS[String(text.model_type)] ?? {};
  const inner = readModelConfig(
    { torch_dtype: fields.value('torch_dtype'), ...defaults, ...text },
    `${source} (text_config)`,
  );
  const visionConfig = fields.value('vision_config');
  const tower =
    isOneOf(VISION_WRAPPERS, modelType) && isObject(visionConfig)
      ? visionTowerOf(modelType, fields, visionConfig, inner.arch.hiddenSize)
      : null;
  const counted = `its language model (text_config, ${String(text.model_type)}) is counted`;
  const audio = fields.value('audio_config') !== undefined;
  const kind =
    audio && visionConfig !== undefined ? 'vision and audio towers are' : audio ? 'audio tower is' : 'vision tower is';
  inner.warnings.unshift(
    tower
      ? `${modelType} is multimodal: ${counted}, and its vision tower (${tower.name}: ${tower.tokensPerImage} tokens per image at ${tower.imageSize}); --text-only leaves the tower out`
      : `${modelType} is multimodal: ${counted}; the ${kind} not${isObject(visionConfig) && typeof visionConfig.model_type === 'string' ? ` (vision_config ${visionConfig.model_type} is not modelled)` : ''}`,
  );
  const quantization =
    inner.quantization ?? readQuantizationConfig(fields.value('quantization_config'), source, inner.warnings);
  return { ...inner, arch: { ...inner.arch, vision: tower }, quantization, fields: fields.consulted };
}

/** Reads a parsed config.json; `source` names the file in errors. */
export function readModelConfig(raw: unknown, source: string): ReadConfig {
  if (!isObject(raw)) {
    throw new UserError(
      `${source}: expected a JSON object (a Hugging Face config.json), got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`,
    );
  }
  const fields = new ConfigFields(raw, source);
  const modelType = fields.value('model_type');
  if (modelType !== undefined && typeof modelType !== 'string') {
    throw new UserError(
      `${source}: model_type: got ${JSON.stringify(modelType)}, expected a string (one of ${SUPPORTED_MODEL_TYPES.join(', ')})`,
    );
  }
  if (typeof modelType !== 'string' || modelType === '') {
    throw new UserError(
      `${source}: missing required field model_type (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
    );
  }
  const warnings: string[] = [];
  // Multimodal configs (Gemma 3, Mistral 3, LLaVA…) nest the language model's config in text_config.
  const text = isKnown(modelType) ? undefined : (fields.value('text_config') ?? flatTextConfig(fields, raw, modelType));
  if (isObject(text) && typeof text.model_type === 'string') return readMultimodal(fields, source, modelType, text);
  refuseUnmodelled(fields, source, readerContext(modelType));
  let arch = readKnownFamily(fields, modelType, warnings);
  if (arch === null) {
    // All three are consulted (so --set may give any of them); the first present is named.
    const expertFields = ['num_experts', 'num_local_experts', 'n_routed_experts'];
    const experts = expertFields.filter((field) => {
      const count = fields.value(field);
      return count !== undefined && (typeof count !== 'number' || count > 0);
    })[0];
    if (experts && !Object.hasOwn(LLAMA_ALIASES, modelType)) {
      throw new UserError(
        `${source}: model_type "${modelType}" is not supported yet, and its ${experts} says it is a mixture of experts, which the generic reader would count as dense (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
      );
    }
    const family = ownValue(LLAMA_ALIASES, modelType) ?? 'llama';
    arch = { ...readLlamaFamily(fields, family, warnings), modelType };
    if (!Object.hasOwn(LLAMA_ALIASES, modelType)) {
      warnings.push(
        `model_type "${modelType}" is not one vram knows (${SUPPORTED_MODEL_TYPES.join(', ')}); it was read as a LLaMA-style decoder (gated MLP, RMSNorm, GQA from num_key_value_heads), so check the parameter count`,
      );
    }
  }
  const quantization = readQuantizationConfig(fields.value('quantization_config'), source, warnings);
  return { arch, warnings, quantization, fields: fields.consulted };
}

/** The layer_types values a known model_type's reader models. */
function readerLayerTypes(modelType: string): readonly string[] {
  if (isOneOf(COHERE_FAMILY, modelType)) return cohereLayerTypes(modelType);
  if (isOneOf(OLMO_FAMILY, modelType)) return olmoLayerTypes(modelType);
  if (modelType === 'llama4_text') return LLAMA4_LAYER_TYPES;
  if (isOneOf(QWEN3_NEXT_FAMILY, modelType)) return QWEN3_NEXT_LAYER_TYPES;
  if (modelType === 'nemotron_h') return NEMOTRON_H_LAYER_TYPES;
  if (modelType === 'gemma3n_text') return GEMMA3N_LAYER_TYPES;
  if (isOneOf(MINIMAX_FAMILY, modelType)) return MINIMAX_LAYER_TYPES;
  if (modelType === 'granitemoehybrid') return GRANITE_HYBRID_LAYER_TYPES;
  const family = isOneOf(LLAMA_FAMILY, modelType) ? modelType : ownValue(LLAMA_ALIASES, modelType);
  return family === undefined ? ['full_attention'] : llamaLayerTypes(family);
}

/** Which reader reads a model_type, for the checks on features it does not model (unmodelled.ts). */
function readerContext(modelType: string): ReaderContext {
  const generic = !isKnown(modelType);
  return {
    modelType,
    reader: generic
      ? `the generic LLaMA-style reader (model_type "${modelType}" is not one vram knows)`
      : `the ${modelType} reader`,
    generic,
    layerTypes: generic ? ['full_attention'] : readerLayerTypes(modelType),
  };
}

/** The architecture alone (presets and library use, where warnings are not shown). */
export function readHfConfig(raw: unknown, source: string): ModelArchitecture {
  return readModelConfig(raw, source).arch;
}
