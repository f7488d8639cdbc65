/**
 * A model as the plans see it: where it came from, its architecture, what its checkpoint stores
 * and its quantization format. The shell loads it (files, the Hub, stdin); presets and config
 * objects are read here, with --set overrides, for the shell and the library alike.
 */
import type { CheckpointSummary } from '../checkpoint/summary.js';
import type { ModelArchitecture } from '../core/architecture.js';
import type { WeightFormat } from '../core/quantization.js';
import { type ConfigSets, readWithSets } from '../model/configOverrides.js';
import { readModelConfig } from '../model/hfConfig.js';
import { findPreset } from '../model/presets.js';

export interface LoadedModel {
  /** Preset id, hf:org/name, a directory or file path, or the config's _name_or_path. */
  id: string;
  name: string;
  /** Where the config came from: the preset's URL, a file path, "stdin", a directory, hf:…, a GGUF file. */
  source: string;
  sourceKind: 'preset' | 'config' | 'directory' | 'hub' | 'gguf';
  /** Stored bytes from safetensors or GGUF headers, when the source has a checkpoint. */
  checkpoint: CheckpointSummary | null;
  /** The weight format of the config's quantization_config, when it has one. */
  quantization: WeightFormat | null;
  publishedParameterCount: number | null;
  arch: ModelArchitecture;
  /** From the config reader (an unknown model_type read as LLaMA-style…) and from --set. */
  warnings: string[];
}

/** A preset by id or alias (`vram models`), with --set overrides (its published count then no longer applies). */
export function modelFromPreset(name: string, sets: ConfigSets = []): LoadedModel {
  const preset = findPreset(name);
  const label = sets.length > 0 ? `preset ${preset.id} (with --set)` : `preset ${preset.id}`;
  return {
    ...readWithSets(preset.config, sets, label),
    id: preset.id,
    name: preset.name,
    source: preset.source,
    sourceKind: 'preset',
    checkpoint: null,
    publishedParameterCount: sets.length > 0 ? null : preset.publishedParameterCount,
  };
}

/**
 * A parsed config.json, as `--config` reads it; `label` names it in messages and as its source;
 * its id is the config's _name_or_path, else `fallbackId`.
 */
export function modelFromConfig(
  config: unknown,
  label: string,
  sets: ConfigSets = [],
  fallbackId = label,
): LoadedModel {
  const base = { source: label, sourceKind: 'config', checkpoint: null, publishedParameterCount: null } as const;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    const { fields: _fields, ...read } = readModelConfig(config, label);
    return { ...read, id: label, name: label, ...base };
  }
  const named = '_name_or_path' in config ? config._name_or_path : undefined;
  const id = typeof named === 'string' && named !== '' ? named : fallbackId;
  return { ...readWithSets(Object.fromEntries(Object.entries(config)), sets, label), id, name: id, ...base };
}
