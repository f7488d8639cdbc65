/**
 * A model repository: a local directory or a Hugging Face Hub repo. Either gives config.json and
 * the safetensors headers of the weights (model.safetensors.index.json lists the shards), never
 * the weights themselves.
 */
import { UserError } from '../core/errors.js';
import { type SafetensorsHeader, parseSafetensorsHeader } from './safetensors.js';
import { type CheckpointSummary, summarizeSafetensors } from './summary.js';
import { parseBoundedJson, parseJsonText } from './boundedJson.js';

export interface ModelRepository {
  /** e.g. "./models/llama" or "hf:meta-llama/Llama-3.1-8B@main". */
  label: string;
  /** A small text file, or null when the repository has no such file. */
  readText(file: string): Promise<string | null>;
  /** The JSON header bytes of a safetensors file and the file's size when known; null when absent. */
  safetensorsHeader(file: string): Promise<{ bytes: Uint8Array; fileSize: number | null } | null>;
  /** Safetensors files when there is no index (a directory listing); null when unknown. */
  listSafetensors(): Promise<string[] | null>;
}

/** The shard files named by model.safetensors.index.json's weight_map. */
function shardFiles(indexText: string, label: string): string[] {
  // Only weight_map's string values are read, so the index is not walked for its depth.
  const index = parseJsonText(indexText, label) as { weight_map?: Record<string, unknown> } | null;
  const map = index?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new UserError(`${label}: missing weight_map`);
  const unique = new Set<string>();
  for (const name in map) {
    if (!Object.hasOwn(map, name)) continue;
    const file = map[name];
    if (typeof file !== 'string') throw new UserError(`${label}: a weight_map value is not a file name`);
    unique.add(file);
  }
  const files = [...unique];
  for (const file of files)
    if (file.includes('..') || file.startsWith('/'))
      throw new UserError(`${label}: weight_map names "${file}", outside the repository`);
  return files.sort();
}

export interface RepositoryModel {
  config: unknown;
  checkpoint: CheckpointSummary | null;
}

/** Where a config's multi-token-prediction layers start (num_hidden_layers), when it has any. */
function mtpStart(config: unknown): number | null {
  if (typeof config !== 'object' || config === null) return null;
  const layers = 'num_hidden_layers' in config ? config.num_hidden_layers : undefined;
  const mtp = 'num_nextn_predict_layers' in config ? config.num_nextn_predict_layers : undefined;
  return typeof layers === 'number' && typeof mtp === 'number' && mtp > 0 ? layers : null;
}

/** Shard headers read at once: enough to hide network latency, few enough to be polite to the Hub. */
const SHARD_READS_IN_FLIGHT = 8;

/** `work` over `items` with at most `limit` running at once; results in the items' order; the first failure rejects. */
async function inFlight<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  // After a failure no worker starts another item, so nothing keeps the process waiting.
  const worker = async () => {
    for (let index = next++; index < items.length && !failed; index = next++) {
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How far readRepository has got: for a progress line. */
export interface RepositoryProgress {
  step: 'config' | 'index' | 'headers';
  /** Shard headers read, and of how many (0 of 0 before the headers). */
  done: number;
  total: number;
}

export async function readRepository(
  repo: ModelRepository,
  report: (progress: RepositoryProgress) => void = () => {},
): Promise<RepositoryModel> {
  report({ step: 'config', done: 0, total: 0 });
  const configText = await repo.readText('config.json');
  if (configText === null)
    throw new UserError(
      `${repo.label}: no config.json (not found: check the repository name, the revision, or the path)`,
    );
  const config = parseBoundedJson(configText, `${repo.label}/config.json`);
  report({ step: 'index', done: 0, total: 0 });
  const indexText = await repo.readText('model.safetensors.index.json');
  const files =
    indexText !== null
      ? shardFiles(indexText, `${repo.label}/model.safetensors.index.json`)
      : ((await repo.listSafetensors()) ?? ['model.safetensors']);
  if (files.length === 0) return { config, checkpoint: null };
  // Shard headers are read SHARD_READS_IN_FLIGHT at a time (a 163-shard repository over the
  // network is 163 round trips otherwise), and kept in the index's order.
  let done = 0;
  report({ step: 'headers', done, total: files.length });
  const reads = await inFlight(files, SHARD_READS_IN_FLIGHT, async (file) => {
    const read = await repo.safetensorsHeader(file);
    report({ step: 'headers', done: ++done, total: files.length });
    return read;
  });
  const shards: { file: string; header: SafetensorsHeader }[] = [];
  for (const [index, file] of files.entries()) {
    const read = reads[index] ?? null;
    if (read === null) {
      if (indexText !== null)
        throw new UserError(`${repo.label}: model.safetensors.index.json names ${file}, which is missing`);
      return { config, checkpoint: null };
    }
    const header = parseSafetensorsHeader(read.bytes, `${repo.label}/${file}`);
    if (read.fileSize !== null && 8 + read.bytes.length + header.dataBytes > read.fileSize) {
      throw new UserError(
        `${repo.label}/${file}: truncated safetensors file (its tensors need ${8 + read.bytes.length + header.dataBytes} bytes; the file has ${read.fileSize})`,
      );
    }
    shards.push({ file, header });
  }
  return { config, checkpoint: summarizeSafetensors(shards, mtpStart(config)) };
}
