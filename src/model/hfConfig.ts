/**
 * Reads a Hugging Face `config.json` into the normalized ModelArchitecture.
 *
 * Supported model_type values: llama, mistral, mixtral, qwen2 (LLaMA-style decoders) and bert.
 * Field names and defaults follow transformers' configuration classes (LlamaConfig, MistralConfig,
 * MixtralConfig, Qwen2Config, BertConfig). The zod schemas below are the documentation of what is
 * read; every other field is ignored.
 */
import * as z from 'zod/mini';
import type { MixtureOfExperts, ModelArchitecture } from '../core/architecture.js';
import { uniformArchitecture } from '../core/uniformArchitecture.js';
import { dtypeFromTorch } from '../core/dtype.js';
import { UserError } from './errors.js';

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'mixtral', 'qwen2', 'bert'] as const;
export type SupportedModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

const count = z.int().check(z.positive());
const probability = z.number().check(z.minimum(0), z.maximum(1));
const optionalCount = z.nullish(count);

/** Fields every supported config must carry. */
const REQUIRED_FIELDS = ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size', 'max_position_embeddings'] as const;

const commonSchema = z.object({
  /** Width of the residual stream (h). */
  hidden_size: count,
  /** Transformer layers (L). */
  num_hidden_layers: count,
  /** Query heads (a). */
  num_attention_heads: count,
  /** MLP inner width (f); per expert for MoE. */
  intermediate_size: count,
  /** Vocabulary size (V). */
  vocab_size: count,
  /** Trained maximum context. */
  max_position_embeddings: count,
  /** Checkpoint dtype (older configs). */
  torch_dtype: z.nullish(z.string()),
  /** Checkpoint dtype (transformers ≥ 4.56 writes `dtype`). */
  dtype: z.nullish(z.string()),
});

const decoderSchema = z.extend(commonSchema, {
  /** K/V heads (GQA); defaults to num_attention_heads (MHA). */
  num_key_value_heads: optionalCount,
  /** Per-head width; defaults to hidden_size / num_attention_heads. */
  head_dim: optionalCount,
  tie_word_embeddings: z.nullish(z.boolean()),
  /** LLaMA: biases on q/k/v/o projections. */
  attention_bias: z.nullish(z.boolean()),
  /** LLaMA: biases on the MLP projections. */
  mlp_bias: z.nullish(z.boolean()),
  attention_dropout: z.nullish(probability),
  /** Mistral/Mixtral/Qwen2 sliding attention window (tokens). */
  sliding_window: optionalCount,
  /** Qwen2: the window applies only when this is true. */
  use_sliding_window: z.nullish(z.boolean()),
  /** Mixtral: routed experts per layer. */
  num_local_experts: optionalCount,
  /** Mixtral: experts per token. */
  num_experts_per_tok: optionalCount,
});

const bertSchema = z.extend(commonSchema, {
  /** Segment embeddings (2). */
  type_vocab_size: z.nullish(z.int().check(z.minimum(0))),
  hidden_dropout_prob: z.nullish(probability),
  attention_probs_dropout_prob: z.nullish(probability),
});

/** What a failed check wanted, in words (zod/mini ships no messages). */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    case 'too_small':
      return issue.inclusive ? `a number ≥ ${issue.minimum}` : `a number > ${issue.minimum}`;
    case 'too_big':
      return issue.inclusive ? `a number ≤ ${issue.maximum}` : `a number < ${issue.maximum}`;
    default:
      return 'a valid value';
  }
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function parseWith<T>(schema: z.ZodMiniType<T>, raw: Record<string, unknown>, source: string, modelType: string): T {
  const missing = REQUIRED_FIELDS.filter((field) => raw[field] === undefined || raw[field] === null);
  if (missing.length > 0) {
    throw new UserError(`${source}: missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for model_type "${modelType}"`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new UserError(`${source}: ${field}: got ${describe(raw[field as keyof typeof raw])}, expected ${expectation(issue)}`);
}

function checkHeads(source: string, heads: number, kvHeads: number): void {
  if (heads % kvHeads !== 0) {
    throw new UserError(`${source}: num_key_value_heads: got ${kvHeads}, expected a divisor of num_attention_heads (${heads})`);
  }
}

function readDecoder(raw: Record<string, unknown>, source: string, modelType: 'llama' | 'mistral' | 'mixtral' | 'qwen2'): ModelArchitecture {
  const c = parseWith(decoderSchema, raw, source, modelType);
  const kvHeadCount = c.num_key_value_heads ?? c.num_attention_heads;
  checkHeads(source, c.num_attention_heads, kvHeadCount);
  if (c.head_dim == null && c.hidden_size % c.num_attention_heads !== 0) {
    throw new UserError(`${source}: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}; give head_dim`);
  }
  let experts: MixtureOfExperts | null = null;
  if (modelType === 'mixtral') {
    if (c.num_local_experts == null || c.num_experts_per_tok == null) {
      throw new UserError(`${source}: missing required field ${c.num_local_experts == null ? 'num_local_experts' : 'num_experts_per_tok'} for model_type "mixtral"`);
    }
    if (c.num_experts_per_tok > c.num_local_experts) {
      throw new UserError(`${source}: num_experts_per_tok: got ${c.num_experts_per_tok}, expected at most num_local_experts (${c.num_local_experts})`);
    }
    experts = { expertCount: c.num_local_experts, activeExpertCount: c.num_experts_per_tok, sharedIntermediateSize: 0, sharedExpertGate: false, routerBias: false, scoreCorrectionBias: false };
  }
  const windowActive = modelType === 'qwen2' ? c.use_sliding_window === true : true;
  return uniformArchitecture({
    modelType,
    hiddenSize: c.hidden_size,
    layerCount: c.num_hidden_layers,
    headCount: c.num_attention_heads,
    kvHeadCount,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    maxPositionCount: c.max_position_embeddings,
    attentionBias: modelType === 'qwen2' ? 'qkv' : c.attention_bias ? 'all' : 'none',
    mlpBias: modelType === 'llama' && c.mlp_bias === true,
    tiedEmbeddings: c.tie_word_embeddings ?? false,
    experts,
    attentionDropout: c.attention_dropout ?? 0,
    window: windowActive ? (c.sliding_window ?? null) : null,
    defaultDtype: dtypeFromTorch(c.torch_dtype ?? c.dtype),
  });
}

function readBert(raw: Record<string, unknown>, source: string): ModelArchitecture {
  const c = parseWith(bertSchema, raw, source, 'bert');
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new UserError(`${source}: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  }
  return uniformArchitecture({
    modelType: 'bert',
    layout: 'encoder',
    hiddenSize: c.hidden_size,
    layerCount: c.num_hidden_layers,
    headCount: c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    maxPositionCount: c.max_position_embeddings,
    gated: false,
    norm: 'layernorm',
    attentionBias: 'all',
    mlpBias: true,
    tiedEmbeddings: true,
    learnedPositionCount: c.max_position_embeddings,
    tokenTypeCount: c.type_vocab_size ?? 2,
    embeddingNorm: true,
    pooler: true,
    attentionDropout: c.attention_probs_dropout_prob ?? 0.1,
    hiddenDropout: c.hidden_dropout_prob ?? 0.1,
    defaultDtype: dtypeFromTorch(c.torch_dtype ?? c.dtype),
  });
}

/** Turns a parsed config.json object into an architecture; `source` names the file in errors. */
export function readHfConfig(raw: unknown, source: string): ModelArchitecture {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${source}: expected a JSON object (a Hugging Face config.json), got ${Array.isArray(raw) ? 'an array' : describe(raw)}`);
  }
  const config = raw as Record<string, unknown>;
  const modelType = config.model_type;
  if (typeof modelType !== 'string') {
    throw new UserError(`${source}: missing required field model_type (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  }
  switch (modelType) {
    case 'llama':
    case 'mistral':
    case 'mixtral':
    case 'qwen2':
      return readDecoder(config, source, modelType);
    case 'bert':
      return readBert(config, source);
    default:
      throw new UserError(`${source}: model_type "${modelType}" is not supported yet (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  }
}

/** Config field names the readers understand (for `--set` typo suggestions). */
export const KNOWN_CONFIG_FIELDS: readonly string[] = [
  ...new Set([...Object.keys(decoderSchema.shape), ...Object.keys(bertSchema.shape), 'model_type']),
];
