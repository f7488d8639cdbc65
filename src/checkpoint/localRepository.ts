/** A model directory on disk: config.json and the headers of its *.safetensors files. */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../model/errors.js';
import { fileSource } from './fileSource.js';
import type { ModelRepository } from './repository.js';
import { readSafetensorsHeaderBytes } from './safetensors.js';

/** Largest JSON file read from a repository (configs and indexes are KiBs to a few MiBs). */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

function readSmallFile(path: string, label: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_JSON_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const got = readSync(fd, buffer, length, buffer.length - length, null);
      if (got === 0) break;
      length += got;
    }
    if (length > MAX_JSON_BYTES) throw new UserError(`${label}: larger than 16 MiB`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
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
        return await readSafetensorsHeaderBytes(source);
      } finally {
        source.close();
      }
    },
    listSafetensors: async () => readdirSync(dir).filter((name) => name.endsWith('.safetensors')).sort(),
  };
}
