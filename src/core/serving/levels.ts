/** Small helpers for values given at the low, expected and high ends of their heuristic terms. */
import type { LowExpectedHigh } from '../overhead.js';
import type { Level } from './types.js';

export function atLevels(value: (level: Level) => number): LowExpectedHigh {
  return { low: value('low'), expected: value('expected'), high: value('high') };
}

export function same(value: number): LowExpectedHigh {
  return { low: value, expected: value, high: value };
}

/** a − b − c … level by level (the KV pool is what the other rows leave). */
export function minus(total: LowExpectedHigh, ...parts: LowExpectedHigh[]): LowExpectedHigh {
  return atLevels((level) => parts.reduce((rest, part) => rest - part[level], total[level]));
}
