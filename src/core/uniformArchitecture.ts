/**
 * Builders for architectures: `architecture` fills the defaults of a pre-norm decoder around the
 * fields a reader knows; `uniformArchitecture` builds a model whose layers are all alike (LLaMA,
 * Mistral, Qwen2, BERT…) from its flat shape.
 */
import type { LayerGroup, MixtureOfExperts, ModelArchitecture, StandardAttention } from './architecture.js';

type Required = 'modelType' | 'hiddenSize' | 'vocabSize' | 'maxPositionCount' | 'layers';

/** An architecture with a pre-norm decoder's defaults for every field not given. */
export function architecture(
  fields: Pick<ModelArchitecture, Required> & Partial<Omit<ModelArchitecture, Required>>,
): ModelArchitecture {
  const layout = fields.layout ?? 'decoder';
  return {
    layout,
    norm: 'rmsnorm',
    encoderLayers: [],
    learnedPositionCount: 0,
    tokenTypeCount: 0,
    embeddingNorm: false,
    finalNormCount: layout === 'encoder' ? 0 : 1,
    tiedEmbeddings: false,
    pooler: false,
    extraParameters: [],
    attentionDropout: 0,
    hiddenDropout: 0,
    defaultDtype: null,
    mtp: null,
    vision: null,
    encoderTokens: null,
    ...fields,
  };
}
import type { Dtype } from './dtype.js';

export interface UniformShape {
  modelType: string;
  layout?: ModelArchitecture['layout'];
  hiddenSize: number;
  layerCount: number;
  headCount: number;
  kvHeadCount?: number;
  headDim?: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositionCount: number;
  gated?: boolean;
  norm?: ModelArchitecture['norm'];
  attentionBias?: StandardAttention['bias'];
  mlpBias?: boolean;
  qkNorm?: boolean;
  window?: number | null;
  tiedEmbeddings?: boolean;
  learnedPositionCount?: number;
  tokenTypeCount?: number;
  embeddingNorm?: boolean;
  normCount?: number;
  finalNormCount?: number;
  pooler?: boolean;
  experts?: MixtureOfExperts | null;
  attentionDropout?: number;
  hiddenDropout?: number;
  defaultDtype?: Dtype | null;
}

export function uniformArchitecture(shape: UniformShape): ModelArchitecture {
  const layout = shape.layout ?? 'decoder';
  const layer: LayerGroup = {
    count: shape.layerCount,
    attention: {
      kind: 'standard',
      outputGate: false,
      sharedKv: false,
      headCount: shape.headCount,
      kvHeadCount: shape.kvHeadCount ?? shape.headCount,
      headDim: shape.headDim ?? shape.hiddenSize / shape.headCount,
      bias: shape.attentionBias ?? 'none',
      qkNorm: shape.qkNorm ?? false,
      sinks: false,
      window: shape.window ?? null,
      chunked: false,
    },
    recurrent: null,
    crossAttention: null,
    mlp: {
      intermediateSize: shape.intermediateSize,
      gated: shape.gated ?? true,
      bias: shape.mlpBias ?? false,
      experts: shape.experts ?? null,
    },
    normCount: shape.normCount ?? 2,
  };
  return architecture({
    modelType: shape.modelType,
    layout,
    hiddenSize: shape.hiddenSize,
    vocabSize: shape.vocabSize,
    maxPositionCount: shape.maxPositionCount,
    norm: shape.norm ?? 'rmsnorm',
    layers: [layer],
    learnedPositionCount: shape.learnedPositionCount ?? 0,
    tokenTypeCount: shape.tokenTypeCount ?? 0,
    embeddingNorm: shape.embeddingNorm ?? false,
    finalNormCount: shape.finalNormCount ?? (layout === 'encoder' ? 0 : 1),
    tiedEmbeddings: shape.tiedEmbeddings ?? false,
    pooler: shape.pooler ?? false,
    attentionDropout: shape.attentionDropout ?? 0,
    hiddenDropout: shape.hiddenDropout ?? 0,
    defaultDtype: shape.defaultDtype ?? null,
  });
}
