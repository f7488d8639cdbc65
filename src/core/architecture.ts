/**
 * The normalized transformer architecture every estimator reads.
 *
 * Readers of Hugging Face configs (src/model/) turn a config.json into this shape; the core never
 * sees raw config field names. A model is a list of layer groups: layers that share one attention
 * and MLP shape (LLaMA: one group of 80; DeepSeek-V3: 3 dense + 58 MoE; Gemma 2: alternating
 * sliding-window and global groups). Encoder-decoder models (T5) also carry an encoder stack.
 * A layer mixes tokens with attention, with a recurrent mixer (a state-space or linear-attention
 * layer whose per-sequence state does not grow with the context), with both in parallel (Falcon-H1),
 * or with neither (Nemotron-H's MLP-only layers); it may have no MLP (Mamba, Nemotron-H).
 * All counts are plain integers.
 */
import type { Dtype } from './dtype.js';
import { perArchitecture } from './perArchitecture.js';

/** Multi-head attention with separate K/V heads (MHA when equal to the query heads, GQA, MQA). */
export interface StandardAttention {
  kind: 'standard';
  headCount: number;
  /** K/V heads: headCount for MHA, fewer for GQA, 1 for MQA. */
  kvHeadCount: number;
  headDim: number;
  /** none; qkv: biases on q/k/v (Qwen2); all: q/k/v/o biases (BERT, GPT-2); qvo: all but k (Whisper). */
  bias: 'none' | 'qkv' | 'all' | 'qvo';
  /** Per-head RMSNorm on q and k (Qwen3, Gemma 3): 2 × headDim weights. */
  qkNorm: boolean;
  /** Learned per-head attention sinks (gpt-oss): headCount weights. */
  sinks: boolean;
  /**
   * Gated attention (Qwen3-Next): q_proj also produces a sigmoid gate on the attention output, so
   * it is 2 × a·d wide.
   */
  outputGate: boolean;
  /**
   * Cross-layer KV sharing (Gemma 3n num_kv_shared_layers): the layer reuses K and V of an
   * earlier layer of its kind, so it has no k/v projections (nor k norm) and caches nothing.
   */
  sharedKv: boolean;
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
  /**
   * DeepSeek-V3.2's sparse-attention indexer (DeepSeek Sparse Attention): wq_b q_lora_rank → n × d,
   * wk h → d, a LayerNorm k_norm of d (weight and bias), weights_proj h → n; it caches a d-wide key
   * per token per layer beside the latent. null without one.
   */
  indexer: { headCount: number; headDim: number } | null;
}

export type AttentionSpec = StandardAttention | LatentAttention;

/**
 * Mamba-1 selective state space (Gu & Dao, arXiv:2312.00752; transformers MambaMixer, JambaMambaMixer,
 * FalconMambaMixer). Per sequence it keeps a conv state of innerSize × (convKernel − 1) and an SSM
 * state of innerSize × stateSize.
 */
export interface MambaMixer {
  kind: 'mamba';
  /** d_inner = mamba_expand × hidden_size. */
  innerSize: number;
  /** d_state. */
  stateSize: number;
  /** d_conv: the causal depthwise convolution's width. */
  convKernel: number;
  /** dt_rank: width of the low-rank time-step projection. */
  timeStepRank: number;
  convBias: boolean;
  /** Biases on in_proj and out_proj. */
  projBias: boolean;
  /** The SSM-state dtype the config asks engines for (null: the model dtype). */
  stateDtype: Dtype | null;
  /** Jamba: RMSNorms with weights on dt (dt_rank), B and C (d_state each). Falcon-Mamba's have no weights. */
  dtbcNorms: boolean;
}

/**
 * Mamba-2 state-space duality (Dao & Gu, arXiv:2405.21060; transformers Mamba2Mixer, NemotronHMamba2Mixer,
 * GraniteMoeHybridMambaLayer, FalconH1Mixer). Per sequence it keeps a conv state of
 * (innerSize + 2 × groupCount × stateSize) × (convKernel − 1) and an SSM state of
 * headCount × headDim × stateSize.
 */
export interface Mamba2Mixer {
  kind: 'mamba2';
  headCount: number;
  headDim: number;
  /** The SSM width: headCount × headDim (Falcon-H1's mamba_d_ssm). */
  innerSize: number;
  stateSize: number;
  /** B and C groups (n_groups). */
  groupCount: number;
  convKernel: number;
  convBias: boolean;
  /** Bias on in_proj (Falcon-H1 mamba_proj_bias; Nemotron-H and Mamba-2 use_bias). */
  inBias: boolean;
  /** Bias on out_proj (Falcon-H1 projectors_bias). */
  outBias: boolean;
  /** The SSM-state dtype the config asks engines for (Nemotron-H mamba_ssm_cache_dtype; null: the model dtype). */
  stateDtype: Dtype | null;
  /** A gated RMSNorm over the inner width before out_proj (innerSize weights). */
  gatedNorm: boolean;
}

/**
 * Gated DeltaNet linear attention (Yang et al., arXiv:2412.06464; transformers Qwen3NextGatedDeltaNet).
 * Per sequence it keeps a conv state of (2 × keyHeads × keyDim + valueHeads × valueDim) ×
 * (convKernel − 1) and a recurrent state of valueHeads × keyDim × valueDim.
 */
export interface GatedDeltaNetMixer {
  kind: 'gated_deltanet';
  keyHeadCount: number;
  valueHeadCount: number;
  keyHeadDim: number;
  valueHeadDim: number;
  convKernel: number;
  /** The recurrent-state dtype the config asks engines for (Qwen3.5 mamba_ssm_dtype; null: the model dtype). */
  stateDtype: Dtype | null;
}

/**
 * RWKV-4 time mixing (Peng et al., arXiv:2305.13048; transformers RwkvSelfAttention), with the
 * channel mixing's receptance and token-shift mixes that the plain MLP (key, value) does not hold.
 * Per sequence it keeps 5 × hidden values: two token shifts (the conv-like state, model dtype) and
 * the WKV numerator, denominator and maximum (float32 in transformers' RwkvForCausalLM).
 */
export interface Rwkv4Mixer {
  kind: 'rwkv4';
  /** attention_hidden_size (the hidden size by default). */
  attentionSize: number;
  /** The WKV state's dtype (transformers keeps it in float32). */
  stateDtype: Dtype | null;
}

/**
 * Lightning attention (MiniMax-Text-01 / M1; transformers MiniMaxLightningAttention): linear
 * attention over all heads (no GQA) with a sigmoid output gate. Per sequence it keeps the K^T·V
 * state, heads × head dim × head dim, in the model dtype; no conv state.
 */
export interface LightningMixer {
  kind: 'lightning';
  headCount: number;
  headDim: number;
  stateDtype: Dtype | null;
}

/** A token mixer whose per-sequence state is fixed in size: it does not grow with the context. */
export type RecurrentMixer = MambaMixer | Mamba2Mixer | GatedDeltaNetMixer | Rwkv4Mixer | LightningMixer;

export interface MixtureOfExperts {
  /** Routed experts per MoE layer (Mixtral: 8). */
  expertCount: number;
  /** Routed experts each token uses (Mixtral: 2). */
  activeExpertCount: number;
  /** Total width of the always-on shared expert MLP (0 when none). */
  sharedIntermediateSize: number;
  /** Nemotron-H: the shared expert's projections have biases (mlp_bias). */
  sharedExpertBias: boolean;
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
  /** transformers' ACT2FN name where the reader reads it (the GPT family); absent: a fused activation. */
  activation?: string;
}

export interface LayerGroup {
  /** Layers in this group. */
  count: number;
  /** Self-attention; null in layers that mix tokens only with a recurrent mixer, or not at all. */
  attention: AttentionSpec | null;
  /** A state-space or linear-attention mixer, instead of attention or beside it (Falcon-H1); else null. */
  recurrent: RecurrentMixer | null;
  /** Decoder layers of encoder-decoder models: attention over the encoder output. */
  crossAttention: StandardAttention | null;
  /** The MLP; null in mixer-only layers (Mamba, Nemotron-H's Mamba and attention layers). */
  mlp: MlpSpec | null;
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
  /**
   * Tokens the encoder always sees, whatever the decoder's context: Whisper's 1,500 audio frames
   * (30 s of 3,000 mel frames, halved by its strided conv). Cross-attention caches K/V over these;
   * null when the encoder input is the context (T5, BART).
   */
  encoderTokens: number | null;
  /** Dropout probabilities; activations keep masks only when they are > 0 (training). */
  attentionDropout: number;
  hiddenDropout: number;
  /** Checkpoint dtype from torch_dtype, when the config gives one. */
  defaultDtype: Dtype | null;
  /** Multi-token-prediction modules the checkpoint stores and engines load only for speculative decoding; null when none. */
  mtp: MtpModules | null;
  /** The vision tower of a multimodal model (its encoder and the projector into the language model); null when none. */
  vision: VisionTower | null;
}

/**
 * A vision encoder (a ViT: CLIP, SigLIP, Pixtral, Qwen-VL's) and the projector that maps its
 * output into the language model, as a multimodal reader finds them in vision_config.
 */
export interface VisionTower {
  /** e.g. "CLIP ViT (24 layers, 1,024 wide, 14-px patches at 336 px)". */
  name: string;
  hiddenSize: number;
  layerCount: number;
  headCount: number;
  intermediateSize: number;
  /** A gated MLP (Qwen-VL, Pixtral) or a plain one (CLIP, SigLIP). */
  gatedMlp: boolean;
  /** Parameters of the encoder: patch embedding, positions, layers and norms. */
  encoderParameterCount: number;
  /** Parameters of the projector (and patch merger) into the language model. */
  projectorParameterCount: number;
  /** Patches the encoder attends over for one image at the size assumed. */
  patchesPerImage: number;
  /** Tokens one image becomes in the language model's context. */
  tokensPerImage: number;
  /** The image size assumed, in words (fixed by the model, or the processor's default). */
  imageSize: string;
  /**
   * Whether the wrapper keeps every layer's hidden states through the encoder pass (LLaVA and
   * Mistral 3 ask for output_hidden_states to pick vision_feature_layer).
   */
  keepsHiddenStates: boolean;
}

/**
 * DeepSeek-V3-style multi-token-prediction modules (arXiv:2412.19437 §2.2): each is one more
 * decoder layer plus, as the Hugging Face checkpoint stores them (model.layers.61.* of DeepSeek-V3),
 * an eh_proj 2h × h, the enorm and hnorm, the shared head's norm, and copies of the embedding and
 * of the head (V × h each).
 */
export interface MtpModules {
  layers: LayerGroup[];
  /** Everything but the decoder layers: 2h² + 3h + 2·V·h per module. */
  extraParameterCount: number;
}

/** The model as an engine loads it for MTP speculative decoding: its MTP layers appended, their extras counted. */
export function withMtpLoaded(arch: ModelArchitecture): ModelArchitecture {
  if (arch.mtp === null) return arch;
  return {
    ...arch,
    layers: [...arch.layers, ...arch.mtp.layers],
    extraParameters: [
      ...arch.extraParameters,
      { name: 'MTP projections, norms, embedding and head copies', count: arch.mtp.extraParameterCount },
    ],
    mtp: null,
  };
}

/** All layers of all stacks. */
export const allLayerGroups: (arch: ModelArchitecture) => readonly LayerGroup[] = perArchitecture((arch) =>
  arch.encoderLayers.concat(arch.layers),
);

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

/** The attention of the first layer that has one (for summaries); null for attention-free models (Mamba). */
export function leadAttention(arch: ModelArchitecture): AttentionSpec | null {
  return arch.layers.find((group) => group.attention !== null)?.attention ?? null;
}

/** The first recurrent mixer of the stack, or null. */
export function leadRecurrent(arch: ModelArchitecture): RecurrentMixer | null {
  return arch.layers.find((group) => group.recurrent !== null)?.recurrent ?? null;
}

/**
 * Groups equal layers (order does not change memory), keeping the order each shape first appears.
 * Readers pass the same object for layers of one shape, so each distinct object is compared by
 * value (JSON) once, not once per layer.
 */
export function groupLayers(perLayer: readonly Omit<LayerGroup, 'count'>[]): LayerGroup[] {
  const byShape = new Map<string, LayerGroup>();
  const byObject = new Map<object, LayerGroup>();
  for (const layer of perLayer) {
    let group = byObject.get(layer);
    if (group === undefined) {
      const key = JSON.stringify(layer);
      group = byShape.get(key);
      if (group === undefined) {
        group = { ...layer, count: 0 };
        byShape.set(key, group);
      }
      byObject.set(layer, group);
    }
    group.count += 1;
  }
  return [...byShape.values()];
}
