/**
 * The installed names nearest a name that is not installed, for the one-line error of a local
 * model store (Ollama, LM Studio): ranked by edit distance without case, ties broken by the longer
 * shared start (a family and its version), then by name.
 */
import { editDistance } from '../core/suggest.js';

/** Names listed in one error at most. */
export const NEAREST_LISTED = 5;

function sharedStart(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Up to `count` of `names`, nearest `wanted` first. */
export function nearestNames(wanted: string, names: readonly string[], count = NEAREST_LISTED): string[] {
  const needle = wanted.toLowerCase();
  return names
    .map((name) => ({ name, folded: name.toLowerCase() }))
    .map((entry) => ({
      ...entry,
      distance: editDistance(needle, entry.folded),
      shared: sharedStart(needle, entry.folded),
    }))
    .sort((a, b) => a.distance - b.distance || b.shared - a.shared || (a.name < b.name ? -1 : 1))
    .slice(0, count)
    .map((entry) => entry.name);
}

/**
 * `; nearest installed: a, b, c (12 installed)`, each name with `prefix` (`ollama:`), or
 * `; none is installed` when there are none.
 */
export function installedHint(wanted: string, names: readonly string[], prefix: string): string {
  if (names.length === 0) return '; none is installed';
  const nearest = nearestNames(wanted, names).map((name) => `${prefix}${name}`);
  const all = names.length > nearest.length ? ` (${names.length} installed)` : '';
  return `; nearest installed: ${nearest.join(', ')}${all}`;
}
