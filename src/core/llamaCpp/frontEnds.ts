/**
 * The programs people run llama.cpp through, and what each passes to llama.cpp by default
 * (llama.cpp 80fb11a = node-llama-cpp 3.21.1's; ollama/ollama fb30760, 2026-08-21, which runs
 * upstream llama-server for every GGUF model since v0.30.0; lmstudio-ai/lmstudio-js 6ec11db's
 * load-config schema; node-llama-cpp 3.21.1's dist/). --ctx, --users, --ubatch-size, --batch-size,
 * --kv-dtype, --attention, --kv-unified and --gpu-layers override them.
 */
import type { Dtype } from '../dtype.js';
import type { FlashAttentionMode } from './context.js';

export const FRONT_ENDS = [
  'llama-server',
  'llama-cli',
  'llama-completion',
  'ollama',
  'lm-studio',
  'node-llama-cpp',
] as const;
export type FrontEnd = (typeof FRONT_ENDS)[number];

/** How a front end picks n_ctx (-c, all sequences together) when the user gives none. */
export type DefaultContext =
  /** The model's trained context (n_ctx 0 = n_ctx_train), shared by the sequences when unified. */
  | { kind: 'trained' }
  /** A fixed context per sequence (LM Studio 4096). */
  | { kind: 'perSequence'; tokens: number }
  /** Ollama: num_ctx per sequence by the GPUs' total memory (server/routes.go), capped at the trained context. */
  | { kind: 'ollamaTiers' };

export interface FrontEndProfile {
  context: DefaultContext;
  /** Parallel sequences (n_seq_max) when --users is not given. */
  sequences: number;
  kvUnified: boolean;
  batchTokens: number;
  /** n_ubatch; null: n_batch (node-llama-cpp). */
  ubatchTokens: number | null;
  flashAttention: FlashAttentionMode;
  kvType: Dtype;
  /** n_outputs_max = n_seq_max (the llama-server code: output_limits), else n_batch (llama_context's default). */
  outputsPerSequence: boolean;
  /** Layers on the GPUs when --gpu-layers is not given: fitted (auto) or all (max). */
  gpuLayers: 'auto' | 'max';
  source: string;
}

export const FRONT_END_PROFILES: Readonly<Record<FrontEnd, FrontEndProfile>> = {
  'llama-server': {
    context: { kind: 'trained' },
    sequences: 4,
    kvUnified: true,
    batchTokens: 2048,
    ubatchTokens: 512,
    flashAttention: 'auto',
    kvType: 'fp16',
    outputsPerSequence: true,
    gpuLayers: 'auto',
    source:
      'common/common.h (n_ctx 0, n_batch 2048, n_ubatch 512, -fa auto, f16 KV, -ngl auto with --fit on); -np auto = 4 slots with a unified KV cache (tools/server/server.cpp); n_outputs_max = min(n_batch, slots) (server-context.cpp, common/speculative.cpp)',
  },
  'llama-cli': {
    context: { kind: 'trained' },
    sequences: 1,
    kvUnified: false,
    batchTokens: 2048,
    ubatchTokens: 512,
    flashAttention: 'auto',
    kvType: 'fp16',
    outputsPerSequence: true,
    gpuLayers: 'auto',
    source: 'tools/cli runs an in-process llama-server with -np 1 (cli-server.h), so n_outputs_max = 1',
  },
  'llama-completion': {
    context: { kind: 'trained' },
    sequences: 1,
    kvUnified: false,
    batchTokens: 2048,
    ubatchTokens: 512,
    flashAttention: 'auto',
    kvType: 'fp16',
    outputsPerSequence: false,
    gpuLayers: 'auto',
    source: 'tools/completion (the old main, also llama-bench-style callers): n_outputs_max unset = n_batch',
  },
  ollama: {
    context: { kind: 'ollamaTiers' },
    sequences: 1,
    kvUnified: false,
    batchTokens: 512,
    ubatchTokens: 512,
    flashAttention: 'auto',
    kvType: 'fp16',
    outputsPerSequence: true,
    gpuLayers: 'auto',
    source:
      'ollama llm/llama_server.go (llama-server -c num_ctx × np -np np, -b = -ub = num_batch 512, --flash-attn auto, f16 KV unless OLLAMA_KV_CACHE_TYPE, no -ngl: --fit), envconfig OLLAMA_NUM_PARALLEL 1',
  },
  'lm-studio': {
    context: { kind: 'perSequence', tokens: 4096 },
    sequences: 4,
    kvUnified: true,
    batchTokens: 2048,
    ubatchTokens: 512,
    flashAttention: 'off',
    kvType: 'fp16',
    outputsPerSequence: false,
    gpuLayers: 'max',
    source:
      'lmstudio-js packages/lms-kv-config/src/schema.ts (offloadRatio max, flashAttention false, evalBatchSize 2048, physicalBatchSize 512, 4 parallel sessions, unified KV); 4096-token context as the app loads models',
  },
  'node-llama-cpp': {
    context: { kind: 'trained' },
    sequences: 1,
    kvUnified: false,
    batchTokens: 512,
    ubatchTokens: null,
    flashAttention: 'auto',
    kvType: 'fp16',
    outputsPerSequence: false,
    gpuLayers: 'auto',
    source:
      'node-llama-cpp 3.21.1 LlamaContext.js (1 sequence, batchSize min(context, 512), n_ubatch = n_batch, n_outputs_max unset = n_batch), LlamaModel.js (flashAttention auto)',
  },
};

/** Ollama's default num_ctx by the GPUs' total memory (server/routes.go): ≥ 47 GiB 262,144; ≥ 23 GiB 32,768; else 4,096. */
export function ollamaDefaultContext(totalGpuBytes: number): number {
  const gib = 2 ** 30;
  if (totalGpuBytes >= 47 * gib) return 262_144;
  if (totalGpuBytes >= 23 * gib) return 32_768;
  return 4096;
}
