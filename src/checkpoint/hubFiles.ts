/**
 * The files of a Hub repository at a revision, listed as llama.cpp's `-hf` lists them
 * (common/hf-cache.cpp get_repo_files at 80fb11a): `GET {endpoint}/api/models/{repo}/tree/
 * {revision}?recursive=true`, a JSON array of `{ type, path, size, lfs: { size } }`, files only.
 * The Hub pages long listings with a `Link: <…>; rel="next"` header (huggingface_hub
 * utils/_pagination.py), which is followed. Sizes let the GGUF reader check a file is whole.
 */
import { UserError } from '../core/errors.js';
import { errorName } from './errorFields.js';
import { networkCause, readBody } from './httpBody.js';
import { MAX_JSON_BYTES } from './localRepository.js';
import { parseJsonText } from './boundedJson.js';

export interface HubFile {
  /** `/`-separated path in the repository. */
  path: string;
  /** Bytes (the LFS object's for LFS files), or null when the listing has none. */
  size: number | null;
}

export interface HubListOptions {
  repo: string;
  revision: string;
  endpoint: string;
  token: string | null;
  timeoutMs: number;
}

/** Pages followed at most (the Hub gives 1,000 entries or more a page). */
const MAX_PAGES = 100;

/** The `rel="next"` URL of a Link header, or null. */
export function nextPage(link: string | null): string | null {
  const match = link === null ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return match ? (match[1] as string) : null;
}

/** One entry of the listing as a file, or null for a directory or an entry without a path. */
function fileOf(entry: unknown): HubFile | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { type, path, size, lfs } = entry as Record<string, unknown>;
  if (type !== 'file' || typeof path !== 'string') return null;
  const lfsSize = typeof lfs === 'object' && lfs !== null ? (lfs as Record<string, unknown>).size : undefined;
  const bytes = typeof lfsSize === 'number' ? lfsSize : size;
  return { path, size: typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : null };
}

/** GET with the token; a timeout, a network failure or a bad status is a UserError naming `label`. */
async function getPage(url: string, options: HubListOptions, label: string): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'vram', accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    const name = errorName(error);
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new UserError(`${label}: listing the repository's files timed out after ${options.timeoutMs / 1000} s`);
    throw new UserError(
      `${label}: cannot reach ${options.endpoint} (${networkCause(error)}); check the network or HF_ENDPOINT`,
    );
  }
  if (response.ok) return response;
  await response.body?.cancel();
  throw new UserError(statusMessage(response.status, options, label));
}

function statusMessage(status: number, options: HubListOptions, label: string): string {
  if (status === 401 || status === 403)
    return options.token
      ? `${label}: access denied (HTTP ${status}) to the file list with the HF_TOKEN given; accept the model's license on its Hub page, or use a token with access`
      : `${label}: access denied (HTTP ${status}) to the file list: the model is gated or private; set HF_TOKEN to a token with access (https://huggingface.co/settings/tokens) after accepting its license`;
  if (status === 404) return `${label}: no such repository or revision on ${options.endpoint} (HTTP 404)`;
  return `${label}: HTTP ${status} listing the repository's files`;
}

/** The next page's URL, which must be on the same origin as the listing (the token goes with it). */
function sameOrigin(next: string, current: string, label: string): string {
  const url = new URL(next, current);
  if (url.origin !== new URL(current).origin)
    throw new UserError(`${label}: the file list's next page is on another host (${url.origin}); not followed`);
  return url.href;
}

/** Every file of the repository at the revision. */
export async function listHubFiles(options: HubListOptions, label: string): Promise<HubFile[]> {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  let url: string | null =
    `${endpoint}/api/models/${options.repo}/tree/${encodeURIComponent(options.revision)}?recursive=true`;
  const files: HubFile[] = [];
  for (let page = 0; url !== null; page++) {
    if (page === MAX_PAGES) throw new UserError(`${label}: the file list has more than ${MAX_PAGES} pages`);
    const response = await getPage(url, options, label);
    const next = nextPage(response.headers.get('link'));
    const body = await readBody(response, 0, MAX_JSON_BYTES + 1, `${label} file list`, options.timeoutMs);
    if (body.length > MAX_JSON_BYTES) throw new UserError(`${label}: a page of the file list is larger than 16 MiB`);
    const entries = parseJsonText(new TextDecoder().decode(body), `${label} file list`);
    if (!Array.isArray(entries)) throw new UserError(`${label}: the file list is not a JSON array`);
    for (const entry of entries) {
      const file = fileOf(entry);
      if (file !== null) files.push(file);
    }
    url = next === null ? null : sameOrigin(next, url, label);
  }
  return files;
}

/** The URL a file is downloaded from: `{endpoint}/{repo}/resolve/{revision}/{path}`, each part encoded. */
export function hubFileUrl(options: Pick<HubListOptions, 'endpoint' | 'repo' | 'revision'>, path: string): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `${options.endpoint.replace(/\/+$/, '')}/${options.repo}/resolve/${encodeURIComponent(options.revision)}/${encoded}`;
}
