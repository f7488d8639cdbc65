/**
 * Closest-name suggestion for typos: Levenshtein distance, accepted when it is small relative to
 * the name (at most max(2, a third of its length)), or when one name is a prefix of the other.
 */

export function editDistance(a: string, b: string): number {
  // One row of the table, updated in place; `left` and `diagonal` carry the cells the update overwrites.
  // Every index stays within 0..b.length, so the `?? 0` defaults never apply.
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = i - 1;
    let left = i;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      left = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous[j] = left;
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** A name without case and separators: `rtx5090`, `RTX-5090` and `rtx_5090` are one name. */
function folded(name: string): string {
  return name.toLowerCase().replace(/[-_.\s/]/g, '');
}

/** Characters two names share from the start (a family and its version: llama3 is nearer llama-3.1 than llama-2). */
function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The candidate closest to `input`, compared without case and separators, or null when none is
 * close enough. A name equal to a candidate once folded is that candidate; among equally distant
 * candidates the one sharing the longest start wins (model families and versions).
 */
export function closestName(input: string, candidates: readonly string[]): string | null {
  const needle = folded(input);
  if (needle.length < 2) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  let bestShared = -1;
  for (const candidate of candidates) {
    const hay = folded(candidate);
    if (hay === needle) return candidate;
    const distance =
      hay.startsWith(needle) || needle.startsWith(hay)
        ? Math.abs(hay.length - needle.length) * 0.5
        : editDistance(needle, hay);
    const shared = sharedPrefix(needle, hay);
    if (distance < bestDistance || (distance === bestDistance && shared > bestShared)) {
      bestDistance = distance;
      bestShared = shared;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}
