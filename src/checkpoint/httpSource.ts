/** A ByteSource over an HTTP(S) URL with Range requests (for GGUF files given as URLs). */
import { UserError } from '../model/errors.js';
import type { ByteSource } from './byteSource.js';

export function httpSource(url: string, token: string | null, timeoutMs = 30_000): ByteSource {
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
        throw new UserError(`${url}: cannot fetch (${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`);
      }
      if (response.status === 416) return new Uint8Array(0);
      if (!response.ok) {
        await response.body?.cancel();
        throw new UserError(`${url}: HTTP ${response.status}${response.status === 401 || response.status === 403 ? ' (set HF_TOKEN for gated or private files)' : ''}`);
      }
      const reader = response.body!.getReader();
      const out = new Uint8Array(length);
      let at = 0;
      // A server that ignores Range sends the whole file from byte 0: skip to `offset`.
      let skip = response.status === 200 ? offset : 0;
      while (at < length) {
        const { done, value } = await reader.read();
        if (done) break;
        let chunk = value;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          chunk = chunk.subarray(dropped);
          skip -= dropped;
        }
        const part = chunk.subarray(0, length - at);
        out.set(part, at);
        at += part.length;
      }
      await reader.cancel();
      return out.subarray(0, at);
    },
  };
}
