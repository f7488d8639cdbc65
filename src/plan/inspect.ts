/** `vram inspect`: a loaded model's shape, parameters by part and KV bytes per token. */
import { allLayerGroups, layerCount } from '../core/architecture.js';
import { dtypeBytes } from '../core/dtype.js';
import { kvElementsPerToken } from '../core/kvCache.js';
import { type ParameterBreakdown, countParameters } from '../core/parameters.js';
import type { LoadedModel } from './model.js';

export interface ModelInspection {
  model: LoadedModel;
  counts: ParameterBreakdown;
  layerCount: number;
  kvElementsPerToken: number;
  /** KV bytes per token at 16 bits (0 for encoders). */
  kvBytesPerToken16Bit: number;
  /** Whether any layer group has experts (the MLP row then counts them all). */
  hasExperts: boolean;
}

export function inspectModel(model: LoadedModel): ModelInspection {
  const elements = kvElementsPerToken(model.arch);
  return {
    model,
    counts: countParameters(model.arch),
    layerCount: layerCount(allLayerGroups(model.arch)),
    kvElementsPerToken: elements,
    kvBytesPerToken16Bit: dtypeBytes(elements, 'bf16'),
    hasExperts: model.arch.layers.some((g) => (g.mlp?.experts ?? null) !== null),
  };
}
