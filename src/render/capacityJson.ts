/**
 * `vram capacity --format json` (schemaVersion 1): per-GPU rows in bytes, the KV pool in bytes and
 * tokens, maximum concurrency and context, the GPU count needed, the verdict and every heuristic
 * term's low/expected/high. Fields may be added; renaming or removing one needs a new schemaVersion.
 */
import type { CapacityPlan } from '../plan/capacity.js';
import type { Verdict } from '../core/serving/capacity.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { bounded } from './boundedText.js';

const VERDICT_TEXT: Record<Verdict, string> = {
  yes: 'fits at the high end of every range',
  'expected-only': 'fits only at the expected values',
  no: 'does not fit',
};

/**
 * A row's range, smallest first. The budget takes each heuristic term at its low and at its high
 * end; a derived row (the KV pool: memory minus the rest) is largest when the terms are lowest,
 * so its two ends swap here: low ≤ expected ≤ high always.
 */
function orderedRange(bytes: { low: number; expected: number; high: number }): { lowBytes: number; highBytes: number } {
  return { lowBytes: Math.min(bytes.low, bytes.high), highBytes: Math.max(bytes.low, bytes.high) };
}

/** The heuristic rows' { low, expected, high }, each ordered. */
function termRanges(
  rows: readonly { id: string; basis: string; bytes: { low: number; expected: number; high: number } }[],
) {
  return Object.fromEntries(
    rows
      .filter((row) => row.basis !== 'exact')
      .map((row) => {
        const { lowBytes, highBytes } = orderedRange(row.bytes);
        return [row.id, { low: lowBytes, expected: row.bytes.expected, high: highBytes }];
      }),
  );
}

/** The JSON document of a capacity plan (see the docblock). */
export function capacityJson(report: CapacityPlan) {
  const c = report.capacity;
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    engine: report.engine,
    model: {
      id: report.model.id,
      source: report.model.source,
      modelType: report.model.arch.modelType,
      parameterCount: report.model.parameterCount,
    },
    inputs: report.inputs,
    gpu: report.target?.id ?? null,
    gpuName: report.target?.name ?? null,
    gpuCount: report.target ? report.stageGpuCount : null,
    pipelineStages: report.pipelineStages,
    dataParallel: report.deployment.dataParallel,
    totalGpuCount: report.target ? report.deployment.gpuCount : null,
    gpuMemoryBytes: report.target?.memoryBytes ?? null,
    perGpu:
      c?.budget.rows.map((row) => ({
        id: row.id,
        label: row.label,
        bytes: row.bytes.expected,
        range: orderedRange(row.bytes),
        formula: row.formula,
        basis: row.basis,
        ...(row.hostBytes === undefined ? {} : { hostBytes: row.hostBytes }),
      })) ?? null,
    kvBytesPerTokenPerGpu: c?.kvBytesPerTokenPerGpu ?? null,
    kvCacheBytes: c?.kvCacheBytes.expected ?? null,
    kvCacheTokens: c?.kvCacheTokens.expected ?? null,
    maxConcurrency: c?.maxConcurrency.expected ?? null,
    maxContextTokens: c?.maxContextTokens.expected ?? null,
    minGpuCount: report.minGpuCount,
    minTensorParallel: report.minStageGpuCount,
    fits: c === null ? null : c.fits !== 'no',
    fitsVerdict: c?.fits ?? null,
    fitsText: c === null ? null : VERDICT_TEXT[c.fits],
    refusal: c?.refusal ?? null,
    ranges:
      c === null
        ? null
        : {
            kvCacheBytes: c.kvCacheBytes,
            kvCacheTokens: c.kvCacheTokens,
            maxConcurrency: c.maxConcurrency,
            maxContextTokens: c.maxContextTokens,
            terms: termRanges(c.budget.rows),
          },
    sweeps: report.sweeps,
    ...(report.gpus
      ? {
          gpus: report.gpus.map((g) => ({
            gpu: g.gpu,
            name: g.name,
            memoryBytes: g.memoryBytes,
            minGpuCount: g.minGpuCount,
          })),
        }
      : {}),
    notes: c?.budget.notes ?? [],
    warnings: report.warnings.map(bounded),
  };
}

/** The `vram capacity --format json` document. */
export type CapacityJson = ReturnType<typeof capacityJson>;
