/**
 * Training activations: the tensors autograd keeps from the forward pass for the backward pass,
 * at their peak (the start of backward: every layer's saved tensors and the loss's gradients), per Korthikanti et al. 2022 (arXiv:2205.05198, §4) redone for
 * the model's real blocks. Per layer, with e bytes per 16-bit (or fp32) element, 1-byte dropout
 * masks, micro-batch b, sequence s, and T = s·b tokens:
 *   norms                normCount × n·T·h         (2 for pre-norm decoders, 4 for Gemma 2/3); n = 4 + e
 *                                                  for RMSNorm, which transformers computes on an
 *                                                  fp32 copy it keeps, and whose weight keeps the
 *                                                  normalised input (LlamaRMSNorm); 8 for Gemma's
 *                                                  fp32 (1 + weight) form; e for LayerNorm
 *   attention input      e·T·h                     (the normalised input q/k/v read)
 *   q, k, v              e·T·(a·d + 2·n_kv·d)      (MLA: q latent, q, kv latent + rope key, k/v)
 *   attention output     e·T·a·d                   (o_proj input; flash keeps the same tensor)
 *   flash only           4·T·a                     (fp32 log-sum-exp)
 *   eager only           a·s²·b·(4 + e [+ 1])      (fp32 softmax, its 16-bit copy for P·V,
 *                                                   a dropout mask when attention dropout > 0)
 *   hidden dropout       2 × T·h masks             (when hidden dropout > 0)
 *   gated MLP            e·T·h + 4·e·T·f           (input; gate, up, act(gate), product)
 *   plain MLP            e·T·h + 2·e·T·f           (input; GELU input and output)
 *   composite activation + x·e·T·f                 (gelu_new 3, gelu_fast 6, …: activationFunctions.ts)
 *   MoE                  per-expert terms × experts per token, the shared expert's, and the
 *                        fp32 router probabilities 4·T·E
 *   cross-attention      (T5 decoders) the attention terms again, over the encoder output
 *   recurrent mixer      in_proj input e·T·h + e·T·(in_proj output + conv output + scan output)
 *                        + out_proj input e·T·inner: what mamba_ssm's MambaSplitConv1dScanCombinedFn
 *                        (zxbcdt, out_x) and fla's chunk_gated_delta_rule (q, k, v, g, beta) save,
 *                        with the conv output of transformers' unfused path; chunk states are
 *                        recomputed in backward
 * For the paper's GPT (a·d = h, f = 4h, GELU, dropout everywhere) this gives
 * s·b·h·(34 + 7·a·s/h): the paper's 34 + 5·a·s/h plus 2 B per score element, because Megatron's
 * fused softmax keeps 16-bit scores while transformers upcasts softmax to fp32.
 * Outside the layers: decoder final norm n·T·h and lm_head input e·T·h, and the loss over T·V
 * logits at its peak in backward: three fp32 tensors, 12 B per logit.
 * Encoders (BERT masked LM): embedding norm input e·T·h (+ dropout mask), MLM head 4 × e·T·h, and
 * the same loss over T·V logits.
 * Layers of different shapes (dense and MoE, encoder and decoder) are summed group by group.
 * Recomputation: selective drops the score terms (Korthikanti §5); full keeps each layer's input
 * e·T·h and rebuilds one layer (the largest) at a time during backward.
 */
import {
  type AttentionSpec,
  type LayerGroup,
  type MlpSpec,
  type ModelArchitecture,
  type RecurrentMixer,
  allLayerGroups,
  layerCount,
  leadLayer,
} from './architecture.js';
import { type AttentionImplementation, EAGER_SOFTMAX_BYTES, FLASH_LSE_BYTES } from './attention.js';
import { activationExtraKeptTensors } from './activationFunctions.js';
import { type Component, type ComponentText, component } from './component.js';
import { recurrentElementsPerToken } from './inferenceActivations.js';
import { exact, formatInt } from './units.js';
import { shardForTensorParallel } from './serving/shard.js';

export const GRADIENT_CHECKPOINTING = ['none', 'selective', 'full'] as const;
export type GradientCheckpointing = (typeof GRADIENT_CHECKPOINTING)[number];

/** Bytes of one fp32 element (loss upcast, log-softmax, RMSNorm's saved input). */
const FP32_BYTES = 4;

/**
 * Models whose RMSNorm scales by (1 + weight) in fp32 and casts at the end (GemmaRMSNorm,
 * Qwen3NextRMSNorm: `output = self._norm(x.float()); output = output * (1.0 + self.weight.float())`):
 * the product keeps its fp32 normalised input as well as the fp32 copy of x.
 */
const FP32_SCALED_RMSNORM = /^(gemma|recurrent_gemma|qwen3_next)/;

/**
 * Bytes a norm keeps per element besides its output (which the next layer keeps). RMSNorm as
 * transformers writes it (LlamaRMSNorm) keeps the fp32 copy of its input (`pow` and the product
 * with rsqrt keep it) and the normalised input cast back to the compute dtype (`self.weight *
 * hidden_states.to(input_dtype)` keeps it for the weight's gradient): 4 + e; the fp32-scaled
 * (Gemma) form keeps two fp32 tensors: 8. LayerNorm's fused kernel keeps its input: e. Counted
 * with torch.autograd.graph.saved_tensors_hooks on transformers 5.18's Llama (bf16: 54 B per h
 * per token and layer, of which 2 × 6 are the norms).
 */
function normKeptBytes(arch: ModelArchitecture, elementBytes: number): number {
  if (arch.norm !== 'rmsnorm') return elementBytes;
  return FP32_SCALED_RMSNORM.test(arch.modelType) ? 2 * FP32_BYTES : FP32_BYTES + elementBytes;
}

/**
 * Bytes per logit at the loss's peak, in its backward: the fp32 log-softmax output that
 * cross_entropy keeps, nll_loss's fp32 gradient (zeros of the logits' shape, PyTorch
 * aten/src/ATen/native/cuda/Loss.cu nll_loss_backward) and log_softmax's fp32 gradient
 * (log_softmax_backward_data), all live at once: 12. The forward's own peak is lower: the 16-bit
 * logits, transformers' fp32 upcast (ForCausalLMLoss: `logits = logits.float()`) and the
 * log-softmax, e + 4 + 4 ≤ 10. Measured on the H200 (llama-3.2-1b, bf16, 4 × 4,096 tokens): the
 * backward peaked 12.0 B per logit above the kept layers, the forward 10.0.
 */
const LOSS_PEAK_BYTES_PER_LOGIT = 3 * FP32_BYTES;

/**
 * Bytes per logit a kept model output adds (`output = model(...)`, then `output.loss.backward()`):
 * its logits, fp32 as transformers returned them before 4.45 (LlamaForCausalLM:
 * `logits = logits.float()`), 16-bit since; the fp32 figure is counted, the safe one. HF Trainer's
 * compute_loss returns only the loss, so the output is gone before backward.
 */
const KEPT_OUTPUT_BYTES_PER_LOGIT = FP32_BYTES;

export interface TrainingActivationInput {
  arch: ModelArchitecture;
  elementBytes: number;
  sequenceTokens: number;
  batchSize: number;
  attention: AttentionImplementation;
  checkpointing: GradientCheckpointing;
  /** Tensor-parallel degree: attention heads and MLP widths split (default 1). */
  tensorParallel?: number;
  /** Megatron sequence parallelism: the hidden-size terms split over the tensor-parallel GPUs too. */
  sequenceParallel?: boolean;
  /** Context parallelism: each GPU holds 1/cp of the sequence (default 1). */
  contextParallel?: number;
  /** Fraction of the layers on this GPU's pipeline stage (default 1). */
  layerFraction?: number;
  /** Micro-batches whose activations a pipeline stage holds at once (1F1B: the pipeline depth). */
  inFlightMicroBatches?: number;
  /** Which linear layers train (their inputs are kept for the weight gradient); default all. */
  trainedLinear?: { attentionIn: boolean; attentionOut: boolean; mlpIn: boolean; mlpDown: boolean };
  /** Bytes per saved linear-layer input (1 under FP8 training; default the element bytes). */
  linearInputBytes?: number;
  /** A chunked/fused loss (Liger FusedLinearCrossEntropy) holds one chunk of logits. */
  chunkedLoss?: boolean;
  /** The loop keeps the model's output through backward: its logits stay (KEPT_OUTPUT_BYTES_PER_LOGIT). */
  keepOutput?: boolean;
  /** Whether this GPU computes the head and the loss (false on pipeline stages before the last). */
  holdsLoss?: boolean;
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
  /** A state-space or linear-attention mixer's saved tensors (0 without one). */
  recurrentBytes: number;
  totalBytes: number;
}

/** What one attention block keeps: its input, q/k/v (or MLA's latents), output, and scores or LSE. */
function attentionKept(attention: AttentionSpec, input: TrainingActivationInput) {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b } = input;
  const local = Math.ceil(s / (input.contextParallel ?? 1));
  const T = local * b;
  const trained = input.trainedLinear ?? { attentionIn: true, attentionOut: true, mlpIn: true, mlpDown: true };
  const linear = input.linearInputBytes ?? e;
  const a = attention.headCount;
  const qkvElements =
    attention.kind === 'latent'
      ? (attention.qLoraRank ?? 0) +
        a * (attention.qkNopeHeadDim + attention.qkRopeHeadDim) +
        attention.kvLoraRank +
        attention.qkRopeHeadDim +
        a * (attention.qkNopeHeadDim + attention.vHeadDim)
      : a * attention.headDim * (attention.outputGate ? 2 : 1) + 2 * attention.kvHeadCount * attention.headDim;
  const outputElements = attention.kind === 'latent' ? a * attention.vHeadDim : a * attention.headDim;
  // The fp32 softmax (kept for its backward) and the copy the second matmul keeps: a cast to the
  // compute dtype (none in fp32, where .to() returns the same tensor), or dropout's output and mask.
  const dropout = arch.attentionDropout > 0;
  const scoreElementBytes = EAGER_SOFTMAX_BYTES + (dropout ? e + 1 : e === EAGER_SOFTMAX_BYTES ? 0 : e);
  return {
    // A frozen projection keeps no input; flash attention keeps its output O whatever o_proj does.
    input: trained.attentionIn ? linear * T * arch.hiddenSize : 0,
    qkv: e * T * qkvElements,
    output: trained.attentionOut || input.attention === 'flash' ? e * T * outputElements : 0,
    logSumExp: input.attention === 'flash' ? FLASH_LSE_BYTES * T * a : 0,
    scores: input.attention === 'eager' ? a * local * s * b * scoreElementBytes : 0,
  };
}

/** Width of a recurrent mixer's output before out_proj. */
function recurrentInnerWidth(mixer: RecurrentMixer): number {
  if (mixer.kind === 'rwkv4') return mixer.attentionSize;
  if (mixer.kind === 'lightning') return mixer.headCount * mixer.headDim;
  return mixer.kind === 'gated_deltanet' ? mixer.valueHeadCount * mixer.valueHeadDim : mixer.innerSize;
}

/** What one recurrent mixer keeps: its input, in_proj/conv/scan outputs, and out_proj's input. */
function recurrentKept(mixer: RecurrentMixer, input: TrainingActivationInput): { input: number; internal: number } {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b } = input;
  const T = Math.ceil(s / (input.contextParallel ?? 1)) * b;
  const trained = input.trainedLinear ?? { attentionIn: true, attentionOut: true, mlpIn: true, mlpDown: true };
  const linear = input.linearInputBytes ?? e;
  const outInput = trained.attentionOut ? linear * T * recurrentInnerWidth(mixer) : 0;
  return {
    input: trained.attentionIn ? linear * T * arch.hiddenSize : 0,
    internal: e * T * recurrentElementsPerToken(mixer) + outInput,
  };
}

/** What one MLP keeps: its input, plus per token and expert pass gate/up/act/product (gated) or act in/out (plain), and fp32 router probabilities. */
function mlpKept(mlp: MlpSpec, input: TrainingActivationInput): { input: number; internal: number } {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b } = input;
  const T = Math.ceil(s / (input.contextParallel ?? 1)) * b;
  const trained = input.trainedLinear ?? { attentionIn: true, attentionOut: true, mlpIn: true, mlpDown: true };
  const linear = input.linearInputBytes ?? e;
  const k = mlp.experts?.activeExpertCount ?? 1;
  const width = k * mlp.intermediateSize + (mlp.experts?.sharedIntermediateSize ?? 0);
  const router = mlp.experts ? 4 * T * mlp.experts.expertCount : 0;
  // Elementwise inputs stay (act input; for gated also up and act output), and what a composite
  // activation's ops keep; the down projection's input only if it trains.
  const elementwise = ((mlp.gated ? 3 : 1) + activationExtraKeptTensors(mlp.activation)) * e * T * width;
  const downInput = trained.mlpDown ? linear * T * width : 0;
  return { input: trained.mlpIn ? linear * T * arch.hiddenSize : 0, internal: elementwise + downInput + router };
}

/** Bytes one layer of `group` keeps for backward without recomputation. */
export function layerActivationParts(
  input: TrainingActivationInput,
  group: LayerGroup = leadLayer(input.arch),
): LayerActivationParts {
  const { arch, elementBytes: e, sequenceTokens: s, batchSize: b } = input;
  const T = Math.ceil(s / (input.contextParallel ?? 1)) * b;
  const h = arch.hiddenSize;
  // Hidden-size tensors are replicated over tensor-parallel GPUs unless sequence parallelism splits them.
  const replicated = input.sequenceParallel ? (input.tensorParallel ?? 1) : 1;
  const blocks = [
    ...(group.attention ? [attentionKept(group.attention, input)] : []),
    ...(group.crossAttention ? [attentionKept(group.crossAttention, input)] : []),
  ];
  const sum = (pick: (block: (typeof blocks)[number]) => number) =>
    blocks.reduce((total, block) => total + pick(block), 0);
  const normInputsBytes = Math.ceil((group.normCount * normKeptBytes(arch, e) * T * h) / replicated);
  const attentionInputBytes = Math.ceil(sum((block) => block.input) / replicated);
  const qkvBytes = sum((block) => block.qkv);
  const attentionOutputBytes = sum((block) => block.output);
  const logSumExpBytes = sum((block) => block.logSumExp);
  const scoresBytes = sum((block) => block.scores);
  const dropoutMaskBytes =
    arch.hiddenDropout > 0 ? Math.ceil(((1 + Math.max(1, blocks.length)) * T * h) / replicated) : 0;
  const mlp = group.mlp ? mlpKept(group.mlp, input) : { input: 0, internal: 0 };
  const mlpBytes = Math.ceil(mlp.input / replicated) + mlp.internal;
  const recurrent = group.recurrent ? recurrentKept(group.recurrent, input) : { input: 0, internal: 0 };
  const recurrentBytes = Math.ceil(recurrent.input / replicated) + recurrent.internal;
  const totalBytes =
    normInputsBytes +
    attentionInputBytes +
    qkvBytes +
    attentionOutputBytes +
    logSumExpBytes +
    scoresBytes +
    dropoutMaskBytes +
    mlpBytes +
    recurrentBytes;
  return {
    recurrentBytes,
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
  /** The layer group that keeps the most (shown in the breakdown). */
  layer: LayerActivationParts;
  /** Σ over layers of what each keeps under the chosen recomputation. */
  keptLayersBytes: number;
  /** One layer rebuilt during backward (full recomputation only): the largest. */
  recomputeBufferBytes: number;
  /** Final norm / head inputs (decoder) or embedding norm and MLM head (encoder). */
  outsideLayersBytes: number;
  /** Logits and loss tensors. */
  lossBytes: number;
  lossBytesPerLogit: number;
  /** Tokens whose logits the loss holds at once (T, or a chunk). */
  lossTokens: number;
  totalBytes: number;
}

/** Tokens of logits a chunked loss holds at once: Liger's FusedLinearCrossEntropy chunk, next power of two of T / ceil(V / h). */
export function chunkedLossTokens(tokens: number, vocabSize: number, hiddenSize: number): number {
  const chunk = Math.ceil(tokens / Math.ceil(vocabSize / hiddenSize));
  return Math.min(tokens, 2 ** Math.ceil(Math.log2(Math.max(1, chunk))));
}

export function trainingActivationParts(input: TrainingActivationInput): TrainingActivationParts {
  const { elementBytes: e, sequenceTokens: s, batchSize: b, checkpointing } = input;
  const tp = input.tensorParallel ?? 1;
  const arch = shardForTensorParallel(input.arch, tp);
  const T = Math.ceil(s / (input.contextParallel ?? 1)) * b;
  const h = arch.hiddenSize;
  const replicated = input.sequenceParallel ? tp : 1;
  const fraction = input.layerFraction ?? 1;
  const inFlight = input.inFlightMicroBatches ?? 1;
  let keptLayersBytes = 0;
  const perGroup = allLayerGroups(arch).map((group) => ({
    group,
    layer: layerActivationParts({ ...input, arch }, group),
  }));
  for (const { group, layer } of perGroup) {
    const kept =
      checkpointing === 'full'
        ? Math.ceil((e * T * h) / replicated)
        : checkpointing === 'selective'
          ? layer.totalBytes - layer.scoresBytes
          : layer.totalBytes;
    keptLayersBytes += Math.ceil(group.count * fraction) * kept;
  }
  keptLayersBytes *= inFlight;
  // The first of the largest layers (reduce without a seed: a model has at least one layer).
  const layer = perGroup
    .map((g) => g.layer)
    .reduce((largest, next) => (next.totalBytes > largest.totalBytes ? next : largest));
  const recomputeBufferBytes = checkpointing === 'full' ? layer.totalBytes : 0;
  const holdsLoss = input.holdsLoss ?? true;
  const outsideLayersBytes = !holdsLoss
    ? 0
    : Math.ceil(
        (arch.layout === 'encoder'
          ? normKeptBytes(arch, e) * T * h + (arch.hiddenDropout > 0 ? T * h : 0) + 4 * e * T * h
          : normKeptBytes(arch, e) * T * h + e * T * h) / replicated,
      );
  // Liger's fused loss returns no logits, so a kept output holds none.
  const keptLogits = input.keepOutput && !input.chunkedLoss;
  const lossBytesPerLogit = LOSS_PEAK_BYTES_PER_LOGIT + (keptLogits ? KEPT_OUTPUT_BYTES_PER_LOGIT : 0);
  // Megatron's vocabulary-parallel cross-entropy splits the logits over tensor-parallel GPUs.
  const lossTokens = input.chunkedLoss ? chunkedLossTokens(T, arch.vocabSize, h) : T;
  const lossBytes = holdsLoss ? Math.ceil((lossTokens * arch.vocabSize * lossBytesPerLogit) / tp) : 0;
  // Backward runs the loss (and the head and final norm) before it recomputes the last layer, so
  // under full recomputation the rebuilt layer and the loss's tensors are never live together.
  const totalBytes = keptLayersBytes + Math.max(recomputeBufferBytes, outsideLayersBytes + lossBytes);
  return {
    layer,
    keptLayersBytes,
    recomputeBufferBytes,
    outsideLayersBytes,
    lossBytes,
    lossBytesPerLogit,
    lossTokens,
    totalBytes: exact(totalBytes, 'training activations'),
  };
}

export function trainingActivationsComponent(input: TrainingActivationInput): Component {
  const p = trainingActivationParts(input);
  const figures = {
    id: 'activations' as const,
    label: 'Activations',
    bytes: p.totalBytes,
    expression: 'L × kept per layer + outside layers + logits × loss bytes',
    basis: 'model' as const,
    range: null,
  };
  return component(figures, () => trainingActivationsText(input, p));
}

/** The formula with the numbers substituted, and the notes (written when read). */
function trainingActivationsText(input: TrainingActivationInput, p: TrainingActivationParts): ComponentText {
  const { arch, checkpointing } = input;
  const T = formatInt(input.sequenceTokens * input.batchSize);
  const layers = layerCount(allLayerGroups(arch));
  const tp = input.tensorParallel ?? 1;
  const parallel =
    tp > 1 ||
    (input.contextParallel ?? 1) > 1 ||
    (input.layerFraction ?? 1) < 1 ||
    (input.inFlightMicroBatches ?? 1) > 1 ||
    input.holdsLoss === false;
  const keptText = parallel
    ? `${formatInt(p.keptLayersBytes)} B (layers on this GPU${tp > 1 ? `, tensor-parallel ÷ ${tp}` : ''}${(input.contextParallel ?? 1) > 1 ? `, context-parallel ÷ ${input.contextParallel}` : ''}${(input.inFlightMicroBatches ?? 1) > 1 ? `, × ${input.inFlightMicroBatches} micro-batches in flight` : ''})`
    : checkpointing === 'full'
      ? `${layers} layers × ${formatInt(input.elementBytes * input.sequenceTokens * input.batchSize * arch.hiddenSize)} B (layer inputs)`
      : arch.layers.length === 1 && arch.encoderLayers.length === 0
        ? `${layers} layers × ${formatInt(p.keptLayersBytes / layers)} B (per layer)`
        : `${formatInt(p.keptLayersBytes)} B (${layers} layers)`;
  const recomputed = `${formatInt(p.recomputeBufferBytes)} B (one layer recomputed)`;
  const lossText = `${formatInt(p.outsideLayersBytes)} B (outside layers) + ${formatInt(p.lossTokens)} tokens × ${formatInt(arch.vocabSize)} vocab × ${p.lossBytesPerLogit} B${tp > 1 ? ` ÷ ${tp} (vocabulary-parallel)` : ''} (logits, loss)`;
  const l = p.layer;
  const notes = [
    `tokens per micro-batch T = ${formatInt(input.sequenceTokens)} × ${input.batchSize} = ${T}`,
    `${arch.layers.length + arch.encoderLayers.length > 1 ? 'the largest layer' : 'one layer'} without recomputation: norm inputs ${formatInt(l.normInputsBytes)} B, attention input ${formatInt(l.attentionInputBytes)} B, q/k/v ${formatInt(l.qkvBytes)} B, attention output ${formatInt(l.attentionOutputBytes)} B, log-sum-exp ${formatInt(l.logSumExpBytes)} B, scores ${formatInt(l.scoresBytes)} B, dropout masks ${formatInt(l.dropoutMaskBytes)} B, MLP ${formatInt(l.mlpBytes)} B${l.recurrentBytes > 0 ? `, recurrent mixer ${formatInt(l.recurrentBytes)} B` : ''}`,
    checkpointing === 'none'
      ? 'no recomputation: every layer keeps all of the above'
      : checkpointing === 'selective'
        ? input.attention === 'flash'
          ? 'selective recomputation drops only the attention scores, which flash attention never stores: same as none'
          : 'selective recomputation drops the attention scores (Korthikanti et al. §5)'
        : 'full recomputation keeps each layer input and rebuilds one layer at a time in backward, after the loss and head have run theirs: the larger of the two counts',
    `loss: ${p.lossBytesPerLogit} B per logit at its peak in backward (fp32 log-softmax output, nll_loss's gradient, log-softmax's gradient${input.keepOutput && !input.chunkedLoss ? ", and the kept output's logits, 4 B in fp32" : ''}); the forward holds at most 10 (16-bit logits, fp32 upcast, log-softmax)`,
    'summed at the start of backward, where activations peak; gradients and optimizer states are counted in full alongside (an upper bound)',
  ];
  return { formula: activationsFormula(p, keptText, recomputed, lossText), notes };
}

/** Kept layers, plus the loss and head or (full recomputation) the larger of them and one rebuilt layer. */
function activationsFormula(p: TrainingActivationParts, kept: string, recomputed: string, loss: string): string {
  const withoutHead = p.lossBytes === 0 && p.outsideLayersBytes === 0;
  if (p.recomputeBufferBytes === 0) {
    return withoutHead ? `${kept} (a pipeline stage without the head: no logits or loss)` : `${kept} + ${loss}`;
  }
  if (withoutHead) return `${kept} + ${recomputed} (a pipeline stage without the head: no logits or loss)`;
  return `${kept} + max(${loss}, ${recomputed})`;
}
