/**
 * A URL's `user:password@` part, wherever it appears in a text: masked in messages, dropped from
 * cache paths, so that no credential is printed or written to disk.
 */

/** `text` with each URL's `user:password@` replaced by `replacement` (`***@` to show it was there, '' to drop it). */
export function replaceUrlCredentials(text: string, replacement: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/giu, `$1${replacement}`);
}
