/**
 * Inference activations: the transient peak of one forward pass, the prefill of one sequence of s
 * tokens, inside the layer where it is largest. Nothing is kept between layers except the residual
 * stream, so the peak does not grow with the layer count.
 *
 *   peak = resident + max over layers of max(attention phase, cross-attention phase, MLP phase) + logits
 *   resident        = c × e × s × h          c = 3 in transformers: the residual stream, the normalised
 *                     layer input and the embedding output, which LlamaModel.forward keeps referenced
 *                     (`inputs_embeds`) for the whole forward; engines pass their own c
 *   attention phase = e × s × (2·a·d + 2·n_kv·d)   q, k, v and the attention output
 *                     latent (MLA): e × s × (2·a·d_qk + a·(d_nope + d_v) + a·d_v + r_kv + d_rope)
 *                     + eager only: a × s² × b per score, b = 10 B in bf16: the masked scores (2),
 *                     softmax(…, dtype=float32)'s fp32 copy of its input and its fp32 output (4 + 4):
 *                     only fp16 has the fused half-to-float kernel (aten/src/ATen/native/SoftMax.cpp),
 *                     so b = 8 B in fp16 (scores, fp32 output, 16-bit copy) and in fp32 (scores, output).
 *                     Measured on an H200 (torch 2.11, llama-3.2-1b, 4,096 tokens): bf16 5.1 GiB, fp16
 *                     4.1 GiB above the weights (test/fixtures/measured/gpu-calibration-h200*.json)
 *   recurrent phase = e × s × (in-projection width + conv channels + inner width)  (in_proj output,
 *                     the conv output and the scan output alive at once) + ⌈s / chunk⌉ states:
 *                     chunked scans materialise one state per chunk (mamba_chunk_scan_combined,
 *                     chunk 256, fp32; fla chunk_gated_delta_rule, chunk 64, in the input dtype)
 *   MLP phase       = gated: 3 × e × s × f   (act(gate), up, and their product alive at once)
 *                     plain: 2 × e × s × f   (the up projection and its activation)
 *                     MoE, fused kernels (engines): k × (that, per expert width) + the shared expert's;
 *                     fused-MoE kernels expand every token k times (vLLM fused_moe intermediate caches)
 *                     MoE in transformers (grouped_mm_experts_forward, integrations/moe.py): e × s × k ×
 *                     (h + 4f) gated, (h + 2f) plain: the gathered inputs, the fused gate_up output
 *                     (2f), act(gate) and its product with up
 *   logits          = V × (e + 4)            last position only, upcast to fp32 for sampling
 * Decoders prefill one sequence at a time (others decode one token each); encoders run all
 * sequences in one batched forward, so their peak is multiplied by the number of sequences.
 * e = 2 B for 16-bit compute (quantized weights are dequantized to 16-bit), 4 B for fp32.
 * This follows transformers' LlamaMLP (`down_proj(act_fn(gate_proj(x)) * up_proj(x))`) and
 * vLLM's last-token logits; engines that chunk prefill (vLLM max_num_batched_tokens) need less.
 */
import {
  type AttentionSpec,
  type LayerGroup,
  type MlpSpec,
  type ModelArchitecture,
  type RecurrentMixer,
  allLayerGroups,
} from './architecture.js';
import type { AttentionImplementation } from './attention.js';
import { type Component, component } from './component.js';
import type { Dtype } from './dtype.js';
import { exact, formatInt } from './units.js';

/** Bytes per activation element when weights are stored as `weightDtype`. */
export function activationElementBytes(weightDtype: Dtype): number {
  return weightDtype === 'fp32' ? 4 : 2;
}

/**
 * Bytes per eager attention score at the softmax: 10 in bf16 (the masked scores and softmax's fp32
 * copy of them and fp32 output), 8 in fp16 (a fused half-to-float softmax, then the 16-bit copy) and
 * in fp32. Quantized weights compute in bf16.
 */
export function eagerScoreBytes(weightDtype: Dtype): number {
  return weightDtype === 'fp32' || weightDtype === 'fp16' ? 8 : 10;
}

/** How a forward pass is implemented, where that changes its transient memory. */
export interface ForwardProfile {
  /** Hidden-size tensors alive beside the peak phase. */
  residentHiddenCopies: number;
  /** MoE experts: transformers' grouped_mm path, or fused kernels that expand each token k times. */
  moe: 'transformers' | 'fused';
  /** Bytes per eager attention score (eagerScoreBytes); engines always use flash kernels. */
  eagerScoreBytes: number;
}

/** transformers' forward (LlamaModel and its relatives) in bf16. */
export const TRANSFORMERS_FORWARD: ForwardProfile = {
  residentHiddenCopies: 3,
  moe: 'transformers',
  eagerScoreBytes: 10,
};
/** A serving engine's forward: fused MoE kernels, `residentHiddenCopies` set per engine. */
export const ENGINE_FORWARD: ForwardProfile = { residentHiddenCopies: 2, moe: 'fused', eagerScoreBytes: 10 };

/** transformers' forward for weights stored as `weightDtype`. */
export function transformersForward(weightDtype: Dtype): ForwardProfile {
  return { ...TRANSFORMERS_FORWARD, eagerScoreBytes: eagerScoreBytes(weightDtype) };
}

/**
 * Sequences in the forward pass that sets the peak: all of them for encoders; for decoders the
 * sequences prefilled together (1 where engines prefill one request while the others decode; the
 * whole batch in transformers' generate()).
 */
export function batchedSequenceCount(arch: ModelArchitecture, sequenceCount: number, prefillSequences = 1): number {
  return arch.layout === 'encoder' ? sequenceCount : Math.min(prefillSequences, sequenceCount);
}

export interface InferenceActivationParts {
  residentBytes: number;
  attentionPhaseBytes: number;
  mlpPhaseBytes: number;
  logitsBytes: number;
  totalBytes: number;
}

/** Elements of q, k, v and the attention output per token. */
export function attentionElementsPerToken(attention: AttentionSpec): number {
  if (attention.kind === 'latent') {
    const a = attention.headCount;
    const qk = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
    return (
      2 * a * qk +
      a * (attention.qkNopeHeadDim + attention.vHeadDim) +
      a * attention.vHeadDim +
      attention.kvLoraRank +
      attention.qkRopeHeadDim
    );
  }
  const gate = attention.outputGate ? attention.headCount * attention.headDim : 0;
  return 2 * attention.headCount * attention.headDim + 2 * attention.kvHeadCount * attention.headDim + gate;
}

function attentionPhase(
  attention: AttentionSpec,
  e: number,
  s: number,
  implementation: AttentionImplementation,
  scoreBytes: number,
): number {
  const scores = implementation === 'eager' ? attention.headCount * s * s * scoreBytes : 0;
  return e * s * attentionElementsPerToken(attention) + scores;
}

/** Tokens per chunk of the chunked scans: Mamba-2 chunk_size 256, Gated DeltaNet 64 (fla's chunk kernels); Mamba-1 scans without chunks. */
const SCAN_CHUNK_TOKENS: Record<RecurrentMixer['kind'], number | null> = {
  mamba: null,
  mamba2: 256,
  gated_deltanet: 64,
  rwkv4: null,
  lightning: 256,
};

/** Per token: the in-projection output, the conv output and the scan output of one recurrent mixer. */
export function recurrentElementsPerToken(mixer: RecurrentMixer): number {
  switch (mixer.kind) {
    case 'rwkv4':
      // key, value, receptance and the WKV output.
      return 4 * mixer.attentionSize;
    case 'lightning':
      // q, k, v, the gate and the output.
      return 5 * mixer.headCount * mixer.headDim;
    case 'mamba':
      return 2 * mixer.innerSize + mixer.innerSize + mixer.innerSize;
    case 'mamba2': {
      const convDim = mixer.innerSize + 2 * mixer.groupCount * mixer.stateSize;
      return mixer.innerSize + convDim + mixer.headCount + convDim + mixer.innerSize;
    }
    case 'gated_deltanet': {
      const keys = mixer.keyHeadCount * mixer.keyHeadDim;
      const values = mixer.valueHeadCount * mixer.valueHeadDim;
      return 2 * keys + 2 * values + 2 * mixer.valueHeadCount + (2 * keys + values) + values;
    }
  }
}

/** Elements of one sequence's SSM / recurrent state (what a chunked scan stores once per chunk). */
function scanStateElements(mixer: RecurrentMixer): number {
  switch (mixer.kind) {
    case 'rwkv4':
      return 3 * mixer.attentionSize;
    case 'lightning':
      return mixer.headCount * mixer.headDim * mixer.headDim;
    case 'mamba':
      return mixer.innerSize * mixer.stateSize;
    case 'mamba2':
      return mixer.headCount * mixer.headDim * mixer.stateSize;
    case 'gated_deltanet':
      return mixer.valueHeadCount * mixer.keyHeadDim * mixer.valueHeadDim;
  }
}

/** The recurrent mixer's transient bytes over s tokens. */
export function recurrentPhase(mixer: RecurrentMixer, e: number, s: number): number {
  const chunk = SCAN_CHUNK_TOKENS[mixer.kind];
  const chunkStates = chunk === null ? 1 : Math.ceil(s / chunk);
  // Mamba-2's chunk states are fp32 (mamba_ssm ssd_combined, states_in_fp32); fla allocates h like k.
  const stateBytes = mixer.kind === 'gated_deltanet' ? e : 4;
  return e * s * recurrentElementsPerToken(mixer) + stateBytes * chunkStates * scanStateElements(mixer);
}

/** Widths a token passes through in one MLP: [routed width × k, shared width]. */
function mlpWidths(mlp: MlpSpec): { routed: number; shared: number } {
  const k = mlp.experts?.activeExpertCount ?? 1;
  return { routed: k * mlp.intermediateSize, shared: mlp.experts?.sharedIntermediateSize ?? 0 };
}

/** Elements per token of the routed experts in transformers' grouped_mm path: k × (h + 4f) gated, k × (h + 2f) plain. */
function transformersExpertElements(mlp: MlpSpec, hiddenSize: number): number {
  const k = mlp.experts?.activeExpertCount ?? 1;
  return k * (hiddenSize + (mlp.gated ? 4 : 2) * mlp.intermediateSize);
}

function mlpPhase(mlp: MlpSpec, e: number, s: number, hiddenSize: number, moe: ForwardProfile['moe']): number {
  const { routed, shared } = mlpWidths(mlp);
  const perToken = mlp.gated ? 3 : 2;
  if (mlp.experts && moe === 'transformers')
    return e * s * (transformersExpertElements(mlp, hiddenSize) + perToken * shared);
  return perToken * e * s * (routed + shared);
}

/**
 * A layer's token-mixing and MLP phases. Falcon-H1 runs attention and Mamba-2 side by side on the
 * same input, so their transients add up; other layers have one mixer.
 */
function layerPhases(
  group: LayerGroup,
  e: number,
  s: number,
  implementation: AttentionImplementation,
  profile: ForwardProfile,
  hiddenSize: number,
) {
  const score = profile.eagerScoreBytes;
  const attention = Math.max(
    (group.attention ? attentionPhase(group.attention, e, s, implementation, score) : 0) +
      (group.recurrent ? recurrentPhase(group.recurrent, e, s) : 0),
    group.crossAttention ? attentionPhase(group.crossAttention, e, s, implementation, score) : 0,
  );
  return { attention, mlp: group.mlp ? mlpPhase(group.mlp, e, s, hiddenSize, profile.moe) : 0 };
}

export function inferenceActivationParts(
  arch: ModelArchitecture,
  elementBytes: number,
  sequenceTokens: number,
  attention: AttentionImplementation,
  sequenceCount: number,
  /** How the forward is implemented (resident copies, MoE kernels, eager score bytes). */
  profile: ForwardProfile = ENGINE_FORWARD,
  /** Decoder sequences prefilled in one forward (batchedSequenceCount). */
  prefillSequences = 1,
): InferenceActivationParts {
  const e = elementBytes;
  // An encoder of fixed length (Whisper's 1,500 frames) runs that many tokens whatever the context.
  const s = Math.max(sequenceTokens, arch.encoderTokens ?? 0);
  const batch = batchedSequenceCount(arch, sequenceCount, prefillSequences);
  let peak = { attention: 0, mlp: 0 };
  for (const group of allLayerGroups(arch)) {
    const phases = layerPhases(group, e, s, attention, profile, arch.hiddenSize);
    if (Math.max(phases.attention, phases.mlp) > Math.max(peak.attention, peak.mlp)) peak = phases;
  }
  const residentBytes = batch * profile.residentHiddenCopies * e * s * arch.hiddenSize;
  const attentionPhaseBytes = batch * peak.attention;
  const mlpPhaseBytes = batch * peak.mlp;
  const logitsBytes = arch.layout === 'encoder' ? 0 : batch * arch.vocabSize * (e + 4);
  const totalBytes = residentBytes + Math.max(attentionPhaseBytes, mlpPhaseBytes) + logitsBytes;
  return {
    residentBytes,
    attentionPhaseBytes,
    mlpPhaseBytes,
    logitsBytes,
    totalBytes: exact(totalBytes, 'inference activations'),
  };
}

/** The layer group whose peak sets the total (for the formula text). */
function peakGroup(
  arch: ModelArchitecture,
  e: number,
  s: number,
  implementation: AttentionImplementation,
  profile: ForwardProfile,
): LayerGroup {
  return allLayerGroups(arch).reduce((best, group) => {
    const a = layerPhases(group, e, s, implementation, profile, arch.hiddenSize);
    const b = layerPhases(best, e, s, implementation, profile, arch.hiddenSize);
    return Math.max(a.attention, a.mlp) > Math.max(b.attention, b.mlp) ? group : best;
  });
}

/** The phase that sets the peak, with its numbers. */
function peakPhaseText(
  group: LayerGroup,
  parts: InferenceActivationParts,
  elementBytes: number,
  sequenceTokens: number,
  implementation: AttentionImplementation,
  profile: ForwardProfile,
  hiddenSize: number,
): string {
  const s = formatInt(sequenceTokens);
  const e = `${elementBytes} B`;
  if (group.mlp && parts.mlpPhaseBytes >= parts.attentionPhaseBytes) {
    const { routed, shared } = mlpWidths(group.mlp);
    const k = group.mlp.experts?.activeExpertCount ?? 1;
    if (group.mlp.experts && profile.moe === 'transformers') {
      const width = `${k} × (${formatInt(hiddenSize)} + ${group.mlp.gated ? 4 : 2} × ${formatInt(group.mlp.intermediateSize)})`;
      const sharedText = shared > 0 ? ` + ${group.mlp.gated ? 3 : 2} × ${formatInt(shared)} shared` : '';
      return `${e} × ${s} × (${width}${sharedText}) (MoE, transformers grouped_mm)`;
    }
    const width =
      k > 1 || shared > 0
        ? `(${k > 1 ? `${k} × ` : ''}${formatInt(group.mlp.intermediateSize)}${shared > 0 ? ` + ${formatInt(shared)} shared` : ''})`
        : formatInt(routed);
    return `${group.mlp.gated ? 3 : 2} × ${e} × ${s} × ${width} (MLP)`;
  }
  const texts: string[] = [];
  const lead = group.attention;
  if (lead) {
    const elements =
      lead.kind === 'standard'
        ? `(2×${lead.headCount}×${lead.headDim} + 2×${lead.kvHeadCount}×${lead.headDim})`
        : formatInt(attentionElementsPerToken(lead));
    texts.push(
      `${e} × ${s} × ${elements}${implementation === 'eager' ? ` + ${lead.headCount} × ${s}² × ${profile.eagerScoreBytes} B` : ''} (attention)`,
    );
  }
  if (group.recurrent) {
    const chunkStates = formatInt(
      recurrentPhase(group.recurrent, elementBytes, sequenceTokens) -
        elementBytes * sequenceTokens * recurrentElementsPerToken(group.recurrent),
    );
    texts.push(
      `${e} × ${s} × ${formatInt(recurrentElementsPerToken(group.recurrent))} + ${chunkStates} B chunk states (${group.recurrent.kind} mixer)`,
    );
  }
  return texts.join(' + ');
}

/** The activations of transformers' forward (the estimate command's model) for weights stored as `weightDtype`. */
export function inferenceActivationsComponent(
  arch: ModelArchitecture,
  weightDtype: Dtype,
  sequenceTokens: number,
  attention: AttentionImplementation,
  sequenceCount: number,
  prefillSequences = 1,
): Component {
  const elementBytes = activationElementBytes(weightDtype);
  const profile = transformersForward(weightDtype);
  const p = inferenceActivationParts(
    arch,
    elementBytes,
    sequenceTokens,
    attention,
    sequenceCount,
    profile,
    prefillSequences,
  );
  const batch = batchedSequenceCount(arch, sequenceCount, prefillSequences);
  const figures = {
    id: 'activations' as const,
    label: arch.layout === 'encoder' ? 'Activations (forward peak)' : 'Activations (prefill peak)',
    bytes: p.totalBytes,
    expression: 'c·e·s·h + max(attention, MLP) + logits',
    basis: 'model' as const,
    range: null,
  };
  return component(figures, () => {
    const s = formatInt(sequenceTokens);
    const e = `${elementBytes} B`;
    const group = peakGroup(arch, elementBytes, sequenceTokens, attention, profile);
    const peakText = peakPhaseText(group, p, elementBytes, sequenceTokens, attention, profile, arch.hiddenSize);
    const logitsText =
      p.logitsBytes > 0
        ? ` + ${batch > 1 ? `${formatInt(batch)} × ` : ''}${formatInt(arch.vocabSize)} vocab × ${elementBytes + 4} B (logits)`
        : '';
    const [batchText, batchClose] = batch > 1 ? [`${formatInt(batch)} sequences × (`, ')'] : ['', ''];
    return {
      formula: `${batchText}${profile.residentHiddenCopies} × ${e} × ${s} tokens × ${formatInt(arch.hiddenSize)} + ${peakText}${batchClose}${logitsText}`,
      notes: inferenceActivationNotes(arch, p, batch, s, attention, profile),
    };
  });
}

function inferenceActivationNotes(
  arch: ModelArchitecture,
  p: InferenceActivationParts,
  batch: number,
  s: string,
  attention: AttentionImplementation,
  profile: ForwardProfile,
): string[] {
  return [
    arch.layout === 'encoder'
      ? `peak inside one layer of one batched forward over ${formatInt(batch)} ${s}-token sequence${batch > 1 ? 's' : ''}`
      : batch > 1
        ? `peak inside one layer during the batched prefill of ${formatInt(batch)} ${s}-token sequences (transformers' generate() prefills its whole batch)`
        : `peak inside one layer during the prefill of one ${s}-token sequence; other sequences decode one token at a time and need far less`,
    `resident ${formatInt(p.residentBytes)} B; attention phase ${formatInt(p.attentionPhaseBytes)} B; MLP phase ${formatInt(p.mlpPhaseBytes)} B; logits ${formatInt(p.logitsBytes)} B`,
    attention === 'flash'
      ? 'flash attention: the s × s score matrix is never stored'
      : profile.eagerScoreBytes === 10
        ? "eager attention: the s × s scores, softmax's fp32 copy of them and its fp32 output are alive at once (10 B per score in bf16)"
        : `eager attention: ${profile.eagerScoreBytes} B per score (the scores, the fp32 softmax and its copy in the compute dtype)`,
    `resident: ${profile.residentHiddenCopies} hidden-size copies (the residual stream, the normalised input and the embedding output transformers keeps for the whole forward)`,
    ...(arch.layout === 'encoder' ? [] : ['engines that chunk the prefill (vLLM --max-num-batched-tokens) peak lower']),
  ];
}
