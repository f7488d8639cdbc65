/**
 * An inference scenario from plan inputs and a loaded model: where the weights come from (the
 * checkpoint as stored, the config's quantization_config, a GGUF file type, or a plain dtype), the
 * KV dtype and the sliding-window policy. Shared by `estimate` and `capacity`.
 */
import type { AttentionImplementation } from '../core/attention.js';
import { DTYPES, type Dtype } from '../core/dtype.js';
import { type InferenceScenario, promptTokensOf } from '../core/estimate.js';
import type { SlidingWindowPolicy } from '../core/kvCache.js';
import type { OverheadSpec } from '../core/overhead.js';
import type { StateDtypes } from '../core/recurrentState.js';
import type { Engine } from '../core/serving/types.js';
import { type ModelArchitecture, leadRecurrent, withMtpLoaded } from '../core/architecture.js';
import { UserError } from '../core/errors.js';
import type { StoredWeights } from '../core/weights.js';
import { GGUF_FILE_TYPES, type WeightFormat } from '../core/quantization.js';
import { DEFAULTS } from './defaults.js';
import type { LoadedModel } from './model.js';

/** --dtype: a plain dtype (DTYPES), or one of llama.cpp's GGUF file types (GGUF_FILE_TYPES: q4_k_m…). */
export type WeightDtype = string;

export interface InferenceInput {
  dtype?: WeightDtype | undefined;
  kvDtype?: Dtype | undefined;
  attention?: AttentionImplementation | undefined;
  slidingWindow?: SlidingWindowPolicy | undefined;
  /** Load the multi-token-prediction layers (speculative decoding). */
  mtp?: boolean | undefined;
  /** Images per request the vision tower encodes (default 1 for models with a tower). */
  images?: number | undefined;
  /** Serve the language model alone, without the vision tower. */
  textOnly?: boolean | undefined;
  /** Sequences prefilled in one forward (transformers generate() prefills its whole batch). */
  prefillBatch?: number | undefined;
  /** Tokens of each prompt (default: the whole context). */
  promptTokens?: number | undefined;
}

/** Where the weights' bytes come from. */
export type WeightSource = 'checkpoint' | 'gguf' | 'quantization_config' | 'dtype';

/** The JSON inputs describing the weights and the KV cache. */
export interface WeightInputs {
  /** null when the weights are stored or quantized as the model says. */
  dtype: string | null;
  weights: WeightSource;
  kvDtype: Dtype;
  slidingWindow: SlidingWindowPolicy;
  /** Tokens of each prompt, sequences prefilled together, images per request (null: no tower loaded). */
  promptTokens: number;
  prefillBatch: number;
  images: number | null;
  /** Whether the multi-token-prediction layers are loaded (--mtp). */
  mtp: boolean;
}

export interface ResolvedInference {
  scenario: InferenceScenario;
  inputs: WeightInputs;
}

/** The 16-bit type a model computes in: fp16 when its checkpoint is fp16, else bf16. */
export function halfDtypeOf(dtype: Dtype | null): 'fp16' | 'bf16' {
  return dtype === 'fp16' ? 'fp16' : 'bf16';
}

/** KV cache in the weights' float type (vLLM kv_cache_dtype "auto"); quantized weights compute in 16-bit. */
function defaultKvDtype(weightDtype: Dtype, configDtype: Dtype | null): Dtype {
  return weightDtype === 'fp32' || weightDtype === 'fp16' || weightDtype === 'bf16'
    ? weightDtype
    : halfDtypeOf(configDtype);
}

/**
 * The dtypes an engine keeps recurrent state in, given the dtype the model computes in:
 *   vLLM (and estimate, TensorRT-LLM, transformers): mamba_cache_dtype and mamba_ssm_cache_dtype
 *     "auto", the model dtype (vllm/config/cache.py; mamba_utils.py MambaStateDtypeCalculator),
 *     except the SSM state a model's config asks for (Nemotron-H: float32, vllm/model_executor/
 *     models/config.py NemotronHForCausalLMConfig DEFAULT_MAMBA_SSM_CACHE_DTYPE)
 *   SGLang: conv bf16, SSM float32 unless the config says otherwise (srt/configs/mamba_utils.py)
 *   llama.cpp: both F32 (llama_model::create_memory passes GGML_TYPE_F32 for r and s)
 *   transformers: conv in the model dtype, SSM float32 (its torch path returns an fp32 final state)
 */
export function stateDtypesFor(engine: Engine, arch: ModelArchitecture, modelDtype: Dtype): StateDtypes {
  const asked = leadRecurrent(arch)?.stateDtype ?? null;
  if (engine === 'llama.cpp') return { conv: 'fp32', ssm: 'fp32' };
  if (engine === 'sglang') return { conv: 'bf16', ssm: asked ?? 'fp32' };
  if (engine === 'transformers') return { conv: modelDtype, ssm: 'fp32' };
  return { conv: modelDtype, ssm: asked ?? modelDtype };
}

/** The float type activations (and recurrent state under "auto") use: the weights' dtype, or 16-bit for quantized weights. */
function computeDtype(weightDtype: Dtype, configDtype: Dtype | null): Dtype {
  return defaultKvDtype(weightDtype, configDtype);
}

/** The same resolution with recurrent state in `engine`'s dtypes. */
export function withEngineState(resolved: ResolvedInference, engine: Engine): ResolvedInference {
  const { scenario } = resolved;
  const modelDtype = computeDtype(scenario.weightDtype, scenario.arch.defaultDtype);
  return { ...resolved, scenario: { ...scenario, stateDtypes: stateDtypesFor(engine, scenario.arch, modelDtype) } };
}

/**
 * The model as served with --mtp: its multi-token-prediction layers loaded (weights, KV and
 * parameters), a checkpoint's MTP tensors counted, and the reader's "not counted" warning
 * replaced; refused for a model that has none vram models. Without --mtp, the model as read.
 */
export function withMtp(model: LoadedModel, mtp: boolean | undefined): LoadedModel {
  if (!mtp) return model;
  if (model.arch.mtp === null) {
    throw new UserError(
      `--mtp: ${model.id} has no multi-token-prediction layers vram models (DeepSeek-V3-style num_nextn_predict_layers)`,
    );
  }
  const layers = model.arch.mtp.layers.reduce((total, group) => total + group.count, 0);
  return {
    ...model,
    arch: withMtpLoaded(model.arch),
    checkpoint: model.checkpoint ? withUnloadedBytes(model.checkpoint) : null,
    publishedParameterCount: null,
    warnings: [
      ...model.warnings.filter((warning) => !/multi-token-prediction/.test(warning)),
      `--mtp: the ${layers} multi-token-prediction layer${layers > 1 ? 's are' : ' is'} loaded and counted (weights, parameters and KV), as MTP speculative decoding loads ${layers > 1 ? 'them' : 'it'}`,
    ],
  };
}

/** A checkpoint's stored bytes with the tensors engines leave out by default (MTP layers) loaded too. */
function withUnloadedBytes<T extends StoredWeights>(stored: T): T {
  if (!stored.unloaded) return stored;
  const { unloaded, ...rest } = stored;
  return { ...rest, bytesByType: { ...stored.bytesByType, [`${unloaded.what} (MTP)`]: unloaded.bytes } } as T;
}

/**
 * Images per request the tower encodes: --images (default 1, or 0 when one image's tokens outrun
 * the context), or null with --text-only; refused
 * for models without a vision tower, with both flags, or when the images' tokens outrun --ctx.
 */
function imagesOf(input: InferenceInput, model: LoadedModel, contextTokens: number): number | null {
  const tower = model.arch.vision;
  if (tower === null) {
    const given = input.images !== undefined ? '--images' : input.textOnly ? '--text-only' : null;
    if (given) throw new UserError(`${given}: ${model.id} has no vision tower vram models`);
    return null;
  }
  if (input.textOnly && input.images !== undefined)
    throw new UserError('--images: not with --text-only, which leaves the vision tower out');
  if (input.textOnly) return null;
  // One image by default, when its tokens fit the context; none (the tower still loaded) otherwise.
  if (input.images === undefined) return tower.tokensPerImage <= contextTokens ? 1 : 0;
  const images = input.images;
  if (images * tower.tokensPerImage > contextTokens) {
    throw new UserError(
      `--images: ${images} × ${tower.tokensPerImage} image tokens (${tower.imageSize}) do not fit in --ctx ${contextTokens}`,
    );
  }
  return images;
}

/** --prompt-tokens, at most the context; null (the whole context) when not given. */
function promptTokensFor(input: InferenceInput, contextTokens: number): number | null {
  const prompt = input.promptTokens;
  if (prompt === undefined) return null;
  if (prompt > contextTokens)
    throw new UserError(
      `--prompt-tokens: ${prompt} is more than --ctx ${contextTokens} (the prompt is part of the context)`,
    );
  return prompt;
}

/** --prefill-batch (default 1), at most the users it prefills. */
function prefillSequencesOf(input: InferenceInput, userCount: number): number {
  const batch = input.prefillBatch ?? 1;
  if (batch > userCount)
    throw new UserError(`--prefill-batch: ${batch} is more than the ${userCount} users (--users) it would prefill`);
  return batch;
}

function isDtype(value: string): value is Dtype {
  return DTYPES.some((dtype) => dtype === value);
}

/** A GGUF file type takes precedence over the plain dtype of the same name (q8_0, q4_0…). */
function ggufTypeOf(dtype: WeightDtype | undefined): string | null {
  return dtype !== undefined && Object.hasOwn(GGUF_FILE_TYPES, dtype) ? dtype : null;
}

export function resolveInference(
  input: InferenceInput,
  model: LoadedModel,
  contextTokens: number,
  userCount: number,
  overhead: OverheadSpec,
): ResolvedInference {
  const { arch } = model;
  const dtype = input.dtype;
  const ggufType = ggufTypeOf(dtype);
  const plainDtype = ggufType === null && dtype !== undefined && isDtype(dtype) ? dtype : undefined;
  const stored = dtype === undefined ? model.checkpoint : null;
  const weightFormat: WeightFormat | null = ggufType
    ? { kind: 'gguf', fileType: ggufType }
    : dtype === undefined && !stored
      ? model.quantization
      : null;
  const weightDtype: Dtype =
    ggufType || weightFormat ? halfDtypeOf(arch.defaultDtype) : (plainDtype ?? arch.defaultDtype ?? 'bf16');
  const scenario: InferenceScenario = {
    arch,
    weightDtype,
    kvDtype: input.kvDtype ?? defaultKvDtype(weightDtype, arch.defaultDtype),
    stateDtypes: stateDtypesFor('generic', arch, computeDtype(weightDtype, arch.defaultDtype)),
    contextTokens,
    userCount,
    attention: input.attention ?? DEFAULTS.attention,
    slidingWindow: input.slidingWindow ?? DEFAULTS.slidingWindow,
    overhead,
    storedWeights: stored,
    weightFormat,
    images: imagesOf(input, model, contextTokens),
    prefillSequences: prefillSequencesOf(input, userCount),
    promptTokens: promptTokensFor(input, contextTokens),
  };
  return {
    scenario,
    inputs: {
      dtype: stored || weightFormat ? ggufType : weightDtype,
      weights: stored ? 'checkpoint' : ggufType ? 'gguf' : weightFormat ? 'quantization_config' : 'dtype',
      kvDtype: scenario.kvDtype,
      slidingWindow: scenario.slidingWindow,
      promptTokens: promptTokensOf(scenario),
      prefillBatch: scenario.prefillSequences,
      images: scenario.images,
      mtp: input.mtp ?? false,
    },
  };
}

/** How `estimate` and the generic engine name the engines whose loading rule they follow. */
export const SERVING_ENGINES = 'vLLM (like SGLang and TensorRT-LLM)';

/**
 * Model types vLLM never runs in fp16 (vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS:
 * "Numerical instability").
 */
const FLOAT16_NOT_SUPPORTED = ['gemma2', 'gemma3', 'gemma3_text', 'plamo2', 'glm4'];

/**
 * GPUs without bf16 (compute capability below 8.0): vLLM's CUDA platform supports fp16 and fp32 there.
 * Matched on catalog ids; any other GPU (and no GPU) is taken as Ampere or newer.
 */
const NO_BF16_GPU = /^(t4|v100|rtx-20|titan-v)/;

/**
 * The 16-bit type vLLM's dtype "auto" loads a float32 model in (vllm/config/model.py
 * _resolve_auto_dtype: the platform's first supported dtype that the model type allows, bf16 on
 * Ampere and newer, fp16 before), or null where it keeps float32 (a bf16-only model on an fp16 GPU).
 */
function autoSixteenBit(modelType: string, gpuId: string | null): 'fp16' | 'bf16' | null {
  const noBf16 = gpuId !== null && NO_BF16_GPU.test(gpuId);
  if (!noBf16) return 'bf16';
  return FLOAT16_NOT_SUPPORTED.includes(modelType) ? null : 'fp16';
}

/** Whether a stored checkpoint holds float32 tensors only (safetensors F32). */
function storedInFloat32(stored: InferenceScenario['storedWeights']): boolean {
  if (stored?.format !== 'safetensors') return false;
  const types = Object.keys(stored.bytesByType);
  return types.length > 0 && types.every((type) => type === 'F32');
}

/**
 * vLLM, SGLang and TensorRT-LLM load a float32 checkpoint (config or stored tensors) in 16 bits by
 * default (dtype "auto", autoSixteenBit); `estimate` and the generic engine follow them. Returns the
 * scenario served that way and the warning that says so, or null when the rule does not apply.
 */
export function servedInSixteenBits(
  resolved: ResolvedInference,
  input: InferenceInput,
  engineName: string,
  model: { id: string; gpuId: string | null },
): { resolved: ResolvedInference; warning: string } | null {
  const { scenario, inputs } = resolved;
  if (input.dtype !== undefined) return null;
  const fromConfig = inputs.weights === 'dtype' && scenario.weightDtype === 'fp32';
  const stored = scenario.storedWeights;
  const fromCheckpoint = inputs.weights === 'checkpoint' && storedInFloat32(stored);
  if (!fromConfig && !fromCheckpoint) return null;
  const half = autoSixteenBit(scenario.arch.modelType, model.gpuId);
  if (half === null) return null;
  const kvDtype = input.kvDtype ?? half;
  // A float32 checkpoint loaded in 16 bits holds half its stored bytes.
  const halved =
    fromCheckpoint && stored
      ? { ...stored, bytesByType: { [half.toUpperCase()]: (stored.bytesByType.F32 ?? 0) / 2 } }
      : stored;
  const what = fromCheckpoint ? 'the checkpoint stores float32' : 'the config says float32';
  return {
    resolved: {
      scenario: {
        ...scenario,
        weightDtype: half,
        kvDtype,
        stateDtypes: stateDtypesFor('generic', scenario.arch, half),
        storedWeights: halved ?? null,
      },
      inputs: { ...inputs, dtype: fromCheckpoint ? inputs.dtype : half, kvDtype },
    },
    warning: `${model.id}: ${what}; ${engineName} loads it in ${half} by default (dtype "auto"), so ${half} is used; pass --dtype fp32 to keep float32`,
  };
}
