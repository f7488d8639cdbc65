/**
 * KV cache: keys and values of every layer for every cached token.
 *   bytes = 2 × L × n_kv × d × bytes/element × tokens,  tokens = context × sequences
 * GQA-aware (n_kv < a), MQA (n_kv = 1). REFERENCES.md "KV cache"; vLLM and llama.cpp allocate the
 * same per-token size (llama.cpp: LLaMA-7B f16 at n_ctx 8192 -> "kv self size = 4096.00 MB").
 * Encoders (BERT) keep no cache.
 */
import type { ModelArchitecture } from './architecture.js';
import type { Component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { exact, formatInt } from './units.js';

/** K and V elements cached per token across all layers: 2 × L × n_kv × d (0 for encoders). */
export function kvElementsPerToken(arch: ModelArchitecture): number {
  if (arch.layout === 'encoder') return 0;
  return 2 * arch.layerCount * arch.kvHeadCount * arch.headDim;
}

/** Exact KV-cache bytes for `tokenCount` cached tokens. */
export function kvCacheBytes(arch: ModelArchitecture, kvDtype: Dtype, tokenCount: number): number {
  return dtypeBytes(exact(kvElementsPerToken(arch) * tokenCount, 'KV-cache elements'), kvDtype);
}

export function kvCacheComponent(
  arch: ModelArchitecture,
  kvDtype: Dtype,
  contextTokens: number,
  sequenceCount: number,
): Component {
  const label = 'KV cache';
  if (arch.layout === 'encoder') {
    return {
      id: 'kv_cache',
      label,
      bytes: 0,
      expression: '0 (encoder)',
      formula: `0 B: ${arch.modelType} is an encoder and keeps no KV cache`,
      basis: 'exact',
      range: null,
      notes: ['encoders attend over the whole input in one pass; nothing is cached between steps'],
    };
  }
  const tokens = contextTokens * sequenceCount;
  const notes: string[] = [];
  if (arch.kvHeadCount < arch.attentionHeadCount) {
    notes.push(
      `grouped-query attention: ${arch.kvHeadCount} KV heads for ${arch.attentionHeadCount} query heads caches ${arch.attentionHeadCount / arch.kvHeadCount}× less than full multi-head K/V`,
    );
  }
  if (arch.slidingWindow !== null && arch.slidingWindow < contextTokens) {
    notes.push(
      `the config sets a ${formatInt(arch.slidingWindow)}-token sliding window; the full context is counted (an upper bound; engines that evict outside the window need less)`,
    );
  }
  return {
    id: 'kv_cache',
    label,
    bytes: kvCacheBytes(arch, kvDtype, tokens),
    expression: '2 × L × n_kv × d × bytes × ctx × users',
    formula: `2 × ${arch.layerCount} layers × ${arch.kvHeadCount} kv-heads × ${arch.headDim} head-dim × ${bytesPerElementLabel(kvDtype)} (${kvDtype}) × ${formatInt(contextTokens)} tokens × ${formatInt(sequenceCount)} ${sequenceCount === 1 ? 'sequence' : 'sequences'}`,
    basis: 'exact',
    range: null,
    notes,
  };
}
