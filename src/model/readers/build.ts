/** Small constructors for architecture parts, shared by the config readers. */
import {
  type LayerGroup,
  type MixtureOfExperts,
  type MlpSpec,
  type ModelArchitecture,
  type MtpModules,
  type StandardAttention,
  groupLayers,
} from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';

export function standardAttention(
  fields: Partial<StandardAttention> & Pick<StandardAttention, 'headCount' | 'kvHeadCount' | 'headDim'>,
): StandardAttention {
  return {
    kind: 'standard',
    bias: 'none',
    qkNorm: false,
    sinks: false,
    outputGate: false,
    sharedKv: false,
    window: null,
    chunked: false,
    ...fields,
  };
}

export function denseMlp(intermediateSize: number, gated: boolean, bias = false, activation?: string): MlpSpec {
  return activation === undefined
    ? { intermediateSize, gated, bias, experts: null }
    : { intermediateSize, gated, bias, experts: null, activation };
}

export function moe(
  fields: Partial<MixtureOfExperts> & Pick<MixtureOfExperts, 'expertCount' | 'activeExpertCount'>,
): MixtureOfExperts {
  return {
    sharedIntermediateSize: 0,
    sharedExpertBias: false,
    sharedExpertGate: false,
    routerBias: false,
    scoreCorrectionBias: false,
    ...fields,
  };
}

export type LayerShape = Omit<LayerGroup, 'count'>;

/** num_key_value_heads (else `fallback`, the family's default), checked to divide the query heads. */
export function kvHeadCountOf(f: ConfigFields, headCount: number, fallback = headCount): number {
  const kvHeadCount = f.optionalCount('num_key_value_heads') ?? fallback;
  f.require(
    headCount % kvHeadCount === 0,
    `num_key_value_heads: got ${kvHeadCount}, expected a divisor of num_attention_heads (${headCount})`,
  );
  return kvHeadCount;
}

/** Qwen MoE's routed layers: (i + 1) % decoder_sparse_step == 0 and i ∉ mlp_only_layers (Qwen2MoeDecoderLayer). */
export function qwenSparseLayers(f: ConfigFields): (layer: number) => boolean {
  const sparseStep = f.optionalCount('decoder_sparse_step') ?? 1;
  const mlpOnlyRaw = f.value('mlp_only_layers') ?? [];
  const indices = Array.isArray(mlpOnlyRaw) ? mlpOnlyRaw.filter((i): i is number => Number.isInteger(i) && i >= 0) : [];
  f.require(
    Array.isArray(mlpOnlyRaw) && indices.length === mlpOnlyRaw.length,
    `mlp_only_layers: got ${JSON.stringify(mlpOnlyRaw)}, expected a list of layer indices`,
  );
  const mlpOnly = new Set(indices);
  return (i) => (i + 1) % sparseStep === 0 && !mlpOnly.has(i);
}

/**
 * Each layer's kind from `layer_types` (checked against `known` and the layer count), else from
 * `fallback(i)`; used by the hybrid readers.
 */
export function layerKinds<T extends string>(
  f: ConfigFields,
  layerCount: number,
  known: readonly T[],
  fallback: (layer: number) => T,
): T[] {
  const given = f.stringList('layer_types');
  if (given === null) return Array.from({ length: layerCount }, (_, i) => fallback(i));
  f.require(
    given.length === layerCount,
    `layer_types: got ${given.length} entries, expected one per layer (num_hidden_layers ${layerCount})`,
  );
  const kinds = given.filter((kind): kind is T => known.some((k) => k === kind));
  f.require(kinds.length === given.length, `layer_types: expected only ${known.join(', ')}`);
  return kinds;
}

/** The warning for stored multi-token-prediction layers (num_nextn_predict_layers) a reader does not count. */
export function mtpWarning(f: ConfigFields, type: string, why: string): string | null {
  const mtp = f.optionalNonNegative('num_nextn_predict_layers') ?? 0;
  if (mtp === 0) return null;
  return `${type}: the ${mtp} multi-token-prediction layer${mtp > 1 ? 's are' : ' is'} stored ${why}, and not counted`;
}

/**
 * DeepSeek-V3-style MTP modules (num_nextn_predict_layers of them): each one decoder layer shaped
 * like `layer` plus eh_proj 2h × h, enorm, hnorm, the shared head's norm, and the embedding and
 * head copies the checkpoint stores (2h² + 3h + 2·V·h); null when the config has none.
 */
export function mtpModules(f: ConfigFields, h: number, vocabSize: number, layer: LayerShape): MtpModules | null {
  const count = f.optionalNonNegative('num_nextn_predict_layers') ?? 0;
  if (count === 0) return null;
  return {
    layers: [{ ...layer, count }],
    extraParameterCount: count * (2 * h * h + 3 * h + 2 * vocabSize * h),
  };
}

/** The fields every decoder config gives (their names as LLaMA's config spells them). */
export interface DecoderDims {
  h: number;
  layerCount: number;
  headCount: number;
  vocabSize: number;
  maxPositionCount: number;
}

/** hidden_size, num_hidden_layers, num_attention_heads, vocab_size and max_position_embeddings, all required. */
export function decoderDims(f: ConfigFields): DecoderDims {
  return {
    h: f.count('hidden_size'),
    layerCount: f.count('num_hidden_layers'),
    headCount: f.count('num_attention_heads'),
    vocabSize: f.count('vocab_size'),
    maxPositionCount: f.count('max_position_embeddings'),
  };
}

/** What a decoder reader knows of its model; the rest comes from the config's common fields. */
interface DecoderFields extends Partial<Omit<ModelArchitecture, 'layers'>> {
  modelType: string;
  hiddenSize: number;
  vocabSize: number;
  maxPositionCount: number;
  layers: LayerShape[];
  /** The family's tie_word_embeddings default. */
  tiedByDefault: boolean;
}

/**
 * A reader's architecture: its layers grouped, the head tied as tie_word_embeddings says (else the
 * family's default), attention_dropout, and the checkpoint dtype from torch_dtype (or dtype).
 */
export function decoderArchitecture(f: ConfigFields, fields: DecoderFields): ModelArchitecture {
  const { layers, tiedByDefault, ...rest } = fields;
  return architecture({
    tiedEmbeddings: f.flag('tie_word_embeddings', tiedByDefault),
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
    ...rest,
    layers: groupLayers(layers),
  });
}
