/** A model directory on disk: config.json and the headers of its *.safetensors files. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fileSource, readFileCapped } from './fileSource.js';
import type { ModelRepository } from './repository.js';
import { readSafetensorsHeaderBytes } from './safetensors.js';

/** Largest JSON file read from a repository (configs and indexes are KiBs to a few MiBs). */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * The weight files of a directory without an index: the transformers names (model.safetensors,
 * model-00001-of-00002.safetensors…) when present, else every *.safetensors but PEFT adapters.
 */
function weightFiles(names: string[], label: string): string[] {
  const standard = names.filter((name) => /^model(-\d+-of-\d+)?\.safetensors$/.test(name));
  checkShardSet(standard, label);
  return (standard.length > 0 ? standard : names.filter((name) => !name.startsWith('adapter_'))).sort();
}

/** Shards named model-0000i-of-0000N.safetensors without an index: all N must be there, of one N. */
function checkShardSet(names: string[], label: string): void {
  const shards = names.map((name) => /^model-(\d+)-of-(\d+)\.safetensors$/.exec(name)).filter((m) => m !== null);
  if (shards.length === 0) return;
  const totals = new Set(shards.map((m) => Number(m[2])));
  const total = Number(shards[0]?.[2]);
  const indices = new Set(shards.map((m) => Number(m[1])));
  if (totals.size > 1 || indices.size !== total || [...indices].some((i) => i < 1 || i > total))
    throw new UserError(
      `${label}: holds ${indices.size} of the ${total} shards its file names promise (model-…-of-${String(total).padStart(5, '0')}.safetensors), and no model.safetensors.index.json; the checkpoint is incomplete`,
    );
}

function readSmallFile(path: string, label: string): string {
  if (!statSync(path).isFile()) throw new UserError(`${label}: not a regular file`);
  const bytes = readFileCapped(path, MAX_JSON_BYTES);
  if (bytes.length > MAX_JSON_BYTES) throw new UserError(`${label}: larger than 16 MiB`);
  return bytes.toString('utf8');
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function localRepository(dir: string): ModelRepository {
  return {
    label: dir,
    readText: async (file) => (exists(join(dir, file)) ? readSmallFile(join(dir, file), join(dir, file)) : null),
    safetensorsHeader: async (file) => {
      if (!exists(join(dir, file))) return null;
      const source = fileSource(join(dir, file));
      try {
        return { bytes: await readSafetensorsHeaderBytes(source), fileSize: source.size };
      } finally {
        source.close();
      }
    },
    listSafetensors: async () =>
      weightFiles(
        readdirSync(dir).filter((name) => name.endsWith('.safetensors')),
        dir,
      ),
  };
}
