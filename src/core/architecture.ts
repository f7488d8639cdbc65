/**
 * The normalized transformer architecture every estimator reads.
 *
 * Readers of Hugging Face configs (src/model/) turn a config.json into this shape; the core never
 * sees raw config field names. All counts are plain integers.
 */
import type { Dtype } from './dtype.js';

export interface MixtureOfExperts {
  /** Routed experts per MoE layer (Mixtral: num_local_experts = 8). */
  expertCount: number;
  /** Experts each token is routed to (Mixtral: num_experts_per_tok = 2). */
  activeExpertCount: number;
}

export interface ModelArchitecture {
  /** Hugging Face model_type, e.g. "llama", "bert". */
  modelType: string;
  /** decoder: causal LM with a KV cache; encoder: bidirectional, no KV cache. */
  layout: 'decoder' | 'encoder';
  hiddenSize: number;
  layerCount: number;
  attentionHeadCount: number;
  /** K/V heads: equal to attentionHeadCount for MHA, fewer for GQA, 1 for MQA. */
  kvHeadCount: number;
  headDim: number;
  /** MLP inner width (per expert for MoE). */
  intermediateSize: number;
  vocabSize: number;
  /** Trained maximum context (max_position_embeddings). */
  maxPositionCount: number;
  /** gated: SwiGLU-style gate/up/down (3 matrices); plain: up/down with GELU (2 matrices). */
  mlp: 'gated' | 'plain';
  /** rmsnorm has a weight only; layernorm has weight and bias. */
  norm: 'rmsnorm' | 'layernorm';
  /** none; qkv: biases on q/k/v projections (Qwen2); all: q/k/v/o biases (BERT). */
  attentionBias: 'none' | 'qkv' | 'all';
  mlpBias: boolean;
  /** lm_head shares the token embedding matrix. */
  tiedEmbeddings: boolean;
  /** Learned absolute position embeddings (BERT: 512); 0 for rotary models. */
  learnedPositionCount: number;
  /** Token-type (segment) embeddings (BERT: 2). */
  tokenTypeCount: number;
  /** BERT pooler (dense h×h + bias). */
  pooler: boolean;
  experts: MixtureOfExperts | null;
  /** Dropout probabilities; activations keep masks only when they are > 0 (training). */
  attentionDropout: number;
  hiddenDropout: number;
  /** Sliding attention window from the config, when one is active; null otherwise. */
  slidingWindow: number | null;
  /** Checkpoint dtype from torch_dtype, when the config gives one. */
  defaultDtype: Dtype | null;
}
