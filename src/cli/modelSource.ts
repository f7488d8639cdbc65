/**
 * Loads the model named by --model (a preset) or --config (a config.json file or stdin), applies
 * --set overrides to the raw config, and reads the architecture.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ModelArchitecture } from '../core/architecture.js';
import { closestName } from '../core/suggest.js';
import { UserError } from '../model/errors.js';
import { KNOWN_CONFIG_FIELDS, readModelConfig } from '../model/hfConfig.js';
import { printable } from './printable.js';
import { findPreset } from '../model/presets.js';
import type { Io } from './io.js';

export function quoted(text: string): string {
  return JSON.stringify(text);
}

export interface LoadedModel {
  /** Preset id, or the config's _name_or_path / file name. */
  id: string;
  name: string;
  /** Where the config came from: the preset's URL, a file path or "stdin". */
  source: string;
  sourceKind: 'preset' | 'config';
  publishedParameterCount: number | null;
  arch: ModelArchitecture;
  /** From the config reader (an unknown model_type read as LLaMA-style…) and from --set. */
  warnings: string[];
}

/** Reads the config with its --set overrides, and warns about each override that changed nothing. */
function readWithSets(config: Record<string, unknown>, sets: readonly [string, unknown][], label: string): { arch: ModelArchitecture; warnings: string[] } {
  const read = readModelConfig(applySets(config, sets), label);
  if (sets.length === 0) return read;
  const base = JSON.stringify(readModelConfig(config, label).arch);
  const warnings = [...read.warnings];
  for (const [field, value] of sets) {
    const alone = readModelConfig(applySets(config, [[field, value]]), label).arch;
    if (JSON.stringify(alone) === base) warnings.push(`--set ${field}=${JSON.stringify(value)} changed nothing: the ${String(config.model_type)} reader does not use that field (or it already had that value)`);
  }
  return { arch: read.arch, warnings };
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a parent is not a directory',
};

/** Largest config.json accepted (real ones are a few KiB; this stops /dev/zero or a weights file). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Reads at most MAX_CONFIG_BYTES + 1 bytes, in chunks (character devices report size 0). */
function readCapped(path: string): Buffer {
  // Synchronous on purpose: node:fs is loaded at bootstrap, node:fs/promises would add start-up time.
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const got = readSync(fd, buffer, length, buffer.length - length, null);
      if (got === 0) break;
      length += got;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

async function readConfigText(path: string, io: Io): Promise<string> {
  let bytes: Uint8Array | string;
  if (path === '-') bytes = await io.readStdin(MAX_CONFIG_BYTES + 1);
  else {
    try {
      bytes = readCapped(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) throw error;
      throw new UserError(`--config: cannot read ${quoted(path)}: ${READ_ERRORS[code] ?? code}`);
    }
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw new UserError(`--config: ${path === '-' ? 'stdin' : quoted(path)} is larger than 16 MiB; a config.json is a few KiB`);
  return typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the offending text; keep only its position.
    const position = /position (\d+)/.exec((error as Error).message);
    throw new UserError(`${label}: not valid JSON${position ? ` (at character ${position[1]})` : text.trim() === '' ? ' (it is empty)' : ''}`);
  }
}

/** Names no --set may touch: they would reach the object's prototype, not a config field. */
const RESERVED_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

function applySets(config: Record<string, unknown>, sets: readonly [string, unknown][]): Record<string, unknown> {
  const result: Record<string, unknown> = Object.assign(Object.create(null), config);
  for (const [field, value] of sets) {
    if (RESERVED_FIELDS.has(field)) throw new UserError(`--set: "${field}" is not a config field`);
    if (field === 'model_type' && value !== config.model_type) {
      throw new UserError(`--set: model_type cannot be changed (it selects how the whole config is read); pass another config with --config`);
    }
    if (!Object.hasOwn(result, field) && !KNOWN_CONFIG_FIELDS.includes(field)) {
      const suggestion = closestName(field, [...new Set([...Object.keys(result), ...KNOWN_CONFIG_FIELDS])]);
      throw new UserError(`--set: "${field}" is not a config field${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
    }
    result[field] = value;
  }
  return result;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export async function loadModel(
  options: { model?: string | undefined; config?: string | undefined; set: readonly [string, unknown][] },
  io: Io,
): Promise<LoadedModel> {
  if (options.model !== undefined) {
    const preset = findPreset(options.model);
    const label = options.set.length > 0 ? `preset ${preset.id} (with --set)` : `preset ${preset.id}`;
    const { arch, warnings } = readWithSets(preset.config, options.set, label);
    return {
      id: preset.id,
      name: preset.name,
      source: preset.source,
      sourceKind: 'preset',
      publishedParameterCount: options.set.length > 0 ? null : preset.publishedParameterCount,
      arch,
      warnings,
    };
  }
  const path = options.config!;
  const label = path === '-' ? 'stdin' : printable(path);
  const raw = parseJson(await readConfigText(path, io), label);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ...readModelConfig(raw, label), id: label, name: label, source: label, sourceKind: 'config', publishedParameterCount: null };
  const { arch, warnings } = readWithSets(raw as Record<string, unknown>, options.set, label);
  const named = (raw as Record<string, unknown>)._name_or_path;
  const id = printable(typeof named === 'string' && named !== '' ? named : path === '-' ? 'stdin' : fileName(path));
  return { id, name: id, source: label, sourceKind: 'config', publishedParameterCount: null, arch, warnings };
}
