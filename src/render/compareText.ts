/**
 * `vram compare` as a table (or markdown) and as JSON: one row per model and setting, the memory
 * by part, and with --gpu the fewest GPUs that hold each row.
 */
import type { Format, UnitSystem } from '../plan/common.js';
import type { ComparePlan, CompareRow } from '../plan/compare.js';
import { formatInt } from '../core/units.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { bounded } from './boundedText.js';
import { formatBytes } from './bytes.js';
import { type Align, grid } from './grid.js';
import { deploymentShape } from './summaryLines.js';

function fitCell(row: CompareRow): string {
  if (row.gpu === null) return '';
  if (row.deployment === null) return `none (${row.gpu})`;
  return `${formatInt(row.deployment.gpuCount)} × ${row.gpu} (${deploymentShape(row.deployment)})`;
}

export function renderCompare(
  plan: ComparePlan,
  format: Format,
  units: UnitSystem,
  color: boolean,
  columns: number | null = null,
): string {
  const withGpu = plan.rows.some((row) => row.gpu !== null);
  const head = ['model', 'dtype', 'KV dtype', 'ctx', 'users', 'weights', 'KV cache', 'activations', 'other', 'total'];
  const align: Align[] = ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'];
  const rows = plan.rows.map((row) => [
    row.model,
    row.dtype ?? 'as stored',
    row.kvDtype,
    formatInt(row.ctx),
    formatInt(row.users),
    formatBytes(row.weightsBytes, units),
    formatBytes(row.kvCacheBytes, units),
    formatBytes(row.activationsBytes, units),
    formatBytes(row.otherBytes, units),
    formatBytes(row.totalBytes, units),
    ...(withGpu ? [fitCell(row)] : []),
  ]);
  // Too wide for the terminal: the other memory, then the activations, then the KV dtype go.
  const fit = { columns, drop: [8, 7, 2] };
  const table = grid(
    withGpu ? [...head, 'fewest GPUs'] : head,
    rows,
    withGpu ? [...align, 'right'] : align,
    format,
    color,
    fit,
  );
  return `${table}\n`;
}

/** The `vram compare --format json` document. */
export function compareJson(plan: ComparePlan) {
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    rows: plan.rows,
    warnings: plan.warnings.map(bounded),
  };
}

/** The `vram compare --format json` document. */
export type CompareJson = ReturnType<typeof compareJson>;
