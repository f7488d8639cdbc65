/**
 * KV cache: what each layer caches per token, for every cached token.
 *   standard attention: 2 × n_kv × d elements per token per layer (GQA-aware; MQA n_kv = 1)
 *   latent attention (MLA): r_kv + d_rope elements per token per layer (the compressed latent
 *     and the shared rotary key; DeepSeek-V2, arXiv:2405.04434 §2.1; REFERENCES.md), + the
 *     indexer's d-wide key with DeepSeek-V3.2's sparse attention (every token stays cached; top-k
 *     limits the compute, not the cache)
 *   sliding-window layers: at most `window` tokens under the `cap` policy (vLLM's hybrid KV
 *     allocator, llama.cpp's SWA cache, transformers' HybridCache); every token under `full`
 *     (engines that keep full-size pages for window layers, llama.cpp --swa-full)
 *   layers without attention (state-space, linear-attention, MLP-only) cache nothing per token:
 *     their fixed per-sequence state is recurrentState.ts's own component
 *   encoder-decoder: decoder self-attention over the generated tokens plus cross-attention
 *     K/V over the encoder tokens; encoders keep no cache
 *   bytes = Σ_layers elements × tokens × bytes/element, × sequences
 * REFERENCES.md "KV cache"; llama.cpp: LLaMA-7B f16 at n_ctx 8192 -> "kv self size = 4096.00 MB".
 */
import {
  type AttentionSpec,
  type LayerGroup,
  type ModelArchitecture,
  layerCount,
  leadAttention,
} from './architecture.js';
import { type Component, component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { exact, formatInt } from './units.js';

export const SLIDING_WINDOW_POLICIES = ['cap', 'full'] as const;
export type SlidingWindowPolicy = (typeof SLIDING_WINDOW_POLICIES)[number];

/** One group's share of the cache: layers × elements per token × cached tokens. */
interface KvTerm {
  layers: number;
  elementsPerToken: number;
  tokens: number;
  /** K/V heads the elements split over under tensor parallelism; 1 for MLA's shared latent. */
  heads: number;
  /** The attention it caches for (termText writes it out). */
  attention: AttentionSpec;
  cross: boolean;
}

/** e.g. "2 × 80 layers × 8 kv-heads × 128 head-dim". */
function termText(term: KvTerm): string {
  const { attention, layers } = term;
  if (attention.kind === 'latent') {
    const indexer = attention.indexer?.headDim ?? 0;
    return `${layers} layers × (${attention.kvLoraRank} latent + ${attention.qkRopeHeadDim} rope${indexer > 0 ? ` + ${indexer} indexer key` : ''})`;
  }
  const kind = term.cross ? 'cross-attention layers' : 'layers';
  return `2 × ${layers} ${kind} × ${attention.kvHeadCount} kv-heads × ${attention.headDim} head-dim`;
}

function selfTerm(group: LayerGroup, contextTokens: number, policy: SlidingWindowPolicy): KvTerm | null {
  const attention = group.attention;
  if (attention === null || (attention.kind === 'standard' && attention.sharedKv)) return null;
  const window = attention.window !== null && policy === 'cap' ? attention.window : null;
  const tokens = window === null ? contextTokens : Math.min(contextTokens, window);
  const latent = attention.kind === 'latent';
  return {
    layers: group.count,
    elementsPerToken: latent
      ? attention.kvLoraRank + attention.qkRopeHeadDim + (attention.indexer?.headDim ?? 0)
      : 2 * attention.kvHeadCount * attention.headDim,
    tokens,
    heads: latent ? 1 : attention.kvHeadCount,
    attention,
    cross: false,
  };
}

/** The cache terms of one sequence of `contextTokens` (encoder input and decoder output alike). */
function kvTerms(arch: ModelArchitecture, contextTokens: number, policy: SlidingWindowPolicy): KvTerm[] {
  if (arch.layout === 'encoder') return [];
  const terms: KvTerm[] = [];
  for (const group of arch.layers) {
    const term = selfTerm(group, contextTokens, policy);
    if (term !== null) terms.push(term);
  }
  for (const group of arch.layers) {
    const cross = group.crossAttention;
    if (cross) {
      terms.push({
        layers: group.count,
        elementsPerToken: 2 * cross.kvHeadCount * cross.headDim,
        tokens: arch.encoderTokens ?? contextTokens,
        heads: cross.kvHeadCount,
        attention: cross,
        cross: true,
      });
    }
  }
  return terms;
}

/** K/V elements cached per token across all layers at full context (0 for encoders). */
export function kvElementsPerToken(arch: ModelArchitecture): number {
  return kvTerms(arch, 1, 'full').reduce((total, term) => total + term.layers * term.elementsPerToken, 0);
}

/** Exact KV-cache bytes for `sequenceCount` sequences of `contextTokens` tokens. */
export function kvCacheBytes(
  arch: ModelArchitecture,
  kvDtype: Dtype,
  contextTokens: number,
  sequenceCount: number,
  policy: SlidingWindowPolicy = 'cap',
): number {
  return termsBytes(kvTerms(arch, contextTokens, policy), kvDtype, sequenceCount);
}

function termsBytes(terms: readonly KvTerm[], kvDtype: Dtype, sequenceCount: number): number {
  let elements = 0;
  for (const term of terms) elements += term.layers * term.elementsPerToken * term.tokens;
  return dtypeBytes(exact(elements * sequenceCount, 'KV-cache elements'), kvDtype);
}

/**
 * KV-cache bytes on each of `gpuCount` tensor-parallel GPUs: every GPU holds ceil(n_kv / N) of the
 * K/V heads, so heads are replicated once N exceeds them (vLLM, TensorRT-LLM), and MLA's shared
 * latent is replicated on every GPU.
 */
export function kvCacheBytesPerGpu(
  arch: ModelArchitecture,
  kvDtype: Dtype,
  contextTokens: number,
  sequenceCount: number,
  policy: SlidingWindowPolicy,
  gpuCount: number,
): number {
  const elements = kvTerms(arch, contextTokens, policy).reduce(
    (total, term) =>
      total + term.layers * (term.elementsPerToken / term.heads) * Math.ceil(term.heads / gpuCount) * term.tokens,
    0,
  );
  return dtypeBytes(exact(elements * sequenceCount, 'KV-cache elements'), kvDtype);
}

export function kvCacheComponent(
  arch: ModelArchitecture,
  kvDtype: Dtype,
  contextTokens: number,
  sequenceCount: number,
  policy: SlidingWindowPolicy = 'cap',
): Component {
  const label = 'KV cache';
  if (arch.layout === 'encoder') {
    return component(
      { id: 'kv_cache', label, bytes: 0, expression: '0 (encoder)', basis: 'exact', range: null },
      () => ({
        formula: `0 B: ${arch.modelType} is an encoder and keeps no KV cache`,
        notes: ['encoders attend over the whole input in one pass; nothing is cached between steps'],
      }),
    );
  }
  const terms = kvTerms(arch, contextTokens, policy);
  if (terms.length === 0) {
    const expression = '0 (no attention layers)';
    return component({ id: 'kv_cache', label, bytes: 0, expression, basis: 'exact', range: null }, () => ({
      formula: `0 B: no layer of ${arch.modelType} has attention, so nothing grows with the context`,
      notes: ['the fixed per-sequence state of its recurrent layers is the recurrent_state component'],
    }));
  }
  const lead = leadAttention(arch);
  const figures = {
    id: 'kv_cache' as const,
    label,
    bytes: termsBytes(terms, kvDtype, sequenceCount),
    expression: arch.layers.some((group) => group.attention?.window != null)
      ? 'Σ layers × per-token K/V × min(ctx, window) × bytes × users'
      : lead?.kind === 'latent'
        ? 'L × (r_kv + d_rope) × bytes × ctx × users'
        : '2 × L × n_kv × d × bytes × ctx × users',
    basis: 'exact' as const,
    range: null,
  };
  return component(figures, () => ({
    formula: kvCacheFormula(terms, kvDtype, contextTokens, sequenceCount),
    notes: kvCacheNotes(arch, contextTokens, policy),
  }));
}

/** The cache's terms with the numbers substituted. */
function kvCacheFormula(terms: KvTerm[], kvDtype: Dtype, contextTokens: number, sequenceCount: number): string {
  const sequences = `${formatInt(sequenceCount)} ${sequenceCount === 1 ? 'sequence' : 'sequences'}`;
  const bytesText = `${bytesPerElementLabel(kvDtype)} (${kvDtype})`;
  const sameTokens = terms.every((term) => term.tokens === contextTokens);
  return sameTokens
    ? `${terms.map(termText).join(' + ')} × ${bytesText} × ${formatInt(contextTokens)} tokens × ${sequences}`
    : `(${terms.map((term) => `${termText(term)} × ${formatInt(term.tokens)} tokens`).join(' + ')}) × ${bytesText} × ${sequences}`;
}

/** What the cache saves or assumes, in words: GQA or MLA, sliding windows, an encoder-decoder's two contexts. */
function kvCacheNotes(arch: ModelArchitecture, contextTokens: number, policy: SlidingWindowPolicy): string[] {
  const notes: string[] = [];
  const lead = leadAttention(arch);
  const attending = arch.layers.filter(
    (group) => group.attention !== null && !(group.attention.kind === 'standard' && group.attention.sharedKv),
  );
  if (layerCount(attending) < layerCount(arch.layers)) {
    notes.push(
      `only ${layerCount(attending)} layers of ${layerCount(arch.layers)} cache K/V; the others cache nothing per token (they share an earlier layer's K/V, or keep a fixed state: see recurrent_state)`,
    );
  }
  if (lead?.kind === 'standard' && lead.kvHeadCount < lead.headCount) {
    notes.push(
      `grouped-query attention: ${lead.kvHeadCount} KV heads for ${lead.headCount} query heads caches ${lead.headCount / lead.kvHeadCount}× less than full multi-head K/V`,
    );
  }
  if (lead?.kind === 'latent' && lead.indexer) {
    notes.push(
      `the sparse-attention indexer caches a ${lead.indexer.headDim}-wide key per token per layer; vLLM keeps DeepSeek-V3.2's cache in fp8 (a 656 B latent row and a 132 B indexer key per token per layer), about --kv-dtype fp8`,
    );
  }
  if (lead?.kind === 'latent') {
    notes.push(
      `multi-head latent attention caches ${lead.kvLoraRank} + ${lead.qkRopeHeadDim} elements per token per layer instead of full K and V for ${lead.headCount} heads`,
    );
  }
  const windowed = arch.layers.filter((group) => group.attention?.window != null);
  const first = windowed[0]?.attention;
  if (first?.window != null) {
    const kind = first.kind === 'standard' && first.chunked ? 'chunked local attention' : 'sliding window';
    const window = `a ${formatInt(first.window)}-token ${kind}`;
    notes.push(
      policy === 'cap'
        ? `${layerCount(windowed)} of ${layerCount(arch.layers)} layers use ${window} and cache at most that many tokens (window policy cap: vLLM's hybrid allocator, llama.cpp's SWA cache)`
        : `${layerCount(windowed)} of ${layerCount(arch.layers)} layers use ${window} but cache the full context (window policy full)`,
    );
  }
  if (arch.layout === 'encoder-decoder')
    notes.push(
      arch.encoderTokens === null
        ? `the context counts both the encoder input and the generated tokens: ${formatInt(contextTokens)} each`
        : `cross-attention caches K/V over the encoder's fixed ${formatInt(arch.encoderTokens)} tokens; self-attention over the ${formatInt(contextTokens)} generated tokens`,
    );
  return notes;
}
