/** Small constructors for architecture parts, shared by the config readers. */
import type { LayerGroup, MixtureOfExperts, MlpSpec, StandardAttention } from '../../core/architecture.js';

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
