/**
 * The engine settings `capacity` takes (vLLM's --gpu-memory-utilization, SGLang's
 * --mem-fraction-static…), which engines each belongs to, and how they reach the core's
 * EngineSettings. A setting given for another engine is an error, not silently ignored.
 */
import type { Engine, EngineSettings } from '../core/serving/types.js';

/** Engine settings (vLLM's, SGLang's…), each given only for the engines that have it (ENGINE_OPTIONS). */
export const ENGINE_SETTINGS = [
  'gpuMemoryUtilization',
  'maxModelLen',
  'maxNumBatchedTokens',
  'maxNumSeqs',
  'blockSize',
  'memFractionStatic',
  'freeGpuMemoryFraction',
  'ubatchSize',
] as const;
/** vLLM engine generations whose profiling rules vram follows (--engine-version). */
export const VLLM_ENGINE_VERSIONS = ['v1', 'v0'] as const;
export type EngineSettingsInput = { [K in (typeof ENGINE_SETTINGS)[number]]?: number | undefined } & {
  engineVersion?: (typeof VLLM_ENGINE_VERSIONS)[number] | undefined;
};

/** Which engines each engine setting (and --pp) belongs to. */
export const ENGINE_OPTIONS: Readonly<Record<string, readonly Engine[]>> = {
  gpuMemoryUtilization: ['vllm'],
  maxModelLen: ['vllm'],
  engineVersion: ['vllm'],
  maxNumSeqs: ['vllm'],
  blockSize: ['vllm'],
  maxNumBatchedTokens: ['vllm', 'tensorrt-llm'],
  memFractionStatic: ['sglang'],
  freeGpuMemoryFraction: ['tensorrt-llm'],
  ubatchSize: ['llama.cpp'],
  batchSize: ['llama.cpp'],
  frontEnd: ['llama.cpp'],
  gpuLayers: ['llama.cpp'],
  kvUnified: ['llama.cpp'],
  kDtype: ['llama.cpp'],
  vDtype: ['llama.cpp'],
  tensorSplit: ['llama.cpp'],
  splitMode: ['llama.cpp'],
  pp: ['vllm', 'sglang', 'tensorrt-llm', 'generic', 'llama.cpp'],
};

/** The core's engine settings from the options (undefined: the engine's default). */
export function engineSettings(input: EngineSettingsInput): EngineSettings {
  return {
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    maxModelLen: input.maxModelLen,
    maxNumBatchedTokens: input.maxNumBatchedTokens,
    maxNumSeqs: input.maxNumSeqs,
    blockSize: input.blockSize,
    memFractionStatic: input.memFractionStatic,
    freeGpuMemoryFraction: input.freeGpuMemoryFraction,
    microBatchTokens: input.ubatchSize,
    vllmEngine: input.engineVersion,
  };
}
