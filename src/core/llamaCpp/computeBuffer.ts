/**
 * llama.cpp's compute buffers: the peak of ggml-alloc's best-fit allocator over the worst-case graph
 * llama.cpp reserves at start (llama_context::sched_reserve: n_ubatch tokens u, n_outputs o,
 * the whole KV cache), as the largest of three moments (closed form; llama.cpp 80fb11a):
 *   inputs    = inp_tokens + inp_embd (f32, never freed) + inp_pos + out_ids
 *               + per KV cache: k_idxs + v_idxs (i64; without flash attention V's whole row, as V is
 *                 stored transposed) + the KQ mask (cells × u, f16 with flash attention, f32 without)
 *               + the Hadamard rotations of a quantized K/V (head sizes divisible by 64)
 *   attention = inputs + 2 uE + 2 uQ + uO (flash attention; + uQ with a rotated K)
 *             = inputs + 2 uE + 2 uQ + cells × u × n_head × 4 (without: the f32 KQ scores, softmax in place)
 *   FFN       = inputs + 2 uE + holes + 3 uF (gate, up and the GLU output; freed attention tensors stay as holes)
 *   output    = inp_tokens + inp_embd + o × n_embd × 4 + o × n_vocab × 4 (the f32 logits)
 *   with uE = u × n_embd × 4, uQ = u × n_head × head_dim × 4, uF = u × n_ff × 4 (all f32, whatever the weights)
 * The terms and the holes come from re-enacting the allocator on llama.cpp's graph node by node; the
 * re-enactment matched all 425 measured points byte for byte (test/fixtures/measured/llama-cpp-cpu.json)
 * and this closed form 421 of them exactly, the other four within −1.4 %. On 7,061 more probe points
 * (19 shapes, ubatch 1–4096) the closed form was −17.6 % to +7.6 % off: a small vocabulary with one
 * output per token, Qwen3-0.6B's double-width Q, and ubatch ≤ 8 (COMPUTE_BUFFER_RANGE).
 * GPUs (from the code, not measured here): the graph's inputs stay in a host buffer (CUDA_Host) and
 * the embedding lookup runs on the CPU, so the GPU holding the output layer needs the same peak less
 * inp_tokens and inp_embd; with layers left on the CPU, llama.cpp offloads their matrix products to
 * the GPU for batches of 32 tokens or more (op_offload) and copies their weights into its compute
 * buffer, at most one layer's at a time.
 */
import type { ModelArchitecture, StandardAttention } from '../architecture.js';
import type { LowExpectedHigh } from '../overhead.js';
import { isQuantizedKv, type LlamaCppContext, padTo } from './context.js';
import { llamaCppLayerCells } from './kvCache.js';
import type { LlamaCppDevice } from './memory.js';

/** CPU buffers align each tensor to 32 bytes (ggml-backend.cpp). */
const ALIGNMENT = 32;
/** Pipeline parallelism's copies of the graph's inputs (ggml-backend.cpp GGML_SCHED_MAX_COPIES). */
const PIPELINE_COPIES = 4;
/** op_offload runs CPU layers' matrix products on the GPU from this batch size (ggml-cuda.cu get_op_batch_size, min_batch_size 32). */
const OP_OFFLOAD_MIN_BATCH = 32;

/** The calibrated families' range around the closed form: the probe grid's worst misses (−17.6 %, +7.6 %). */
export const COMPUTE_BUFFER_RANGE: LowExpectedHigh = { low: 0.93, expected: 1, high: 1.22 };
/** Families not calibrated (MoE layers, other architectures): the closed form as a guide. */
export const UNCALIBRATED_COMPUTE_BUFFER_RANGE: LowExpectedHigh = { low: 0.75, expected: 1, high: 1.5 };
/** The model types whose graphs the closed form was checked on (llama.cpp's llama, qwen2, qwen3, gemma2, gemma3). */
const CALIBRATED = new Set(['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'gemma3', 'gemma3_text']);

const aligned = (bytes: number) => padTo(bytes, ALIGNMENT);

/** The named terms of the closed form, in bytes. */
export interface ComputeTerms {
  inputs: number;
  inputEmbedding: number;
  inputTokens: number;
  attention: number;
  ffn: number;
  output: number;
  total: number;
}

interface Shape {
  attention: StandardAttention;
  hidden: number;
  ffn: number;
  vocab: number;
  /** Cells per stream of each KV cache (full, and sliding-window when the model has one). */
  caches: number[];
}

/** What the graph's widths take from the architecture, kept per architecture (searches ask again and again). */
const widths = new WeakMap<
  readonly StandardAttention[],
  Omit<Shape, 'caches'> & { sliding: StandardAttention | null }
>();

/** The graph's widths: `attentions` are the layers' attention shapes as llama.cpp runs them (layers.ts). */
function widthsOf(
  arch: ModelArchitecture,
  attentions: readonly StandardAttention[],
): Omit<Shape, 'caches'> & { sliding: StandardAttention | null } {
  const kept = widths.get(attentions);
  if (kept) return kept;
  const layers = arch.layers;
  const full = attentions.find((a) => a.window === null) ?? attentions[0];
  if (full === undefined) throw new Error('computeBuffer: standard attention expected (checked first)');
  const sliding = attentions.find((a) => a.window !== null);
  // MoE: the routed experts' gate/up/GLU tensors are [n_ff_exp, k, u] (mul_mat_id), beside any shared expert.
  const ffn = Math.max(
    ...layers.map((g) => {
      const mlp = g.mlp;
      if (!mlp) return 0;
      const experts = mlp.experts;
      if (!experts) return mlp.intermediateSize;
      return mlp.intermediateSize * experts.activeExpertCount + experts.sharedIntermediateSize;
    }),
  );
  const result = {
    attention: full,
    hidden: arch.hiddenSize,
    ffn,
    vocab: arch.vocabSize,
    sliding: sliding ?? null,
  };
  widths.set(attentions, result);
  return result;
}

function shapeOf(arch: ModelArchitecture, attentions: readonly StandardAttention[], context: LlamaCppContext): Shape {
  const known = widthsOf(arch, attentions);
  const caches = [context.sequenceTokens];
  if (known.sliding) caches.push(llamaCppLayerCells(known.sliding, context));
  return { attention: known.attention, hidden: known.hidden, ffn: known.ffn, vocab: known.vocab, caches };
}

/** The FFN peak's holes: freed attention tensors the allocator leaves below gate/up/GLU (from the re-enactment). */
function ffnHoles(flash: boolean, rotK: boolean, rotV: boolean, uQ: number, uE: number, uO: number, kq: number) {
  const cmp = Math.sign(uQ - uE);
  const smallKq = kq <= (rotK ? (cmp < 0 ? uQ : 0) : cmp > 0 ? uQ : 2 * uQ);
  if (!flash) return smallKq ? uQ : cmp < 0 ? 2 * uQ : 0;
  if (!rotK && !rotV) return uO;
  if (rotK && !rotV) return cmp > 0 ? 0 : uQ;
  if (!rotK && rotV) return cmp < 0 ? 2 * uQ : 0;
  return cmp < 0 ? 2 * uQ : cmp > 0 ? uQ : 0;
}

/** The largest power of two ≥ 64 dividing the head size: the Hadamard rotation's size (llama-kv-cache.cpp). */
function rotationSize(headDim: number): number {
  let size = 64;
  while (headDim % (size * 2) === 0) size *= 2;
  return size;
}

export function computeTerms(
  arch: ModelArchitecture,
  attentions: readonly StandardAttention[],
  context: LlamaCppContext,
): ComputeTerms {
  const shape = shapeOf(arch, attentions, context);
  const { kvHeadCount, headCount, headDim } = shape.attention;
  const sequences = context.params.sequences;
  const u = padTo(context.reserveTokens, sequences);
  const o = Math.min(context.reserveOutputs, u);
  const flash = context.flashAttention;
  const rotK = isQuantizedKv(context.params.kType) && headDim % 64 === 0;
  const rotV = isQuantizedKv(context.params.vType) && headDim % 64 === 0;
  const caches = shape.caches;
  const rotations = (rotK ? aligned(4 * rotationSize(headDim) ** 2) : 0) + (rotV ? aligned(4 * 64 * 64) : 0);
  const perCache = (cells: number) =>
    aligned(8 * u) +
    aligned(flash ? 8 * u : 8 * u * kvHeadCount * headDim) +
    aligned(cells * u * (flash ? 2 : 4)) +
    rotations;
  const inputTokens = aligned(4 * u);
  const inputEmbedding = aligned(4 * u * shape.hidden);
  const inputs =
    inputTokens + inputEmbedding + aligned(4 * u) + aligned(4 * o) + caches.reduce((sum, c) => sum + perCache(c), 0);
  const uE = aligned(4 * u * shape.hidden);
  const uQ = aligned(4 * u * headCount * headDim);
  const uO = uQ;
  const uF = aligned(4 * u * shape.ffn);
  const kq = Math.max(...caches) * u * headCount * 4;
  const attention = flash
    ? inputs + 2 * uE + 2 * uQ + (rotK ? uQ : 0) + uO
    : inputs + 2 * uE + (rotK ? 1 : 2) * uQ + kq;
  const ffn = inputs + 2 * uE + ffnHoles(flash, rotK, rotV, uQ, uE, uO, kq) + 3 * uF;
  const output = inputTokens + inputEmbedding + aligned(4 * o * shape.hidden) + aligned(4 * o * shape.vocab);
  return { inputs, inputEmbedding, inputTokens, attention, ffn, output, total: Math.max(attention, ffn, output) };
}

/** Whether the closed form was checked on this model's graph (dense llama, qwen2/3, gemma2/3). */
export function computeBufferCalibrated(arch: ModelArchitecture): boolean {
  return CALIBRATED.has(arch.modelType) && arch.layers.every((g) => g.mlp?.experts == null);
}

/**
 * Each device's compute buffer (from llama.cpp's code; not measured on a GPU): without GPUs the host
 * runs the whole graph; with them the host keeps the graph's inputs (CUDA_Host) and, holding layers,
 * runs their non-matrix ops; each GPU with layers the graph's peak less the host-side inputs (four
 * copies of the inputs under pipeline parallelism); the first GPU one host layer's weights besides,
 * copied in for op_offload.
 */
export function computeBufferBytes(
  arch: ModelArchitecture,
  attentions: readonly StandardAttention[],
  context: LlamaCppContext,
  devices: { host: LlamaCppDevice; gpus: readonly LlamaCppDevice[] },
  largestHostLayerBytes = 0,
): { host: number; gpus: number[] } {
  const terms = computeTerms(arch, attentions, context);
  if (devices.gpus.length === 0) return { host: terms.total, gpus: [] };
  const onGpu = terms.total - terms.inputEmbedding - terms.inputTokens;
  // op_offload sends the CPU layers' matrix products to the first GPU (ggml-backend.cpp), with a copy of their weights.
  const offloaded =
    devices.host.layers > 0 && context.reserveTokens >= OP_OFFLOAD_MIN_BATCH ? largestHostLayerBytes : 0;
  // Every layer on 2+ GPUs: pipeline parallelism keeps GGML_SCHED_MAX_COPIES (4) copies of the graph's
  // inputs and of each cross-GPU activation (llama-context.cpp, ggml-backend.cpp).
  const pipelined = devices.gpus.length > 1 && devices.host.layers === 0 && devices.gpus.every((g) => g.layers > 0);
  const copies = pipelined ? (PIPELINE_COPIES - 1) * (terms.inputs - terms.inputTokens) : 0;
  const gpus = devices.gpus.map((gpu, index) => {
    const own = gpu.layers > 0 || gpu.output ? onGpu + copies : 0;
    if (index !== 0 || offloaded === 0) return own;
    return Math.max(own, terms.ffn - terms.inputs) + offloaded;
  });
  // The host keeps the graph's inputs (CUDA_Host); with layers of its own it runs their non-matrix ops too.
  const host = devices.host.layers > 0 ? terms.total : terms.inputs * (pipelined ? PIPELINE_COPIES : 1);
  return { host, gpus };
}
