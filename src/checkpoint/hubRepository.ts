/**
 * A Hugging Face Hub repository over HTTP: `{endpoint}/{repo}/resolve/{revision}/{file}`, with
 * HTTP Range requests for safetensors headers so the weights are never downloaded (as hf-mem does).
 * Honours HF_ENDPOINT and HF_TOKEN; caches what it read under $XDG_CACHE_HOME/vram/hub (or
 * ~/.cache/vram/hub), and with offline set reads only that cache. Errors name the repository,
 * the file and what to do (401/403: a gated model needs HF_TOKEN; 404; timeouts).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ModelRepository } from './repository.js';
import { errorName } from './errorFields.js';
import { networkCause, readBody } from './httpBody.js';
import { MAX_JSON_BYTES } from './localRepository.js';
import { replaceUrlCredentials } from './urlCredentials.js';
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

/**
 * An org or model name as the Hub allows it (huggingface_hub validate_repo_id): letters, digits,
 * `-`, `_` and `.`, at most 96 characters, starting and ending with a letter or digit, with no
 * `--` or `..`.
 */
function isHubName(name: string): boolean {
  return (
    /^[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?$/.test(name) &&
    !name.includes('--') &&
    !name.includes('..') &&
    !name.endsWith('.git')
  );
}

/**
 * A revision as git allows a branch, tag or commit (git check-ref-format): `/`-separated parts of
 * letters, digits, `-`, `_` and `.`, none empty, none starting with `.` or ending with `.lock`,
 * at most 256 characters.
 */
function isRevision(revision: string): boolean {
  return (
    revision.length <= 256 &&
    revision.split('/').every((part) => /^[\w-][\w.-]*$/.test(part) && !part.endsWith('.lock') && !part.includes('..'))
  );
}

/** A GGUF quant name after `:` (`Q4_K_M`, `UD-Q4_K_XL`, `BF16`): letters, digits, `_` and `-`. */
function isQuant(quant: string): boolean {
  return /^[A-Za-z0-9][\w-]{0,63}$/.test(quant);
}

/**
 * Parses `hf:org/name[@revision][:quant]`; null when `spec` is not a Hub reference. `quant` is
 * null without `:<quant>` (a git revision holds no `:`, so the last `:` starts the quant).
 */
export function parseHubSpec(spec: string): { repo: string; revision: string; quant: string | null } | null {
  if (!spec.startsWith('hf:')) return null;
  const match = /^hf:([^/@:]+)\/([^/@:]+)(?:@([^:]+))?(?::(.*))?$/.exec(spec);
  const [org, name, revision = 'main', quant = null] = [match?.[1] ?? '', match?.[2] ?? '', match?.[3], match?.[4]];
  if (!isHubName(org) || !isHubName(name) || !isRevision(revision) || (quant !== null && !isQuant(quant)))
    throw new UserError(
      `--model: ${JSON.stringify(spec.slice(0, 80))} is not hf:<org>/<name>[@revision][:<quant>] (letters, digits, - _ and . in names; a branch, tag or commit as revision; a GGUF quant such as Q4_K_M)`,
    );
  return { repo: `${org}/${name}`, revision, quant };
}

/** A file the repository lacks: remembered for --offline, asked again whenever online. */
const ABSENT = '.absent';

/** The on-disk cache of one repository at one revision; every method is a no-op without a directory. */
interface HubCache {
  /** The directory, or null for none. */
  root: string | null;
  read(file: string): Uint8Array | null;
  /** Caches what was read. */
  write(file: string, bytes: Uint8Array): void;
}

function hubCache(root: string | null): HubCache {
  const pathOf = (file: string) => (root === null ? null : join(root, file));
  return {
    root,
    read: (file) => {
      const path = pathOf(file);
      if (path === null) return null;
      try {
        return readFileSync(path);
      } catch {
        return null;
      }
    },
    write: (file, bytes) => {
      const path = pathOf(file);
      if (path === null) return;
      // Written whole to a temporary name, then renamed: a reader (another run, or this one after a
      // kill) sees the old file or the new one, never half of one.
      const temporary = `${path}.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`;
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(temporary, bytes);
        renameSync(temporary, path);
      } catch {
        // A cache that cannot be written only costs a later fetch.
        rmSync(temporary, { force: true });
      }
    },
  };
}

/** What a request needs besides the file: the options, the label errors start with, the endpoint without a trailing slash. */
interface HubContext {
  options: HubOptions;
  label: string;
  endpoint: string;
}

/** GET with optional Range; null on 404; reads at most `maxBytes` of the body. */
async function hubGet(
  hub: HubContext,
  file: string,
  range: [number, number] | null,
  maxBytes: number,
): Promise<Uint8Array | null> {
  const { options, label } = hub;
  const timeoutMs = options.timeoutMs ?? HUB_TIMEOUT_MS;
  const response = await hubFetch(hub, file, range, timeoutMs);
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

/** Sends the request (reporting progress when slow); a timeout or a network failure is a user error. */
async function hubFetch(
  hub: HubContext,
  file: string,
  range: [number, number] | null,
  timeoutMs: number,
): Promise<Response> {
  const { options, label, endpoint } = hub;
  const url = `${endpoint}/${options.repo}/resolve/${encodeURIComponent(options.revision)}/${file}`;
  const headers: Record<string, string> = { 'user-agent': 'vram' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (range) headers.range = `bytes=${range[0]}-${range[1]}`;
  const progress = options.progress;
  const timer = progress
    ? setTimeout(
        () => progress(`fetching ${label}/${file}${range ? ` (bytes ${range[0]}–${range[1]})` : ''}…`),
        PROGRESS_AFTER_MS,
      )
    : null;
  try {
    return await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = errorName(error);
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new UserError(
        `${label}: ${file} timed out after ${timeoutMs / 1000} s (${endpoint}); try again, or use --offline with a cached copy`,
      );
    throw new UserError(
      `${label}: cannot reach ${endpoint} (${networkCause(error)}); check the network or HF_ENDPOINT, or use --offline with a cached copy`,
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export function hubRepository(options: HubOptions): ModelRepository {
  const label = `hf:${options.repo}${options.revision === 'main' ? '' : `@${options.revision}`}`;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const hub: HubContext = { options, label, endpoint };
  const cache = hubCache(
    options.cacheDir === null
      ? null
      : join(
          options.cacheDir,
          encodeURIComponent(replaceUrlCredentials(endpoint, '')),
          options.repo,
          encodeURIComponent(options.revision),
        ),
  );
  return {
    label,
    readText: async (file) => {
      const fetchText = () => hubGet(hub, file, null, MAX_JSON_BYTES + 1);
      const bytes = await cachedOrFetched(hub, cache, file, fetchText, (body) =>
        checkJsonBody(body, `${label}/${file}`),
      );
      return bytes === null ? null : new TextDecoder().decode(bytes);
    },
    safetensorsHeader: async (file) => {
      const cacheName = `${file}.header.json`;
      const fetchHeader = () => fetchSafetensorsHeader(hub, file);
      const check = (header: Uint8Array) => void parseSafetensorsHeader(header, `${label}/${file}`);
      const bytes = await cachedOrFetched(hub, cache, cacheName, fetchHeader, check);
      return bytes === null ? null : { bytes, fileSize: null };
    },
    listSafetensors: async () => null,
  };
}

/** Throws unless `body` is a whole JSON object within MAX_JSON_BYTES (not an HTML page, not cut short, not empty). */
function checkJsonBody(body: Uint8Array, label: string): void {
  if (body.length > MAX_JSON_BYTES) throw new UserError(`${label}: larger than 16 MiB; not read, not cached`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UserError(
      `${label}: the Hub answered with ${body.length === 0 ? 'an empty body' : `${body.length} bytes that are not a JSON object (an HTML page, or cut short?)`}; not cached`,
    );
}

/** Whether `check` accepts `bytes`. */
function passes(bytes: Uint8Array, check: (bytes: Uint8Array) => void): boolean {
  try {
    check(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * `name` from the cache, else from `fetchBytes` (then cached, or remembered as absent when null).
 * Only what passes `check` is cached; a cached copy that fails it (written by an older version,
 * or damaged) is fetched again, or named as corrupt when offline. Offline, a miss is an error
 * unless the file was remembered as absent.
 */
async function cachedOrFetched(
  hub: HubContext,
  cache: HubCache,
  name: string,
  fetchBytes: () => Promise<Uint8Array | null>,
  check: (bytes: Uint8Array) => void,
): Promise<Uint8Array | null> {
  const cached = cache.read(name);
  if (cached !== null && passes(cached, check)) return cached;
  if (cached !== null && hub.options.offline)
    throw new UserError(
      `${hub.label}: the cached ${name} is corrupt (${cache.root}) and --offline forbids fetching it again; run once without --offline`,
    );
  if (hub.options.offline) {
    if (cache.read(`${name}${ABSENT}`) !== null) return null;
    throw new UserError(
      `${hub.label}: ${name} is not in the cache (${cache.root ?? 'no cache directory'}) and --offline forbids fetching; run once without --offline`,
    );
  }
  const bytes = await fetchBytes();
  if (bytes === null) {
    cache.write(`${name}${ABSENT}`, new Uint8Array(0));
    return null;
  }
  check(bytes);
  cache.write(name, bytes);
  return bytes;
}

/**
 * Bytes asked for past the 8-byte length prefix in the first Range request: most shard headers
 * (a few hundred tensors) fit, so one request reads the whole header.
 */
const SPECULATIVE_HEADER_BYTES = 256 * 1024;

/**
 * The JSON header of a safetensors file: one Range request for the length prefix and a speculative
 * 256 KiB, and a second only for a header longer than that; null when the file is absent.
 */
async function fetchSafetensorsHeader(hub: HubContext, file: string): Promise<Uint8Array | null> {
  const { label } = hub;
  const first = await hubGet(hub, file, [0, 8 + SPECULATIVE_HEADER_BYTES - 1], 8 + SPECULATIVE_HEADER_BYTES);
  if (first === null) return null;
  const length = safetensorsHeaderLength(first, `${label}/${file}`);
  if (8 + length <= first.length) return first.slice(8, 8 + length);
  const header = await hubGet(hub, file, [8, 8 + length - 1], Math.min(length, MAX_SAFETENSORS_HEADER_BYTES));
  if (header === null || header.length < length)
    throw new UserError(`${label}/${file}: truncated safetensors header (${header?.length ?? 0} of ${length} bytes)`);
  return header;
}

/** The cache directory from the environment: $XDG_CACHE_HOME/vram/hub, else ~/.cache/vram/hub. */
export function hubCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : null);
  return base === null ? null : join(base, 'vram', 'hub');
}
