/** A ByteSource over an HTTP(S) URL with Range requests (for GGUF files given as URLs). */
import { UserError } from '../core/errors.js';
import type { ByteSource } from './byteSource.js';
import { errorName } from './errorFields.js';
import { networkCause, readBody } from './httpBody.js';

/** Most header bytes read from a URL (GGUF metadata with a large vocabulary is tens of MiB). */
export const MAX_REMOTE_HEADER_BYTES = 256 * 1024 * 1024;

export function httpSource(url: string, token: string | null, timeoutMs = 30_000): ByteSource {
  let total = 0;
  return {
    label: url,
    size: null,
    read: async (offset, length) => {
      const headers: Record<string, string> = { range: `bytes=${offset}-${offset + length - 1}`, 'user-agent': 'vram' };
      if (token) headers.authorization = `Bearer ${token}`;
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        if (errorName(error) === 'TimeoutError') throw new UserError(`${url}: timed out after ${timeoutMs / 1000} s`);
        throw new UserError(`${url}: cannot fetch (${networkCause(error)})`);
      }
      if (response.status === 416) return new Uint8Array(0);
      if (!response.ok) {
        await response.body?.cancel();
        throw new UserError(
          `${url}: HTTP ${response.status}${response.status === 401 || response.status === 403 ? ' (set HF_TOKEN for gated or private files)' : ''}`,
        );
      }
      total += length;
      if (total > MAX_REMOTE_HEADER_BYTES)
        throw new UserError(`${url}: the header needs more than 256 MiB; not a model file vram can read`);
      // A server that ignores Range sends the whole file from byte 0: skip to `offset`.
      const out = await readBody(response, response.status === 200 ? offset : 0, length, url, timeoutMs);
      return out;
    },
  };
}
