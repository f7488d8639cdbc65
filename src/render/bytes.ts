/**
 * Byte formatting for people. Binary units (KiB…GiB, 2^10 steps) and decimal units (kB…GB, 10^3
 * steps) are never mixed; the largest unit is GiB/GB so GPU-sized figures stay comparable.
 */
import type { UnitSystem } from '../plan/common.js';
import { formatInt } from '../core/units.js';

const BINARY = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
] as const;
const DECIMAL = [
  ['GB', 1e9],
  ['MB', 1e6],
  ['kB', 1e3],
] as const;

function groupThousands(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** e.g. 137953296384 -> "128.48 GiB" (gib) or "137.95 GB" (gb); 0 -> "0 B". */
export function formatBytes(bytes: number, units: UnitSystem): string {
  const sign = bytes < 0 ? '-' : '';
  const magnitude = Math.abs(bytes);
  for (const [label, size] of units === 'gib' ? BINARY : DECIMAL) {
    // Round first, so 2^30 − 1 B reads "1.00 GiB" rather than "1,024.00 MiB"; below 1 KiB stay exact.
    const text = (magnitude / size).toFixed(2);
    if (Number(text) >= 1 && (size > 1024 || magnitude >= size)) return `${sign}${groupThousands(text)} ${label}`;
  }
  return `${sign}${magnitude} B`;
}

/** Share of a total as a percentage with one decimal, e.g. "54.3%". */
export function formatShare(part: number, total: number): string {
  return total === 0 ? '0.0%' : `${((100 * part) / total).toFixed(1)}%`;
}

/** e.g. 6738415616 -> "6.74B". */
export function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  return formatInt(count);
}
