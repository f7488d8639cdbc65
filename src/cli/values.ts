/**
 * Parsers for option values: token counts, sizes, percentages, `--set` pairs.
 * Each returns the parsed value or throws a ValueError whose message the caller prefixes with the
 * flag name.
 */
import { GB, GIB, KB, KIB, MB, MIB, TB, TIB, formatInt } from '../core/units.js';
import { ValueError } from '../core/errors.js';
import type { OverheadSpec } from '../core/overhead.js';
import { ownValue } from '../core/ownKey.js';
import { checkJsonDepth } from '../checkpoint/boundedJson.js';

/** Largest context accepted: 16,777,216 tokens (16384k). */
export const MAX_CONTEXT_TOKENS = 2 ** 24;

/** `32k` = 32,768 (k = 1024), `4096` as given, `1m` = 1,048,576. */
export function parseTokenCount(raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(raw);
  if (!match) throw new ValueError(`"${raw}" is not a token count (use an integer like 4096, or 32k for 32,768)`);
  const suffix = (match[2] ?? '').toLowerCase();
  const scale = suffix === '' ? 1 : suffix === 'k' ? 1024 : 1024 * 1024;
  const value = Number(match[1]) * scale;
  if (!Number.isInteger(value)) throw new ValueError(`"${raw}" is not a whole number of tokens`);
  if (value < 1) throw new ValueError(`"${raw}" must be at least 1 token`);
  if (value > MAX_CONTEXT_TOKENS)
    throw new ValueError(`"${raw}" is more than the ${formatInt(MAX_CONTEXT_TOKENS)} tokens vram accepts`);
  return value;
}

/** A positive integer no larger than `max`. */
export function parseCount(raw: string, max: number): number {
  if (!/^\s*\d+\s*$/.test(raw)) throw new ValueError(`"${raw}" is not a positive integer`);
  const value = Number(raw);
  if (value < 1) throw new ValueError(`"${raw}" must be at least 1`);
  if (value > max) throw new ValueError(`"${raw}" is more than the ${formatInt(max)} allowed`);
  return value;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: KIB,
  mib: MIB,
  gib: GIB,
  tib: TIB,
  kb: KB,
  mb: MB,
  gb: GB,
  tb: TB,
};

/** `1.5GiB`, `512 MiB`, `2GB`, `1000000` (bytes) -> exact bytes (rounded up to a whole byte). */
export function parseSize(raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  // A bare number is refused, not read as bytes: `--overhead 1.5` meant GiB, not 2 bytes.
  if (match && match[2] === '')
    throw new ValueError(`"${raw}" has no unit (use e.g. ${match[1]}GiB or ${match[1]}GB; bytes are ${match[1]}B)`);
  const unit = match ? (match[2] ?? '').toLowerCase() : '';
  const scale = ownValue(SIZE_UNITS, unit);
  if (!match || scale === undefined) {
    throw new ValueError(
      `"${raw}" is not a size (use a number with B, KiB, MiB, GiB, TiB, KB, MB, GB or TB, e.g. 1.5GiB)`,
    );
  }
  const value = Math.ceil(Number(match[1]) * scale);
  if (!Number.isSafeInteger(value)) throw new ValueError(`"${raw}" is too large`);
  return value;
}

/** `10%` (a share of all other components, at most two decimals) or a size. */
export function parseOverhead(raw: string): OverheadSpec {
  const percent = /^\s*(\d+(?:\.\d{1,2})?)\s*%\s*$/.exec(raw);
  if (percent) {
    const basisPoints = Math.round(Number(percent[1]) * 100);
    if (basisPoints > 100_000) throw new ValueError(`"${raw}" is more than 1000%`);
    return { kind: 'percent', basisPoints };
  }
  if (raw.includes('%')) throw new ValueError(`"${raw}" is not a percentage (use e.g. 10% or 12.5%)`);
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(raw))
    throw new ValueError(`"${raw}" has no unit: a share (${raw.trim()}%) or a size (${raw.trim()}GiB)?`);
  try {
    return { kind: 'fixed', bytes: parseSize(raw) };
  } catch {
    throw new ValueError(`"${raw}" is not a percentage or a size (use e.g. 10% or 1.5GiB)`);
  }
}

/** `field=value`: the value is read as JSON when it parses (numbers, true, null), else as a string. */
export function parseSetPair(raw: string): [string, unknown] {
  const index = raw.indexOf('=');
  const field = index < 0 ? '' : raw.slice(0, index).trim();
  if (index < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
    throw new ValueError(`"${raw}" is not field=value (e.g. num_key_value_heads=64)`);
  }
  const text = raw.slice(index + 1).trim();
  if (text === '') throw new ValueError(`"${raw}" has no value after "="`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [field, text];
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ValueError(`"${raw}" is not a finite number`);
  checkJsonDepth(value, `--set ${field}`);
  return [field, value];
}

/** A fraction in (0, 1], e.g. 0.9 (for --gpu-memory-utilization and the engines' memory fractions). */
export function parseFraction(raw: string): number {
  // Decimal only: Number() would also take 0x1, 1e0 and " 1 ".
  const value = /^\d*\.?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw new ValueError(`"${raw}" is not a decimal number (e.g. 0.9)`);
  if (value <= 0 || value > 1) throw new ValueError(`"${raw}" must be greater than 0 and at most 1`);
  return value;
}

/** A comma-separated list, each item parsed by `parse`, e.g. "4k,8k,32k". */
export function parseList<T>(raw: string, parse: (item: string) => T): T[] {
  const items = raw.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === ''))
    throw new ValueError(`"${raw}" is not a comma-separated list (e.g. 4k,8k,32k)`);
  if (items.length > 64) throw new ValueError(`"${raw}" has more than 64 items`);
  return items.map(parse);
}
