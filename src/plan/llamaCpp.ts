/**
 * llama.cpp's settings from the command line: the front end's defaults (core/llamaCpp/frontEnds.ts)
 * under the options given, the context and GPU layers fitted the way llama.cpp's --fit fits them
 * when the user leaves them to the front end, and the checks llama.cpp itself makes.
 */
import type { ModelArchitecture } from '../core/architecture.js';
import type { Dtype } from '../core/dtype.js';
import { UserError } from '../core/errors.js';
import type { InferenceScenario } from '../core/estimate.js';
import { type FlashAttentionMode, LLAMA_MAX_SEQ } from '../core/llamaCpp/context.js';
import {
  type FitTarget,
  LLAMA_CPP_FIT_MARGIN_BYTES,
  LLAMA_CPP_FIT_MIN_CONTEXT,
  fittedContext,
  fittedGpuLayers,
} from '../core/llamaCpp/fit.js';
import {
  FRONT_END_PROFILES,
  type FrontEnd,
  type FrontEndProfile,
  ollamaDefaultContext,
} from '../core/llamaCpp/frontEnds.js';
import type { LlamaCppMemory } from '../core/llamaCpp/memory.js';
import type { LlamaCppServing, SplitMode } from '../core/llamaCpp/serving.js';
import { CUDA_CONTEXT_BYTES } from '../core/overhead.js';
import { llamaCppMemoryOf } from '../core/serving/llamaCpp.js';
import { formatInt } from '../core/units.js';
import type { LlamaCppBackend } from '../core/llamaCpp/estimate.js';
import type { GpuTarget } from './gpuTarget.js';

/** llama.cpp's KV cache types (common/arg.cpp kv_cache_types) among vram's dtypes. */
const LLAMA_CPP_KV_TYPES: readonly Dtype[] = ['fp32', 'fp16', 'bf16', 'q8_0', 'q5_1', 'q5_0', 'q4_1', 'q4_0'];

export type GpuLayersOption = number | 'auto' | 'max';

export interface LlamaCppInput {
  frontEnd?: FrontEnd | undefined;
  gpuLayers?: GpuLayersOption | undefined;
  kvUnified?: boolean | undefined;
  kDtype?: Dtype | undefined;
  vDtype?: Dtype | undefined;
  kvDtype?: Dtype | undefined;
  batchSize?: number | undefined;
  ubatchSize?: number | undefined;
  tensorSplit?: readonly number[] | undefined;
  splitMode?: SplitMode | undefined;
  attention?: 'flash' | 'eager' | 'auto' | undefined;
  slidingWindow?: 'cap' | 'full' | undefined;
  ctx?: number | undefined;
  users?: number | undefined;
}

function kvType(flag: string, dtype: Dtype): Dtype {
  if (!LLAMA_CPP_KV_TYPES.includes(dtype))
    throw new UserError(
      `${flag} ${dtype}: llama.cpp's KV cache types are ${LLAMA_CPP_KV_TYPES.join(', ')} (f32, f16, bf16 and ggml block types)`,
    );
  return dtype;
}

function flashAttentionOf(
  input: LlamaCppInput,
  profile: FrontEndProfile,
  frontEnd: FrontEnd,
  arch: ModelArchitecture,
): FlashAttentionMode {
  const asked =
    input.attention === undefined
      ? undefined
      : input.attention === 'flash'
        ? 'on'
        : input.attention === 'eager'
          ? 'off'
          : 'auto';
  if (asked !== undefined) return asked;
  // node-llama-cpp turns flash attention off for Gemma 2 (GgufInsights.js flashAttentionSupported).
  if (frontEnd === 'node-llama-cpp' && arch.modelType === 'gemma2') return 'off';
  return profile.flashAttention;
}

/** The front end's sequences: --users, else its default (llama-server's -np auto: 4, unified). */
export function llamaCppUsers(input: LlamaCppInput): number {
  return input.users ?? FRONT_END_PROFILES[input.frontEnd ?? 'llama-server'].sequences;
}

/**
 * Tokens per sequence (per stream) when --ctx is not given: llama-server, llama-cli and
 * llama-completion the trained context per stream (--fit's n_ctx_train × n_streams); Ollama num_ctx
 * per sequence by GPU memory; LM Studio 4096 shared by its slots.
 */
export function llamaCppDefaultContext(input: LlamaCppInput, arch: ModelArchitecture, totalGpuBytes: number): number {
  const profile = FRONT_END_PROFILES[input.frontEnd ?? 'llama-server'];
  const trained = arch.maxPositionCount;
  const context = profile.context;
  if (context.kind === 'ollamaTiers') return Math.min(ollamaDefaultContext(totalGpuBytes), trained);
  if (context.kind === 'perSequence') return Math.min(context.tokens, trained);
  // -c 0 with --fit (the default): n_ctx = n_ctx_train × n_streams (common/fit.cpp), so every
  // stream, shared or not, gets the trained context.
  return trained;
}

/** Whether the front end's own slots share --ctx (llama-server's -np auto, LM Studio): --users not given and a unified cache by default. */
export function contextShared(input: LlamaCppInput): boolean {
  return input.users === undefined && FRONT_END_PROFILES[input.frontEnd ?? 'llama-server'].kvUnified;
}

/**
 * node-llama-cpp adds a token to its batch on models with a sliding window when the SWA cache is not
 * full-size (LlamaContext.js: batchSize + 1; AddonContext.cpp sets n_ubatch = n_batch).
 */
function nodeLlamaCppExtraToken(frontEnd: FrontEnd, arch: ModelArchitecture, input: LlamaCppInput): number {
  if (frontEnd !== 'node-llama-cpp' || input.slidingWindow === 'full') return 0;
  return arch.layers.some((group) => group.attention?.window != null) ? 1 : 0;
}

/** The settings before fitting: front-end defaults under the options given. */
export function llamaCppServingFor(input: LlamaCppInput, arch: ModelArchitecture): LlamaCppServing {
  if (input.splitMode === 'row')
    throw new UserError(
      "--split-mode row: llama.cpp's row split (each matrix split by rows over the GPUs, the KV cache and the rest on the main GPU) is not modelled; use layer (the default) or none",
    );
  const frontEnd = input.frontEnd ?? 'llama-server';
  const profile = FRONT_END_PROFILES[frontEnd];
  if (frontEnd === 'llama-server' && input.users === undefined && input.kvUnified === false)
    throw new UserError(
      "--kv-unified off: llama-server's -np auto (no --users) always unifies the cache (tools/server/server.cpp); give --users N for one stream per sequence",
    );
  const batchTokens = input.batchSize ?? profile.batchTokens + nodeLlamaCppExtraToken(frontEnd, arch, input);
  const kvDefault = input.kvDtype === undefined ? profile.kvType : kvType('--kv-dtype', input.kvDtype);
  // llama-server's -np auto makes the cache unified; an explicit --users is -np N, per-sequence by default.
  const unifiedDefault = frontEnd === 'llama-server' && input.users !== undefined ? false : profile.kvUnified;
  const gpuLayers = input.gpuLayers ?? profile.gpuLayers;
  return {
    frontEnd,
    batchTokens,
    ubatchTokens: input.ubatchSize ?? profile.ubatchTokens ?? batchTokens,
    flashAttention: flashAttentionOf(input, profile, frontEnd, arch),
    kvUnified: input.kvUnified ?? unifiedDefault,
    kType: input.kDtype === undefined ? kvDefault : kvType('--k-dtype', input.kDtype),
    vType: input.vDtype === undefined ? kvDefault : kvType('--v-dtype', input.vDtype),
    outputsPerSequence: profile.outputsPerSequence,
    gpuLayers: gpuLayers === 'auto' ? 'max' : gpuLayers,
    tensorSplit: input.tensorSplit ?? null,
    splitMode: input.splitMode ?? 'layer',
  };
}

/** The free memory each GPU keeps under the front end's fitting: --fit-target, or node-llama-cpp's padding. */
export function fitMarginBytes(frontEnd: FrontEnd, gpuMemoryBytes: number): number {
  if (frontEnd === 'node-llama-cpp') return Math.min(Math.floor(gpuMemoryBytes * 0.08), Math.floor(1.6 * 2 ** 30));
  return LLAMA_CPP_FIT_MARGIN_BYTES;
}

export interface LlamaCppFitting {
  serving: LlamaCppServing;
  contextTokens: number;
  /** What fitting changed, in words (empty when nothing). */
  notes: string[];
}

/**
 * Fits the context (when --ctx was not given and the front end shrinks it: llama-server, llama-cli,
 * llama-completion, node-llama-cpp) and the GPU layers (when --gpu-layers is auto, given or by
 * default) to the GPUs, as llama.cpp's --fit does; without GPUs every layer stays in host memory.
 */
export function fitLlamaCpp(
  input: LlamaCppInput,
  inferenceAt: (contextTokens: number) => InferenceScenario,
  planned: { serving: LlamaCppServing; contextTokens: number },
  gpus: { count: number; memoryBytes: number; backend: 'cuda' | 'metal' } | null,
): LlamaCppFitting {
  const { serving, contextTokens } = planned;
  if (gpus === null || gpus.count === 0) return { serving: { ...serving, gpuLayers: 0 }, contextTokens, notes: [] };
  const frontEnd = serving.frontEnd;
  const auto = (input.gpuLayers ?? FRONT_END_PROFILES[frontEnd].gpuLayers) === 'auto';
  // --fit shrinks an unset context first, whatever -ngl says (common/fit.cpp); Ollama and LM Studio pass -c.
  const shrinks = input.ctx === undefined && FRONT_END_PROFILES[frontEnd].context.kind === 'trained';
  if (!auto && !shrinks) return { serving, contextTokens, notes: [] };
  const target: FitTarget = {
    gpuMemoryBytes: gpus.memoryBytes,
    reservedBytes: gpus.backend === 'cuda' ? CUDA_CONTEXT_BYTES.expected : 0,
    marginBytes: fitMarginBytes(frontEnd, gpus.memoryBytes),
  };
  const memoryAt = (ctx: number, gpuLayers: LlamaCppServing['gpuLayers']): LlamaCppMemory =>
    llamaCppMemoryOf(inferenceAt(ctx), { ...serving, gpuLayers }, gpus.count);
  const notes: string[] = [];
  const margin = `${formatInt(target.marginBytes / 2 ** 20)} MiB free per GPU`;
  let ctx = contextTokens;
  if (shrinks) {
    // --fit-ctx 4096 cells per stream: a unified cache's are shared by its sequences.
    const sharing = serving.kvUnified && !serving.contextShared ? inferenceAt(ctx).userCount : 1;
    const floor = Math.min(ctx, Math.ceil(LLAMA_CPP_FIT_MIN_CONTEXT / sharing));
    const placed = auto ? 'max' : serving.gpuLayers;
    const next = fittedContext((c) => memoryAt(c, placed), ctx, floor, target) ?? floor;
    if (next < ctx) {
      const per = serving.contextShared ? 'tokens (shared by the slots)' : 'tokens per sequence';
      notes.push(
        `${frontEnd} --fit shrank the context from ${formatInt(ctx)} to ${formatInt(next)} ${per} so the layers fit with ${margin} (common/fit.cpp); give --ctx to keep it`,
      );
      ctx = next;
    }
  }
  if (!auto) return { serving, contextTokens: ctx, notes };
  const units = memoryAt(ctx, 'max').layout.layers.length + 1;
  const layers = fittedGpuLayers((n) => memoryAt(ctx, n), units, target);
  if (layers < units)
    notes.push(
      `--gpu-layers auto: ${layers} of ${units} units (${units - 1} layers + output) fit with ${margin}; the rest run on the CPU`,
    );
  if (layers < units && inferenceAt(ctx).arch.layers.some((g) => g.mlp?.experts))
    notes.push(
      "a MoE model: llama.cpp --fit keeps its layers on the GPU and moves expert tensors to the CPU instead (common/fit.cpp); vram moves whole layers, so its split is not llama.cpp's",
    );
  return { serving: { ...serving, gpuLayers: layers }, contextTokens: ctx, notes };
}

/** Apple silicon runs llama.cpp's Metal backend (unified memory, no CUDA context); no GPU: the CPU. */
export function backendOf(target: GpuTarget | null): LlamaCppBackend {
  if (target === null) return 'cpu';
  return target.entry?.name.startsWith('Apple') ? 'metal' : 'cuda';
}

/** llama.cpp refuses more than LLAMA_MAX_SEQ sequences (llama_init_from_model: "n_seq_max must be <= 256"). */
export function checkLlamaCppUsers(users: number): void {
  if (users > LLAMA_MAX_SEQ)
    throw new UserError(
      `--users ${users}: llama.cpp runs at most ${LLAMA_MAX_SEQ} sequences ("n_seq_max must be <= ${LLAMA_MAX_SEQ}")`,
    );
}
