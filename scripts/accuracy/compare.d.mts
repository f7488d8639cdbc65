/** Types of compare.mjs (the accuracy comparison shared by `npm run accuracy` and test/accuracy.test.ts). */
export interface MeasuredCase {
  id: string;
  kind: string;
  vramCommand?: string;
  error?: unknown;
  skipped?: unknown;
  /** Why the case is kept but not counted (its own source contradicts it). */
  excluded?: string;
  measured?: {
    maxAllocatedBytes?: number;
    baselineAllocatedBytes?: number;
    reservedBytes?: number;
    kvCacheTokens?: number;
    processBytes?: number;
  } | null;
}
export interface ComparisonRow {
  measured: number;
  estimate: number;
  low: number | null;
  high: number | null;
  metric: string;
}
export interface KindStatistics {
  kind: string;
  count: number;
  medianAbsError: number;
  maxAbsError: number;
  shareUnder: number;
  shareInsideRange: number | null;
}
export function argvOf(command: string): string[];
export function comparison(testCase: MeasuredCase, json: unknown): ComparisonRow | null;
export function signedError(row: ComparisonRow): number;
export function statistics(rows: (ComparisonRow & { kind: string })[]): KindStatistics[];
/** The pooled groups the issue targets: every training peak, every engine KV pool. */
export function pooledStatistics(rows: (ComparisonRow & { kind: string })[]): KindStatistics[];
