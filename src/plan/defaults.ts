/**
 * Every default a plan applies, in one place; the help text prints these same values.
 *
 * Context: serving (estimate inference and capacity) defaults to the model's trained maximum, the
 * max_model_len vLLM, SGLang and TensorRT-LLM allocate for when none is given; training defaults to
 * 4,096 tokens (capped at the maximum), a common fine-tuning sequence length.
 */
import type { ModelArchitecture } from '../core/architecture.js';
import type { OverheadSpec } from '../core/overhead.js';

/** vram's overhead model: CUDA context + an allocator share of the activations (core/overhead.ts). */
const MODEL_OVERHEAD: OverheadSpec = { kind: 'model' };

export const DEFAULTS = {
  users: 1,
  batch: 1,
  attention: 'flash',
  slidingWindow: 'cap',
  overhead: MODEL_OVERHEAD,
  engine: 'generic',
  /** vram plan's engine: vLLM, whose chunked prefill is what serving fleets run. */
  planEngine: 'vllm',
  /** Deployments vram plan lists. */
  planTop: 8,
  /** GPUs per node: tensor parallelism stays within a node, pipeline stages span nodes; FSDP hybrid shards within one. */
  gpusPerNode: 8,
  dataParallel: 1,
  precision: 'mixed',
  optimizer: 'adamw',
  /** The optimizer with --qlora (QLoRA paper's paged 8-bit AdamW). */
  qloraOptimizer: 'paged-adamw-8bit',
  gradCheckpointing: 'none',
  gradAccum: 1,
  zeroStage: 0,
  offload: 'none',
  zeroAccounting: 'paper',
  /** PEFT's default LoRA targets for LLaMA-style models (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  loraTargets: 'q_proj,v_proj',
  trainingContextTokens: 4096,
  format: 'table',
  units: 'gib',
} as const;

export type Mode = 'inference' | 'training';

/** Tokens per sequence when --ctx is not given (see the docblock). */
export function defaultContextTokens(arch: ModelArchitecture, mode: Mode): number {
  return mode === 'training' ? Math.min(DEFAULTS.trainingContextTokens, arch.maxPositionCount) : arch.maxPositionCount;
}
