/** Small constructors for architecture parts, shared by the config readers. */
import type { LayerGroup, MixtureOfExperts, MlpSpec, StandardAttention } from '../../core/architecture.js';
import type { ConfigFields } from '../configFields.js';

export function standardAttention(
  fields: Partial<StandardAttention> & Pick<StandardAttention, 'headCount' | 'kvHeadCount' | 'headDim'>,
): StandardAttention {
  return { kind: 'standard', bias: 'none', qkNorm: false, sinks: false, window: null, chunked: false, ...fields };
}

export function denseMlp(intermediateSize: number, gated: boolean, bias = false): MlpSpec {
  return { intermediateSize, gated, bias, experts: null };
}

export function moe(
  fields: Partial<MixtureOfExperts> & Pick<MixtureOfExperts, 'expertCount' | 'activeExpertCount'>,
): MixtureOfExperts {
  return {
    sharedIntermediateSize: 0,
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

/** The warning for stored multi-token-prediction layers (num_nextn_predict_layers) a reader does not count. */
export function mtpWarning(f: ConfigFields, type: string, why: string): string | null {
  const mtp = f.optionalNonNegative('num_nextn_predict_layers') ?? 0;
  if (mtp === 0) return null;
  return `${type}: the ${mtp} multi-token-prediction layer${mtp > 1 ? 's are' : ' is'} stored ${why}, and not counted`;
}
