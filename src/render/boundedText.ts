/**
 * Messages that may quote user input (warnings, errors) are bounded: a 10 MB model_type or a
 * million-element list is not echoed whole, to the terminal or into JSON.
 */
/** Longest run of non-space characters a message shows; longer runs are user input, cut. */
const MAX_RUN = 80;
/** Longest message line, whatever its content. */
const MAX_LINE = 1000;

/**
 * A message bounded in length: each run of more than MAX_RUN non-space characters (a quoted
 * value, a JSON array, a path) keeps its first 60 and says how long it was, and the whole text
 * stops at MAX_LINE characters.
 */
export function bounded(text: string): string {
  let out = '';
  let runStart = 0;
  // One pass, no regular expression: a 10 MB run would overflow the regex engine's stack.
  for (let i = 0; i <= text.length && out.length < MAX_LINE; i++) {
    if (i < text.length && !/\s/u.test(text[i] ?? '')) continue;
    const run = text.slice(runStart, i);
    out += run.length > MAX_RUN ? `${run.slice(0, 60)}…(${run.length} chars)` : run;
    if (i < text.length) out += text[i];
    runStart = i + 1;
  }
  return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE - 1)}…` : out;
}
