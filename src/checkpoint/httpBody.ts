/** Reading HTTP bodies within limits, and naming network failures, for the Hub and GGUF URLs. */
import { UserError } from '../core/errors.js';
import { errorCode, errorMessage, errorName } from './errorFields.js';

/** The code behind a fetch failure (ECONNREFUSED, ENOTFOUND…), digging through undici's causes. */
export function networkCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  // Happy eyeballs fails with an AggregateError: one error per address tried.
  const first = cause instanceof AggregateError ? cause.errors[0] : undefined;
  return errorCode(cause) ?? errorCode(first) ?? cause?.message ?? errorMessage(error);
}

/** Reads `maxBytes` of a body after skipping `skip` bytes; a broken or stalled stream is a user error. */
export async function readBody(
  response: Response,
  skip: number,
  maxBytes: number,
  label: string,
  timeoutMs: number,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const out = new Uint8Array(maxBytes);
  let at = 0;
  let toSkip = skip;
  try {
    while (at < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = value;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, chunk.length);
        chunk = chunk.subarray(dropped);
        toSkip -= dropped;
      }
      const part = chunk.subarray(0, maxBytes - at);
      out.set(part, at);
      at += part.length;
    }
  } catch (error) {
    const name = errorName(error);
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new UserError(`${label}: timed out after ${timeoutMs / 1000} s while reading`);
    throw new UserError(`${label}: the connection broke while reading (${networkCause(error)})`);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, at);
}
