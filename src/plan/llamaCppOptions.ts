/**
 * The options only llama.cpp has, apart from its memory model (plan/llamaCpp.ts), so that the
 * option registry and the actions, loaded by every command, do not load llama.cpp's model.
 */
import type { LlamaCppInput } from './llamaCpp.js';

/** Options only llama.cpp has (any of them selects it in `estimate` and `capacity`). */
export const LLAMA_CPP_OPTIONS = [
  'frontEnd',
  'gpuLayers',
  'kvUnified',
  'kDtype',
  'vDtype',
  'batchSize',
  'tensorSplit',
  'splitMode',
] as const;

/** Whether the input names a llama.cpp-only option. */
export function asksForLlamaCpp(input: LlamaCppInput): boolean {
  return LLAMA_CPP_OPTIONS.some((key) => input[key] !== undefined) || input.attention === 'auto';
}
