/**
 * A model as the plans see it: where it came from, its architecture, what its checkpoint stores
 * and its quantization format. The shell loads it (files, the Hub, stdin); the library builds one
 * from a preset or a config object with `modelFromPreset` / `modelFromConfig`.
 */
import type { CheckpointSummary } from '../checkpoint/summary.js';
import type { ModelArchitecture } from '../core/architecture.js';
import type { WeightFormat } from '../core/quantization.js';
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

/** A preset by id or alias (`vram models`), as `--model <preset>` loads it without --set. */
export function modelFromPreset(name: string): LoadedModel {
  const preset = findPreset(name);
  const { fields: _fields, ...read } = readModelConfig(preset.config, `preset ${preset.id}`);
  return {
    ...read,
    id: preset.id,
    name: preset.name,
    source: preset.source,
    sourceKind: 'preset',
    checkpoint: null,
    publishedParameterCount: preset.publishedParameterCount,
  };
}

/** A parsed config.json object, as `--config` reads it; `label` names it in messages. */
export function modelFromConfig(config: unknown, label: string): LoadedModel {
  const named =
    typeof config === 'object' && config !== null && '_name_or_path' in config ? config._name_or_path : undefined;
  const id = typeof named === 'string' && named !== '' ? named : label;
  const { fields: _fields, ...read } = readModelConfig(config, label);
  return {
    ...read,
    id,
    name: id,
    source: label,
    sourceKind: 'config',
    checkpoint: null,
    publishedParameterCount: null,
  };
}
