/**
 * Byte units and exact integer helpers.
 *
 * Binary units (GiB = 2^30 B) and decimal units (GB = 10^9 B) are kept apart: the core works in
 * exact integer bytes only, and a renderer chooses the unit. Every byte count the core returns is
 * checked to be a safe integer (< 2^53), so no figure is silently rounded by floating point.
 */

import { ExactnessError } from './errors.js';

export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;
export const TIB = 1024 ** 4;
export const KB = 1e3;
export const MB = 1e6;
export const GB = 1e9;
export const TB = 1e12;

/** Returns `value` after checking it is a non-negative safe integer. */
export function exact(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ExactnessError(what);
  return value;
}

/** Integer division rounded up, for non-negative safe integers. */
export function ceilDiv(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  return numerator - quotient * denominator > 0 ? quotient + 1 : quotient;
}

/** ceil(value × numerator / denominator) computed exactly (in doubles while that is exact, else BigInt), for shares like 15 % or 12.5 %. */
export function ceilShare(value: number, numerator: number, denominator: number, what: string): number {
  // In doubles while the sum stays a safe integer (the usual case): the floor of a correctly
  // rounded quotient of two integers below 2^53 is exact. BigInt otherwise.
  const top = value * numerator + denominator - 1;
  if (Number.isSafeInteger(value) && Number.isSafeInteger(numerator) && Number.isSafeInteger(top) && denominator > 0)
    return exact(Math.floor(top / denominator), what);
  const product = BigInt(value) * BigInt(numerator);
  const result = (product + BigInt(denominator) - 1n) / BigInt(denominator);
  return exact(Number(result), what);
}

/** Checks that a count is a positive safe integer (library callers skip the CLI's validation). */
export function positiveCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/** Thousands-separated integer, e.g. 327680 -> "327,680" (used in substituted formulas). */
export function formatInt(value: number): string {
  const digits = Math.round(value).toString();
  const start = digits.charCodeAt(0) === 45 ? 1 : 0; // after a minus sign
  if (digits.length - start <= 3 || digits.includes('e')) return digits;
  let head = start + ((digits.length - start) % 3 || 3);
  let text = digits.slice(0, head);
  for (; head < digits.length; head += 3) text += `,${digits.slice(head, head + 3)}`;
  return text;
}
