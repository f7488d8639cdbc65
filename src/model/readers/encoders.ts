/**
 * Encoders: bert and roberta (transformers BertConfig / RobertaConfig). Post-norm layers with
 * biased attention and a GELU MLP, learned positions (RoBERTa's 514 include the padding offset),
 * token types, an embedding LayerNorm and the pooler; counted as BertModel / RobertaModel.
 */
import type { ModelArchitecture } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { uniformArchitecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';

export const ENCODER_FAMILY = ['bert', 'roberta'] as const;

export function readEncoder(f: ConfigFields, type: (typeof ENCODER_FAMILY)[number]): ModelArchitecture {
  const hiddenSize = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const headCount = f.count('num_attention_heads');
  const intermediateSize = f.count('intermediate_size');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount = f.count('max_position_embeddings');
  f.done();
  f.require(
    hiddenSize % headCount === 0,
    `hidden_size ${hiddenSize} is not divisible by num_attention_heads ${headCount}`,
  );
  return uniformArchitecture({
    modelType: type,
    layout: 'encoder',
    hiddenSize,
    layerCount,
    headCount,
    intermediateSize,
    vocabSize,
    maxPositionCount,
    gated: false,
    norm: 'layernorm',
    attentionBias: 'all',
    mlpBias: true,
    tiedEmbeddings: true,
    learnedPositionCount: maxPositionCount,
    tokenTypeCount: f.optionalNonNegative('type_vocab_size') ?? 2,
    embeddingNorm: true,
    pooler: true,
    attentionDropout: f.probability(0.1, 'attention_probs_dropout_prob'),
    hiddenDropout: f.probability(0.1, 'hidden_dropout_prob'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
