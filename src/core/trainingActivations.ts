/**
 * Training activations: the tensors autograd keeps from the forward pass for the backward pass,
 * at their peak (end of forward), per Korthikanti et al. 2022 (arXiv:2205.05198, §4) redone for
 * the model's real blocks. Per layer, with e bytes per 16-bit (or fp32) element, 1-byte dropout
 * masks, micro-batch b, sequence s, and T = s·b tokens:
 *   norm inputs          2 × e·T·h
 *   attention input      e·T·h                     (the normalised input q/k/v read)
 *   q, k, v              e·T·(a·d + 2·n_kv·d)
 *   attention output     e·T·a·d                   (o_proj input; flash keeps the same tensor)
 *   flash only           4·T·a                     (fp32 log-sum-exp)
 *   eager only           a·s²·b·(4 + e [+ 1])      (fp32 softmax, its 16-bit copy for P·V,
 *                                                   a dropout mask when attention dropout > 0)
 *   hidden dropout       2 × T·h masks             (when hidden dropout > 0)
 *   gated MLP            e·T·h + 4·e·T·f           (input; gate, up, act(gate), product)
 *   plain MLP            e·T·h + 2·e·T·f           (input; GELU input and output)
 *   MoE                  MLP terms × experts per token
 * For the paper's GPT (a·d = h, f = 4h, GELU, dropout everywhere) this gives
 * s·b·h·(34 + 7·a·s/h): the paper's 34 + 5·a·s/h plus 2 B per score element, because Megatron's
 * fused softmax keeps 16-bit scores while transformers upcasts softmax to fp32.
 * Outside the layers: decoder final-norm and lm_head inputs 2 × e·T·h, and the loss over
 * T·V logits: 16-bit logits e + their fp32 upcast 4 (none when e = 4) + fp32 log-softmax 4.
 * Encoders (BERT masked LM): embedding norm input e·T·h (+ dropout mask), MLM head 4 × e·T·h, and
 * the same loss over T·V logits.
 * Recomputation: selective drops the score terms (Korthikanti §5); full keeps each layer's input
 * e·T·h and rebuilds one layer at a time during backward.
 */
import type { ModelArchitecture } from './architecture.js';
import { type AttentionImplementation, EAGER_SOFTMAX_BYTES, FLASH_LSE_BYTES } from './attention.js';
import type { Component } from './component.js';
import { exact, formatInt } from './units.js';

export const GRADIENT_CHECKPOINTING = ['none', 'selective', 'full'] as const;
export type GradientCheckpointing = (typeof GRADIENT_CHECKPOINTING)[number];

/** Bytes of one fp32 element (loss upcast, log-softmax). */
const FP32_BYTES = 4;

export interface TrainingActivationInput {
  arch: ModelArchitecture;
  elementBytes: number;
  sequenceTokens: number;
  batchSize: number;
  attention: AttentionImplementation;
  checkpointing: GradientCheckpointing;
}

export interface LayerActivationParts {
  normInputsBytes: number;
  attentionInputBytes: number;
  qkvBytes: number;
  attentionOutputBytes: number;
  logSumExpBytes: number;
  scoresBytes: number;
  dropoutMaskBytes: number;
  mlpBytes: number;
  totalBytes: number;
}

/** Bytes one layer keeps for backward without recomputation. */
export function layerActivationParts(input: TrainingActivationInput): LayerActivationParts {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b, attention } = input;
  const { hiddenSize: h, attentionHeadCount: a, kvHeadCount: kv, headDim: d } = arch;
  const T = s * b;
  const k = arch.experts?.activeExpertCount ?? 1;
  const normInputsBytes = 2 * e * T * h;
  const attentionInputBytes = e * T * h;
  const qkvBytes = e * T * (a * d + 2 * kv * d);
  const attentionOutputBytes = e * T * a * d;
  const logSumExpBytes = attention === 'flash' ? FLASH_LSE_BYTES * T * a : 0;
  const scoreElementBytes = EAGER_SOFTMAX_BYTES + e + (arch.attentionDropout > 0 ? 1 : 0);
  const scoresBytes = attention === 'eager' ? a * s * s * b * scoreElementBytes : 0;
  const dropoutMaskBytes = arch.hiddenDropout > 0 ? 2 * T * h : 0;
  const mlpBytes = e * T * h + k * (arch.mlp === 'gated' ? 4 : 2) * e * T * arch.intermediateSize;
  const totalBytes =
    normInputsBytes +
    attentionInputBytes +
    qkvBytes +
    attentionOutputBytes +
    logSumExpBytes +
    scoresBytes +
    dropoutMaskBytes +
    mlpBytes;
  return {
    normInputsBytes,
    attentionInputBytes,
    qkvBytes,
    attentionOutputBytes,
    logSumExpBytes,
    scoresBytes,
    dropoutMaskBytes,
    mlpBytes,
    totalBytes: exact(totalBytes, 'layer activations'),
  };
}

export interface TrainingActivationParts {
  layer: LayerActivationParts;
  /** What each layer keeps under the chosen recomputation. */
  keptPerLayerBytes: number;
  /** One layer rebuilt during backward (full recomputation only). */
  recomputeBufferBytes: number;
  /** Final norm / head inputs (decoder) or embedding norm and MLM head (encoder). */
  outsideLayersBytes: number;
  /** Logits and loss tensors. */
  lossBytes: number;
  lossBytesPerLogit: number;
  totalBytes: number;
}

export function trainingActivationParts(input: TrainingActivationInput): TrainingActivationParts {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b, checkpointing } = input;
  const T = s * b;
  const h = arch.hiddenSize;
  const layer = layerActivationParts(input);
  const keptPerLayerBytes =
    checkpointing === 'full'
      ? e * T * h
      : checkpointing === 'selective'
        ? layer.totalBytes - layer.scoresBytes
        : layer.totalBytes;
  const recomputeBufferBytes = checkpointing === 'full' ? layer.totalBytes : 0;
  const outsideLayersBytes =
    arch.layout === 'decoder'
      ? 2 * e * T * h
      : e * T * h + (arch.hiddenDropout > 0 ? T * h : 0) + 4 * e * T * h;
  const lossBytesPerLogit = e + (e < FP32_BYTES ? FP32_BYTES : 0) + FP32_BYTES;
  const lossBytes = T * arch.vocabSize * lossBytesPerLogit;
  const totalBytes =
    arch.layerCount * keptPerLayerBytes + recomputeBufferBytes + outsideLayersBytes + lossBytes;
  return {
    layer,
    keptPerLayerBytes,
    recomputeBufferBytes,
    outsideLayersBytes,
    lossBytes,
    lossBytesPerLogit,
    totalBytes: exact(totalBytes, 'training activations'),
  };
}

export function trainingActivationsComponent(input: TrainingActivationInput): Component {
  const p = trainingActivationParts(input);
  const { arch, checkpointing } = input;
  const T = formatInt(input.sequenceTokens * input.batchSize);
  const kept = checkpointing === 'full' ? 'layer input' : 'per layer';
  const recompute = p.recomputeBufferBytes > 0 ? ` + ${formatInt(p.recomputeBufferBytes)} B (one layer recomputed)` : '';
  const l = p.layer;
  const notes = [
    `tokens per micro-batch T = ${formatInt(input.sequenceTokens)} × ${input.batchSize} = ${T}`,
    `one layer without recomputation: norm inputs ${formatInt(l.normInputsBytes)} B, attention input ${formatInt(l.attentionInputBytes)} B, q/k/v ${formatInt(l.qkvBytes)} B, attention output ${formatInt(l.attentionOutputBytes)} B, log-sum-exp ${formatInt(l.logSumExpBytes)} B, scores ${formatInt(l.scoresBytes)} B, dropout masks ${formatInt(l.dropoutMaskBytes)} B, MLP ${formatInt(l.mlpBytes)} B`,
    checkpointing === 'none'
      ? 'no recomputation: every layer keeps all of the above'
      : checkpointing === 'selective'
        ? input.attention === 'flash'
          ? 'selective recomputation drops only the attention scores, which flash attention never stores: same as none'
          : 'selective recomputation drops the attention scores (Korthikanti et al. §5)'
        : 'full recomputation keeps each layer input and rebuilds one layer at a time in backward',
    `loss: ${p.lossBytesPerLogit} B per logit (16-bit logits, fp32 upcast, fp32 log-softmax; the upcast is skipped in fp32)`,
    'summed at the end of the forward pass, where activations peak; gradients and optimizer states are counted in full alongside (an upper bound)',
  ];
  return {
    id: 'activations',
    label: 'Activations',
    bytes: p.totalBytes,
    expression: 'L × kept per layer + outside layers + logits × loss bytes',
    formula: `${arch.layerCount} layers × ${formatInt(p.keptPerLayerBytes)} B (${kept})${recompute} + ${formatInt(p.outsideLayersBytes)} B (outside layers) + ${T} tokens × ${formatInt(arch.vocabSize)} vocab × ${p.lossBytesPerLogit} B (logits, loss)`,
    basis: 'model',
    range: null,
    notes,
  };
}
