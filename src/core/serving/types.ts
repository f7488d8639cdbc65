/**
 * Serving capacity: what one engine leaves for the KV cache on each GPU, and what that pool holds.
 * Every engine profile (one file each) turns a scenario into a per-GPU budget at the low, expected
 * and high ends of its heuristic terms; capacity.ts turns budgets into tokens, concurrency and a
 * verdict.
 */
import type { InferenceScenario } from '../estimate.js';
import type { LowExpectedHigh } from '../overhead.js';
import type { LlamaCppServing } from '../llamaCpp/serving.js';

export const ENGINES = ['generic', 'vllm', 'sglang', 'tensorrt-llm', 'llama.cpp', 'transformers'] as const;
export type Engine = (typeof ENGINES)[number];

/** Engine settings; each engine reads the ones it has (undefined means the engine's default). */
export interface EngineSettings {
  /** vLLM --gpu-memory-utilization. */
  gpuMemoryUtilization?: number;
  /** vLLM --max-model-len (default --ctx). */
  maxModelLen?: number;
  /** vLLM --max-num-batched-tokens. */
  maxNumBatchedTokens?: number;
  /** vLLM --max-num-seqs. */
  maxNumSeqs?: number;
  /** vLLM --block-size. */
  blockSize?: number;
  /** Which vLLM engine's profiling rules: V1 (the default since 0.8) or V0 (older logs). */
  vllmEngine?: 'v1' | 'v0';
  /** SGLang --mem-fraction-static. */
  memFractionStatic?: number;
  /** TensorRT-LLM free_gpu_memory_fraction. */
  freeGpuMemoryFraction?: number;
  /** llama.cpp --ubatch-size. */
  microBatchTokens?: number;
  /** llama.cpp's settings beyond --ubatch-size (front end, batch, KV types, GPU layers…); absent: llama-server's defaults, every layer on the GPUs. */
  llamaCpp?: LlamaCppServing;
  /** vLLM: a measured activation peak (the log's "PyTorch activation peak memory") instead of the model. */
  profiledActivationBytes?: number;
  /** vLLM: a measured non-torch memory instead of the heuristic range. */
  nonTorchBytes?: number;
}

export interface ServingScenario {
  /** Model, weights, KV dtype, context (tokens per sequence) and users. */
  inference: InferenceScenario;
  engine: Engine;
  settings: EngineSettings;
  /** Memory of one GPU, bytes (the driver's total, or --gpu-memory). */
  gpuMemoryBytes: number;
  /** Tensor-parallel degree (GPUs sharing each layer). */
  gpuCount: number;
  /** Pipeline stages (layers split over groups of gpuCount GPUs); total GPUs = gpuCount × stages. */
  pipelineStages: number;
}

export type Level = keyof LowExpectedHigh;

/** One row of the per-GPU table, at the three levels of its heuristic terms. */
export interface BudgetRow {
  id:
    | 'weights'
    | 'activations'
    | 'overhead'
    | 'cuda_graphs'
    | 'kv_pool'
    | 'free'
    | 'kv_cache'
    | 'compute_buffer'
    | 'output_buffer';
  label: string;
  bytes: LowExpectedHigh;
  formula: string;
  basis: 'exact' | 'model' | 'heuristic' | 'derived';
  /** What the row holds in host memory (llama.cpp: layers left on the CPU, the output buffer); absent: none. */
  hostBytes?: number;
  /** A row shown for what it is but not taken from the GPU's memory before the KV pool (llama.cpp's kv_cache: the pool must hold it). */
  inPool?: true;
}

/** What an engine reserves on each GPU before the KV cache, and the pool it gives the cache. */
export interface EngineBudget {
  rows: BudgetRow[];
  /** KV pool per GPU at each level: at `high` the heuristic terms are largest, the pool smallest. */
  kvPoolBytesPerGpu: LowExpectedHigh;
  /** Tokens are allocated in blocks of this many (vLLM 16; 1 for token-level pools). */
  blockTokens: number;
  /** How the GPUs share the model: tensor parallel (KV split by head, replicated past n_kv) or by layers (llama.cpp). */
  split: 'tensor' | 'layers';
  /** The context one request may use (vLLM max_model_len); concurrency is counted per this. */
  requestTokens: number;
  notes: string[];
  /** Settings resolved to their values (defaults included), for the JSON. */
  settings: Record<string, number | string>;
  /** The KV bytes the workload needs on the GPU whose pool is the smallest, where the engine sizes it itself (llama.cpp's cells); absent: vram's per-token count. */
  kvNeedBytesPerGpu?: number;
}
