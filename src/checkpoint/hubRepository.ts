/**
 * A Hugging Face Hub repository over HTTP: `{endpoint}/{repo}/resolve/{revision}/{file}`, with
 * HTTP Range requests for safetensors headers so the weights are never downloaded (as hf-mem does).
 * Honours HF_ENDPOINT and HF_TOKEN; caches what it read under $XDG_CACHE_HOME/vram/hub (or
 * ~/.cache/vram/hub), and with offline set reads only that cache. Errors name the repository,
 * the file and what to do (401/403: a gated model needs HF_TOKEN; 404; timeouts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../model/errors.js';
import type { ModelRepository } from './repository.js';
import { networkCause, readBody } from './httpBody.js';
import { MAX_SAFETENSORS_HEADER_BYTES, parseSafetensorsHeader, safetensorsHeaderLength } from './safetensors.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
/** Per-request time limit. */
export const HUB_TIMEOUT_MS = 30_000;
/** A fetch slower than this reports progress. */
export const PROGRESS_AFTER_MS = 1000;

export interface HubOptions {
  /** "org/name". */
  repo: string;
  revision: string;
  endpoint: string;
  token: string | null;
  /** Cache directory, or null for none. */
  cacheDir: string | null;
  offline: boolean;
  timeoutMs?: number;
  /** Called with a line for stderr when a fetch is slow. */
  progress?: (line: string) => void;
}

/** Parses `hf:org/name[@revision]`; null when `spec` is not a Hub reference. */
export function parseHubSpec(spec: string): { repo: string; revision: string } | null {
  if (!spec.startsWith('hf:')) return null;
  const match = /^hf:([A-Za-z0-9][\w.-]*\/[\w.-]+)(?:@([\w./-]+))?$/.exec(spec);
  if (!match) throw new UserError(`--model: "${spec}" is not hf:<org>/<name>[@revision]`);
  return { repo: match[1]!, revision: match[2] ?? 'main' };
}

export function hubRepository(options: HubOptions): ModelRepository {
  const label = `hf:${options.repo}${options.revision === 'main' ? '' : `@${options.revision}`}`;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const cacheRoot = options.cacheDir === null ? null : join(options.cacheDir, encodeURIComponent(endpoint), options.repo, encodeURIComponent(options.revision));

  const cachePath = (file: string) => (cacheRoot === null ? null : join(cacheRoot, file));
  const readCache = (file: string): Uint8Array | null => {
    const path = cachePath(file);
    if (path === null) return null;
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  };
  /** A file the repository lacks: remembered for --offline, asked again whenever online. */
  const ABSENT = '.absent';
  /** Caches what was read. */
  const writeCache = (file: string, bytes: Uint8Array) => {
    const path = cachePath(file);
    if (path === null) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    } catch {
      // A cache that cannot be written only costs a later fetch.
    }
  };

  /** GET with optional Range; null on 404; reads at most `maxBytes` of the body. */
  async function get(file: string, range: [number, number] | null, maxBytes: number): Promise<Uint8Array | null> {
    const url = `${endpoint}/${options.repo}/resolve/${encodeURIComponent(options.revision)}/${file}`;
    const headers: Record<string, string> = { 'user-agent': 'vram' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (range) headers.range = `bytes=${range[0]}-${range[1]}`;
    const timeoutMs = options.timeoutMs ?? HUB_TIMEOUT_MS;
    const timer = options.progress ? setTimeout(() => options.progress!(`fetching ${label}/${file}${range ? ` (bytes ${range[0]}–${range[1]})` : ''}…`), PROGRESS_AFTER_MS) : null;
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = error as Error;
      if (cause.name === 'TimeoutError' || cause.name === 'AbortError') throw new UserError(`${label}: ${file} timed out after ${timeoutMs / 1000} s (${endpoint}); try again, or use --offline with a cached copy`);
      throw new UserError(`${label}: cannot reach ${endpoint} (${networkCause(error)}); check the network or HF_ENDPOINT, or use --offline with a cached copy`);
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new UserError(
        options.token
          ? `${label}: access denied (HTTP ${response.status}) to ${file} with the HF_TOKEN given; accept the model's license on its Hub page, or use a token with access`
          : `${label}: access denied (HTTP ${response.status}) to ${file}: the model is gated or private; set HF_TOKEN to a token with access (https://huggingface.co/settings/tokens) after accepting its license`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UserError(`${label}: HTTP ${response.status} for ${file}`);
    }
    // A server that ignores Range answers 200 with the whole file: skip to the offset asked for,
    // and read no more than needed either way.
    const skip = range && response.status === 200 ? range[0] : 0;
    return readBody(response, skip, maxBytes, `${label}/${file}`, timeoutMs);
  }

  const offlineMiss = (file: string) =>
    new UserError(`${label}: ${file} is not in the cache (${cacheRoot ?? 'no cache directory'}) and --offline forbids fetching; run once without --offline`);

  return {
    label,
    readText: async (file) => {
      const cached = readCache(file);
      if (cached !== null) return new TextDecoder().decode(cached);
      if (options.offline) {
        if (readCache(`${file}${ABSENT}`) !== null) return null;
        throw offlineMiss(file);
      }
      const bytes = await get(file, null, 16 * 1024 * 1024);
      if (bytes === null) {
        writeCache(`${file}${ABSENT}`, new Uint8Array(0));
        return null;
      }
      writeCache(file, bytes);
      return new TextDecoder().decode(bytes);
    },
    safetensorsHeader: async (file) => {
      const cacheName = `${file}.header.json`;
      const cached = readCache(cacheName);
      if (cached !== null) return { bytes: cached, fileSize: null };
      if (options.offline) {
        if (readCache(`${cacheName}${ABSENT}`) !== null) return null;
        throw offlineMiss(cacheName);
      }
      const prefix = await get(file, [0, 7], 8);
      if (prefix === null) {
        writeCache(`${cacheName}${ABSENT}`, new Uint8Array(0));
        return null;
      }
      const length = safetensorsHeaderLength(prefix, `${label}/${file}`);
      const header = await get(file, [8, 8 + length - 1], Math.min(length, MAX_SAFETENSORS_HEADER_BYTES));
      if (header === null || header.length < length) throw new UserError(`${label}/${file}: truncated safetensors header (${header?.length ?? 0} of ${length} bytes)`);
      // Cache only a header that parses, so a bad answer is never kept.
      parseSafetensorsHeader(header, `${label}/${file}`);
      writeCache(cacheName, header);
      return { bytes: header, fileSize: null };
    },
    listSafetensors: async () => null,
  };
}

/** The cache directory from the environment: $XDG_CACHE_HOME/vram/hub, else ~/.cache/vram/hub. */
export function hubCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : null);
  return base === null ? null : join(base, 'vram', 'hub');
}
