/**
 * Text that echoes user input, made safe to print: a URL's credentials (`https://user:pass@host`)
 * and query values named like secrets (`?token=…`, `&sig=…`) become `***`, and control characters
 * (ANSI escapes, newlines, NUL) are escaped; and the last guard against a token in a message.
 */
import { replaceUrlCredentials } from '../checkpoint/urlCredentials.js';

/** `text` without URL credentials, secret-named query values or control characters. */
export function printable(text: string): string {
  return replaceUrlCredentials(text, '***@')
    .replace(/([?&][^=&\s#]*(?:token|key|secret|password|passwd|sig|auth)[^=&\s#]*=)[^&\s#]*/giu, '$1***')
    .replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `text` with the Hub tokens the environment holds replaced by `***` (a last guard: no message should hold one). */
export function withoutTokens(text: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = text;
  for (const token of [env.HF_TOKEN, env.HUGGING_FACE_HUB_TOKEN]) {
    if (token && token.trim().length >= 4) out = out.split(token.trim()).join('***');
  }
  return out;
}
