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

/** The candidate closest to `input` (case-insensitive), or null when none is close enough. */
export function closestName(input: string, candidates: readonly string[]): string | null {
  const needle = input.toLowerCase();
  if (needle.length < 2) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const hay = candidate.toLowerCase();
    const distance =
      hay.startsWith(needle) || needle.startsWith(hay)
        ? Math.abs(hay.length - needle.length) * 0.5
        : editDistance(needle, hay);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}
