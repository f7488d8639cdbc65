/**
 * Loads the model named by --model (a preset) or --config (a config.json file or stdin), applies
 * --set overrides to the raw config, and reads the architecture.
 */
import { readFileSync } from 'node:fs';
import type { ModelArchitecture } from '../core/architecture.js';
import { closestName } from '../core/suggest.js';
import { UserError } from '../model/errors.js';
import { KNOWN_CONFIG_FIELDS, readHfConfig } from '../model/hfConfig.js';
import { findPreset } from '../model/presets.js';
import type { Io } from './io.js';

export interface LoadedModel {
  /** Preset id, or the config's _name_or_path / file name. */
  id: string;
  name: string;
  /** Where the config came from: the preset's URL, a file path or "stdin". */
  source: string;
  sourceKind: 'preset' | 'config';
  publishedParameterCount: number | null;
  arch: ModelArchitecture;
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a parent is not a directory',
};

async function readConfigText(path: string, io: Io): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    // Synchronous on purpose: node:fs is loaded at bootstrap, node:fs/promises would add start-up time.
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UserError(`--config: cannot read "${path}": ${READ_ERRORS[code] ?? code}`);
  }
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${label}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

function applySets(config: Record<string, unknown>, sets: readonly [string, unknown][]): Record<string, unknown> {
  const result = { ...config };
  for (const [field, value] of sets) {
    if (!(field in result) && !KNOWN_CONFIG_FIELDS.includes(field)) {
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
    const config = applySets(preset.config, options.set);
    const label = options.set.length > 0 ? `preset ${preset.id} (with --set)` : `preset ${preset.id}`;
    return {
      id: preset.id,
      name: preset.name,
      source: preset.source,
      sourceKind: 'preset',
      publishedParameterCount: options.set.length > 0 ? null : preset.publishedParameterCount,
      arch: readHfConfig(config, label),
    };
  }
  const path = options.config!;
  const label = path === '-' ? 'stdin' : path;
  const raw = parseJson(await readConfigText(path, io), label);
  const config = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? applySets(raw as Record<string, unknown>, options.set) : raw;
  const arch = readHfConfig(config, label);
  const named = (config as Record<string, unknown>)._name_or_path;
  const id = typeof named === 'string' && named !== '' ? named : path === '-' ? 'stdin' : fileName(path);
  return { id, name: id, source: label, sourceKind: 'config', publishedParameterCount: null, arch };
}
