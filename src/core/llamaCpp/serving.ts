/**
 * llama.cpp's settings as a serving scenario carries them, and the context they give for a
 * workload: n_ctx = --ctx × --users (every sequence may fill its context; --ctx alone when the
 * slots share one cache), n_seq_max = --users.
 */
import type { Dtype } from '../dtype.js';
import type { InferenceScenario } from '../estimate.js';
import { type FlashAttentionMode, type LlamaCppContext, resolveLlamaCppContext } from './context.js';
import { FRONT_END_PROFILES, type FrontEnd } from './frontEnds.js';

export const SPLIT_MODES = ['layer', 'row', 'none'] as const;
export type SplitMode = (typeof SPLIT_MODES)[number];

export interface LlamaCppServing {
  frontEnd: FrontEnd;
  batchTokens: number;
  ubatchTokens: number;
  flashAttention: FlashAttentionMode;
  kvUnified: boolean;
  kType: Dtype;
  vType: Dtype;
  /** n_outputs_max = n_seq_max (llama-server), else n_batch. */
  outputsPerSequence: boolean;
  /** Units (repeating layers, then the output layer) on the GPUs, counted from the last; 'max' = all. */
  gpuLayers: number | 'max';
  /** --tensor-split shares, one per GPU; null: equal (llama.cpp splits by free memory). */
  tensorSplit: readonly number[] | null;
  splitMode: SplitMode;
  /**
   * The sequences share --ctx (llama-server's -np auto and LM Studio: one unified cache of n_ctx
   * cells for all slots): n_ctx = --ctx; otherwise every sequence may fill --ctx: n_ctx = --ctx × sequences.
   */
  contextShared?: boolean;
  /** Where the layers run (flash attention "auto" depends on it); default CUDA. */
  backend?: 'cpu' | 'cuda' | 'metal';
}

/** llama-server's defaults with every layer on the GPUs: what capacity() assumes without settings. */
export function defaultLlamaCppServing(ubatchTokens?: number): LlamaCppServing {
  const profile = FRONT_END_PROFILES['llama-server'];
  return {
    frontEnd: 'llama-server',
    batchTokens: profile.batchTokens,
    ubatchTokens: ubatchTokens ?? profile.ubatchTokens ?? profile.batchTokens,
    flashAttention: profile.flashAttention,
    kvUnified: profile.kvUnified,
    kType: profile.kvType,
    vType: profile.kvType,
    outputsPerSequence: profile.outputsPerSequence,
    gpuLayers: 'max',
    tensorSplit: null,
    splitMode: 'layer',
  };
}

/** llama.cpp's resolved context for the scenario's workload. */
export function llamaCppContextFor(inference: InferenceScenario, serving: LlamaCppServing): LlamaCppContext {
  const sequences = inference.userCount;
  return resolveLlamaCppContext({
    contextTokens: serving.contextShared ? inference.contextTokens : inference.contextTokens * sequences,
    sequences,
    batchTokens: serving.batchTokens,
    ubatchTokens: serving.ubatchTokens,
    flashAttention: serving.flashAttention,
    kvUnified: serving.kvUnified,
    swaFull: inference.slidingWindow === 'full',
    kType: serving.kType,
    vType: serving.vType,
    outputsMax: serving.outputsPerSequence ? sequences : 0,
    backend: serving.backend ?? 'cuda',
  });
}
