/**
 * The normalized transformer architecture every estimator reads.
 *
 * Readers of Hugging Face configs (src/model/) turn a config.json into this shape; the core never
 * sees raw config field names. A model is a list of layer groups: layers that share one attention
 * and MLP shape (LLaMA: one group of 80; DeepSeek-V3: 3 dense + 58 MoE; Gemma 2: alternating
 * sliding-window and global groups). Encoder-decoder models (T5) also carry an encoder stack.
 * All counts are plain integers.
 */
import type { Dtype } from './dtype.js';

/** Multi-head attention with separate K/V heads (MHA when equal to the query heads, GQA, MQA). */
export interface StandardAttention {
  kind: 'standard';
  headCount: number;
  /** K/V heads: headCount for MHA, fewer for GQA, 1 for MQA. */
  kvHeadCount: number;
  headDim: number;
  /** none; qkv: biases on q/k/v (Qwen2); all: q/k/v/o biases (BERT, GPT-2). */
  bias: 'none' | 'qkv' | 'all';
  /** Per-head RMSNorm on q and k (Qwen3, Gemma 3): 2 × headDim weights. */
  qkNorm: boolean;
  /** Learned per-head attention sinks (gpt-oss): headCount weights. */
  sinks: boolean;
  /** Sliding attention window in tokens (or the chunk, when chunked); null for full attention. */
  window: number | null;
  /**
   * Chunked local attention (Llama 4 attention_chunk_size): tokens attend within fixed chunks of
   * `window` tokens, so a layer caches at most one chunk, as a sliding window of that size does
   * (vLLM ChunkedLocalAttentionSpec, llama.cpp LLAMA_SWA_TYPE_CHUNKED).
   */
  chunked: boolean;
}

/**
 * Multi-head latent attention (DeepSeek-V2/V3, arXiv:2405.04434 §2.1): K and V are rebuilt from
 * a compressed latent of kvLoraRank plus a shared rotary key of qkRopeHeadDim per token, and only
 * those are cached.
 */
export interface LatentAttention {
  kind: 'latent';
  headCount: number;
  /** Rank of the query compression; null when queries are projected directly (V2-Lite). */
  qLoraRank: number | null;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
  window: null;
}

export type AttentionSpec = StandardAttention | LatentAttention;

export interface MixtureOfExperts {
  /** Routed experts per MoE layer (Mixtral: 8). */
  expertCount: number;
  /** Routed experts each token uses (Mixtral: 2). */
  activeExpertCount: number;
  /** Total width of the always-on shared expert MLP (0 when none). */
  sharedIntermediateSize: number;
  /** Qwen2-MoE: a sigmoid gate Linear(h, 1) on the shared expert. */
  sharedExpertGate: boolean;
  /** gpt-oss: the router Linear has a bias. */
  routerBias: boolean;
  /** DeepSeek-V3: a per-expert score-correction bias. */
  scoreCorrectionBias: boolean;
}

export interface MlpSpec {
  /** Width of the dense MLP, or of each routed expert. */
  intermediateSize: number;
  /** gated: gate/up/down (SwiGLU, GeGLU); plain: up/down with an activation between. */
  gated: boolean;
  bias: boolean;
  experts: MixtureOfExperts | null;
}

export interface LayerGroup {
  /** Layers in this group. */
  count: number;
  attention: AttentionSpec;
  /** Decoder layers of encoder-decoder models: attention over the encoder output. */
  crossAttention: StandardAttention | null;
  mlp: MlpSpec;
  /** Norm weight vectors per layer: 2 for pre-norm decoders, 4 for Gemma 2/3, 1 for Falcon-7B. */
  normCount: number;
}

export interface ModelArchitecture {
  /** Hugging Face model_type, e.g. "llama", "bert". */
  modelType: string;
  /** decoder: causal LM with a KV cache; encoder: no cache; encoder-decoder: T5-style. */
  layout: 'decoder' | 'encoder' | 'encoder-decoder';
  hiddenSize: number;
  vocabSize: number;
  /** Trained maximum context (max_position_embeddings or its equivalent). */
  maxPositionCount: number;
  /** rmsnorm has a weight only; layernorm has weight and bias. */
  norm: 'rmsnorm' | 'layernorm';
  /** The decoder stack (decoder and encoder-decoder models) or the encoder stack (encoders). */
  layers: LayerGroup[];
  /** The encoder stack of an encoder-decoder model; empty otherwise. */
  encoderLayers: LayerGroup[];
  /** Learned absolute position embeddings (BERT: 512, GPT-2: 1024); 0 for rotary models. */
  learnedPositionCount: number;
  /** Token-type (segment) embeddings (BERT: 2). */
  tokenTypeCount: number;
  /** A norm right after the embeddings (BERT, BLOOM). */
  embeddingNorm: boolean;
  /** Norms after the last layer: 1 for decoders, 0 for BERT, 2 for T5 (one per stack). */
  finalNormCount: number;
  /** lm_head shares the token embedding matrix. */
  tiedEmbeddings: boolean;
  /** BERT pooler (dense h×h + bias). */
  pooler: boolean;
  /** Parameters outside the blocks above, e.g. T5's relative-position buckets. */
  extraParameters: { name: string; count: number }[];
  /** Dropout probabilities; activations keep masks only when they are > 0 (training). */
  attentionDropout: number;
  hiddenDropout: number;
  /** Checkpoint dtype from torch_dtype, when the config gives one. */
  defaultDtype: Dtype | null;
}

/** All layers of all stacks. */
export function allLayerGroups(arch: ModelArchitecture): LayerGroup[] {
  return [...arch.encoderLayers, ...arch.layers];
}

/** Number of layers in the given groups. */
export function layerCount(groups: readonly LayerGroup[]): number {
  return groups.reduce((total, group) => total + group.count, 0);
}

/** The first group of the stack (`layers`); every model the readers build has one. */
export function leadLayer(arch: ModelArchitecture): LayerGroup {
  const [first] = arch.layers;
  if (first === undefined) throw new Error(`${arch.modelType}: the architecture has no layers`);
  return first;
}

/** Query heads of the first layer (for summaries). */
export function leadAttention(arch: ModelArchitecture): AttentionSpec {
  return leadLayer(arch).attention;
}

/** Groups equal layers (order does not change memory), keeping the order each shape first appears. */
export function groupLayers(perLayer: readonly Omit<LayerGroup, 'count'>[]): LayerGroup[] {
  const groups = new Map<string, LayerGroup>();
  for (const layer of perLayer) {
    const key = JSON.stringify(layer);
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { ...layer, count: 1 });
  }
  return [...groups.values()];
}
