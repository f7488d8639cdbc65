/**
 * An inference scenario from plan inputs and a loaded model: where the weights come from (the
 * checkpoint as stored, the config's quantization_config, a GGUF file type, or a plain dtype), the
 * KV dtype and the sliding-window policy. Shared by `estimate` and `capacity`.
 */
import type { AttentionImplementation } from '../core/attention.js';
import { DTYPES, type Dtype } from '../core/dtype.js';
import type { InferenceScenario } from '../core/estimate.js';
import type { SlidingWindowPolicy } from '../core/kvCache.js';
import type { OverheadSpec } from '../core/overhead.js';
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

function isDtype(value: string): value is Dtype {
  return DTYPES.some((dtype) => dtype === value);
}

/** A GGUF file type takes precedence over the plain dtype of the same name (q8_0, q4_0…). */
function ggufTypeOf(dtype: WeightDtype | undefined): string | null {
  return dtype !== undefined && dtype in GGUF_FILE_TYPES ? dtype : null;
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
    contextTokens,
    userCount,
    attention: input.attention ?? DEFAULTS.attention,
    slidingWindow: input.slidingWindow ?? DEFAULTS.slidingWindow,
    overhead,
    storedWeights: stored,
    weightFormat,
  };
  return {
    scenario,
    inputs: {
      dtype: stored || weightFormat ? ggufType : weightDtype,
      weights: stored ? 'checkpoint' : ggufType ? 'gguf' : weightFormat ? 'quantization_config' : 'dtype',
      kvDtype: scenario.kvDtype,
      slidingWindow: scenario.slidingWindow,
    },
  };
}

/** How `estimate` and the generic engine name the engines whose loading rule they follow. */
export const SERVING_ENGINES = 'vLLM (like SGLang and TensorRT-LLM)';

/**
 * vLLM, SGLang and TensorRT-LLM load a float32 checkpoint in 16 bits by default (vLLM dtype "auto":
 * fp16, or bf16 for families without fp16 support such as Gemma 2/3; model_config._get_and_verify_dtype).
 * `estimate` and the generic engine follow them. Returns the scenario served that way and the
 * warning that says so, or null when the rule does not apply.
 */
/** Whether a stored checkpoint holds float32 tensors only (safetensors F32). */
function storedInFloat32(stored: InferenceScenario['storedWeights']): boolean {
  if (!stored || stored.format !== 'safetensors') return false;
  const types = Object.keys(stored.bytesByType);
  return types.length > 0 && types.every((type) => type === 'F32');
}

export function servedInSixteenBits(
  resolved: ResolvedInference,
  input: InferenceInput,
  engineName: string,
  modelId: string,
): { resolved: ResolvedInference; warning: string } | null {
  const { scenario, inputs } = resolved;
  if (input.dtype !== undefined) return null;
  const fromConfig = inputs.weights === 'dtype' && scenario.weightDtype === 'fp32';
  const stored = scenario.storedWeights;
  const fromCheckpoint = inputs.weights === 'checkpoint' && storedInFloat32(stored);
  if (!fromConfig && !fromCheckpoint) return null;
  const half = /^gemma/.test(scenario.arch.modelType) ? 'bf16' : 'fp16';
  const kvDtype = input.kvDtype ?? half;
  // A float32 checkpoint loaded in 16 bits holds half its stored bytes.
  const halved =
    fromCheckpoint && stored
      ? { ...stored, bytesByType: { [half.toUpperCase()]: (stored.bytesByType.F32 ?? 0) / 2 } }
      : stored;
  const what = fromCheckpoint ? 'the checkpoint stores float32' : 'the config says float32';
  return {
    resolved: {
      scenario: { ...scenario, weightDtype: half, kvDtype, storedWeights: halved ?? null },
      inputs: { ...inputs, dtype: fromCheckpoint ? inputs.dtype : half, kvDtype },
    },
    warning: `${modelId}: ${what}; ${engineName} loads it in ${half} by default (dtype "auto"), so ${half} is used; pass --dtype fp32 to keep float32`,
  };
}
