/** `vram inspect`: a loaded model's shape, parameters by part and KV bytes per token. */
import { type LayerGroup, type ModelArchitecture, allLayerGroups, layerCount } from '../core/architecture.js';
import { dtypeBytes } from '../core/dtype.js';
import { kvElementsPerToken } from '../core/kvCache.js';
import { type ParameterBreakdown, countParameters } from '../core/parameters.js';
import { recurrentStateBytesPerSequence } from '../core/recurrentState.js';
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
  /** Recurrent (state-space, linear-attention) state per sequence at 16 bits (0 without such layers). */
  stateBytesPerSequence16Bit: number;
  /** Each layer group: its layers, KV bytes per token and state bytes per sequence at 16 bits. */
  layerKinds: LayerKind[];
}

export interface LayerKind {
  group: LayerGroup;
  /** "encoder" or "decoder" stack. */
  stack: 'encoder' | 'decoder';
  kvBytesPerToken16Bit: number;
  stateBytesPerSequence16Bit: number;
}

/** A model made of one layer group (to cost a group alone). */
function onlyGroup(arch: ModelArchitecture, group: LayerGroup): ModelArchitecture {
  return { ...arch, layout: arch.layout === 'encoder' ? 'encoder' : 'decoder', layers: [group], encoderLayers: [] };
}

const SIXTEEN_BIT = { conv: 'bf16', ssm: 'bf16' } as const;

function layerKindsOf(arch: ModelArchitecture): LayerKind[] {
  const kind = (stack: LayerKind['stack']) => (group: LayerGroup) => {
    const alone = onlyGroup(arch, group);
    return {
      group,
      stack,
      kvBytesPerToken16Bit: dtypeBytes(kvElementsPerToken(alone), 'bf16'),
      stateBytesPerSequence16Bit: recurrentStateBytesPerSequence(alone, SIXTEEN_BIT),
    };
  };
  return [...arch.encoderLayers.map(kind('encoder')), ...arch.layers.map(kind('decoder'))];
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
    stateBytesPerSequence16Bit: recurrentStateBytesPerSequence(model.arch, SIXTEEN_BIT),
    layerKinds: layerKindsOf(model.arch),
  };
}
