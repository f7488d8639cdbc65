/**
 * Inference activations: the transient peak of one forward pass, the prefill of one sequence of s
 * tokens, inside the layer where it is largest. Nothing is kept between layers except the residual
 * stream, so the peak does not grow with the layer count.
 *
 *   peak = resident + max(attention phase, MLP phase) + last-token logits
 *   resident        = 2 × e × s × h          residual stream + normalised layer input
 *   attention phase = e × s × (2·a·d + 2·n_kv·d)   q, k, v and the attention output
 *                     + eager only: a × s² × (e + 4 + e)  scores, fp32 softmax, its 16-bit copy
 *   MLP phase       = gated: k × 3 × e × s × f   (act(gate), up, and their product alive at once)
 *                     plain: k × 2 × e × s × f   (the up projection and its GELU)
 *                     k = experts per token for MoE (fused-MoE kernels expand every token k times), else 1
 *   logits          = V × (e + 4)            last position only, upcast to fp32 for sampling
 * Decoders prefill one sequence at a time (others decode one token each); encoders run all
 * sequences in one batched forward, so their peak is multiplied by the number of sequences.
 * e = 2 B for 16-bit compute (quantized weights are dequantized to 16-bit), 4 B for fp32.
 * This follows transformers' LlamaMLP (`down_proj(act_fn(gate_proj(x)) * up_proj(x))`) and
 * vLLM's last-token logits; engines that chunk prefill (vLLM max_num_batched_tokens) need less.
 */
import type { ModelArchitecture } from './architecture.js';
import { type AttentionImplementation, EAGER_SOFTMAX_BYTES } from './attention.js';
import type { Component } from './component.js';
import type { Dtype } from './dtype.js';
import { exact, formatInt } from './units.js';

/** Bytes per activation element when weights are stored as `weightDtype`. */
export function activationElementBytes(weightDtype: Dtype): number {
  return weightDtype === 'fp32' ? 4 : 2;
}

/** Sequences in the forward pass that sets the peak: 1 for decoders, all of them for encoders. */
export function batchedSequenceCount(arch: ModelArchitecture, sequenceCount: number): number {
  return arch.layout === 'encoder' ? sequenceCount : 1;
}

export interface InferenceActivationParts {
  residentBytes: number;
  attentionPhaseBytes: number;
  mlpPhaseBytes: number;
  logitsBytes: number;
  totalBytes: number;
}

export function inferenceActivationParts(
  arch: ModelArchitecture,
  elementBytes: number,
  sequenceTokens: number,
  attention: AttentionImplementation,
  sequenceCount: number,
): InferenceActivationParts {
  const e = elementBytes;
  const s = sequenceTokens;
  const batch = batchedSequenceCount(arch, sequenceCount);
  const { hiddenSize: h, attentionHeadCount: a, kvHeadCount: kv, headDim: d } = arch;
  const f = arch.intermediateSize;
  const k = arch.experts?.activeExpertCount ?? 1;
  const residentBytes = batch * 2 * e * s * h;
  const scoreBytes = attention === 'eager' ? batch * a * s * s * (2 * e + EAGER_SOFTMAX_BYTES) : 0;
  const attentionPhaseBytes = batch * e * s * (2 * a * d + 2 * kv * d) + scoreBytes;
  const mlpPhaseBytes = batch * k * (arch.mlp === 'gated' ? 3 : 2) * e * s * f;
  const logitsBytes = arch.layout === 'decoder' ? arch.vocabSize * (e + 4) : 0;
  const totalBytes = residentBytes + Math.max(attentionPhaseBytes, mlpPhaseBytes) + logitsBytes;
  return {
    residentBytes,
    attentionPhaseBytes,
    mlpPhaseBytes,
    logitsBytes,
    totalBytes: exact(totalBytes, 'inference activations'),
  };
}

export function inferenceActivationsComponent(
  arch: ModelArchitecture,
  elementBytes: number,
  sequenceTokens: number,
  attention: AttentionImplementation,
  sequenceCount: number,
): Component {
  const p = inferenceActivationParts(arch, elementBytes, sequenceTokens, attention, sequenceCount);
  const batch = batchedSequenceCount(arch, sequenceCount);
  const batchText = batch > 1 ? `${formatInt(batch)} sequences × (` : '';
  const batchClose = batch > 1 ? ')' : '';
  const s = formatInt(sequenceTokens);
  const e = `${elementBytes} B`;
  const k = arch.experts?.activeExpertCount ?? 1;
  const kText = k > 1 ? `${k} experts × ` : '';
  const mlpFactor = arch.mlp === 'gated' ? 3 : 2;
  const mlpWins = p.mlpPhaseBytes >= p.attentionPhaseBytes;
  const peakText = mlpWins
    ? `${kText}${mlpFactor} × ${e} × ${s} × ${formatInt(arch.intermediateSize)} (MLP)`
    : `${e} × ${s} × (2×${arch.attentionHeadCount}×${arch.headDim} + 2×${arch.kvHeadCount}×${arch.headDim})${attention === 'eager' ? ` + ${arch.attentionHeadCount} × ${s}² × ${2 * elementBytes + EAGER_SOFTMAX_BYTES} B` : ''} (attention)`;
  const logitsText = p.logitsBytes > 0 ? ` + ${formatInt(arch.vocabSize)} vocab × ${elementBytes + 4} B (logits)` : '';
  const notes = [
    arch.layout === 'encoder'
      ? `peak inside one layer of one batched forward over ${formatInt(batch)} ${s}-token sequence${batch > 1 ? 's' : ''}`
      : `peak inside one layer during the prefill of one ${s}-token sequence; other sequences decode one token at a time and need far less`,
    `resident ${formatInt(p.residentBytes)} B; attention phase ${formatInt(p.attentionPhaseBytes)} B; MLP phase ${formatInt(p.mlpPhaseBytes)} B; logits ${formatInt(p.logitsBytes)} B`,
    attention === 'flash'
      ? 'flash attention: the s × s score matrix is never stored'
      : 'eager attention: the s × s scores, their fp32 softmax and its 16-bit copy are alive at once',
    ...(arch.layout === 'decoder' ? ['engines that chunk the prefill (vLLM --max-num-batched-tokens) peak lower'] : []),
  ];
  return {
    id: 'activations',
    label: arch.layout === 'encoder' ? 'Activations (forward peak)' : 'Activations (prefill peak)',
    bytes: p.totalBytes,
    expression: '2·e·s·h + max(attention, MLP) + logits',
    formula: `${batchText}2 × ${e} × ${s} tokens × ${formatInt(arch.hiddenSize)} + ${peakText}${batchClose}${logitsText}`,
    basis: 'model',
    range: null,
    notes,
  };
}
