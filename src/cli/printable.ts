/** Escapes control characters (ANSI escapes, newlines, NUL) in text that echoes user input. */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
