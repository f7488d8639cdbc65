/**
 * Searches over a monotone predicate (true up to some n, false after): the most sequences or the
 * longest context a pool holds. Capacity asks each of them at three levels, and for engines whose
 * budget depends on the workload every probe builds a budget, so where the search starts matters.
 */

/** Largest n in [lo, hi] with ok(n), for ok true→false; lo − 1 when even ok(lo) fails. */
export function largest(lo: number, hi: number, ok: (n: number) => boolean): number {
  if (!ok(lo)) return lo - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The largest ok n in (good, bad), given ok(good) and not ok(bad). */
function bisect(good: number, bad: number, ok: (n: number) => boolean): number {
  let [yes, no] = [good, bad];
  while (no - yes > 1) {
    const mid = Math.floor((yes + no) / 2);
    if (ok(mid)) yes = mid;
    else no = mid;
  }
  return yes;
}

/**
 * largest(lo, hi, ok) starting from a guess: it gallops out from the guess (steps 1, 2, 4, …) and
 * bisects the last step, so a close guess costs a few probes where bisecting [lo, hi] costs
 * log2(hi − lo), about 24 budgets of a workload-dependent engine. The same answer for ok true→false.
 */
export function largestFrom(lo: number, hi: number, guess: number, ok: (n: number) => boolean): number {
  if (!Number.isFinite(guess)) return largest(lo, hi, ok);
  const start = Math.min(hi, Math.max(lo, Math.floor(guess)));
  if (ok(start)) {
    for (let good = start, step = 1; ; step *= 2) {
      if (good === hi) return hi;
      const next = Math.min(hi, good + step);
      if (!ok(next)) return bisect(good, next, ok);
      good = next;
    }
  }
  for (let bad = start, step = 1; ; step *= 2) {
    if (bad === lo) return lo - 1;
    const next = Math.max(lo, bad - step);
    if (ok(next)) return bisect(next, bad, ok);
    bad = next;
  }
}
