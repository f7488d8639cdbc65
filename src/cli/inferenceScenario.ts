/**
 * Resolves an inference scenario from CLI options and a loaded model: where the weights come from
 * (the checkpoint as stored, the config's quantization_config, a GGUF file type, or a plain
 * dtype), the KV dtype and the sliding-window policy. Shared by `estimate` and `capacity`.
 */
import type { AttentionImplementation } from '../core/attention.js';
import type { Dtype } from '../core/dtype.js';
import type { InferenceScenario } from '../core/estimate.js';
import type { SlidingWindowPolicy } from '../core/kvCache.js';
import type { OverheadSpec } from '../core/overhead.js';
import { GGUF_FILE_TYPES, type WeightFormat } from '../core/quantization.js';
import type { LoadedModel } from './modelSource.js';

export interface InferenceOptions {
  dtype?: string | undefined;
  kvDtype?: Dtype | undefined;
  attention: AttentionImplementation;
  slidingWindow?: SlidingWindowPolicy | undefined;
  overhead: OverheadSpec;
}

/** The 16-bit type a model computes in: fp16 when its checkpoint is fp16, else bf16. */
export function halfDtypeOf(dtype: Dtype | null): 'fp16' | 'bf16' {
  return dtype === 'fp16' ? 'fp16' : 'bf16';
}

/** KV cache in the weights' float type (vLLM kv_cache_dtype "auto"); quantized weights compute in 16-bit. */
function defaultKvDtype(weightDtype: Dtype, configDtype: Dtype | null): Dtype {
  return weightDtype === 'fp32' || weightDtype === 'fp16' || weightDtype === 'bf16' ? weightDtype : halfDtypeOf(configDtype);
}

export interface ResolvedInference {
  scenario: InferenceScenario;
  /** JSON inputs describing the weights: dtype (null when stored or quantized) and where they come from. */
  inputs: { dtype: string | null; weights: 'checkpoint' | 'gguf' | 'quantization_config' | 'dtype'; kvDtype: Dtype; slidingWindow: SlidingWindowPolicy };
}

export function resolveInference(options: InferenceOptions, model: LoadedModel, contextTokens: number, userCount: number): ResolvedInference {
  const { arch } = model;
  const ggufType = options.dtype !== undefined && options.dtype in GGUF_FILE_TYPES ? options.dtype : null;
  const stored = options.dtype === undefined ? model.checkpoint : null;
  const weightFormat: WeightFormat | null = ggufType ? { kind: 'gguf', fileType: ggufType } : options.dtype === undefined && !stored ? model.quantization : null;
  const weightDtype: Dtype = ggufType || weightFormat ? halfDtypeOf(arch.defaultDtype) : ((options.dtype as Dtype | undefined) ?? arch.defaultDtype ?? 'bf16');
  const scenario: InferenceScenario = {
    arch,
    weightDtype,
    kvDtype: options.kvDtype ?? defaultKvDtype(weightDtype, arch.defaultDtype),
    contextTokens,
    userCount,
    attention: options.attention,
    slidingWindow: options.slidingWindow ?? 'cap',
    overhead: options.overhead,
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
