/**
 * `vram models` and `vram gpus`: the presets and the GPU catalog as tables, markdown or JSON rows.
 */
import { gpuRows, modelRows } from '../plan/catalogs.js';
import type { Format, UnitSystem } from '../plan/common.js';
import { formatBytes, formatCount } from './bytes.js';
import { type Fit, grid } from './grid.js';
import { formatInt } from '../core/units.js';

function renderRows(head: string[], rows: string[][], format: Format, color: boolean, fit: Fit): string {
  return `${grid(
    head,
    rows,
    head.map(() => 'left'),
    format,
    color,
    fit,
  )}\n`;
}

export function renderModels(format: Format, units: UnitSystem, color: boolean, columns: number | null = null): string {
  const rows = modelRows();
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, models: rows }, null, 2)}\n`;
  const head = [
    'id',
    'aliases',
    'family',
    'params',
    'layers',
    'hidden',
    'heads / kv',
    'max ctx',
    'KV / token (16-bit)',
  ];
  const body = rows.map((r) => [
    r.id,
    r.aliases.join(', '),
    r.family,
    r.activeParameterCount === r.parameterCount
      ? formatCount(r.parameterCount)
      : `${formatCount(r.parameterCount)} (${formatCount(r.activeParameterCount)} active)`,
    String(r.layerCount),
    formatInt(r.hiddenSize),
    `${r.attentionHeadCount} / ${r.kvHeadCount}`,
    formatInt(r.maxContextTokens),
    r.kvCacheBytesPerToken === 0 ? '0 (encoder)' : formatBytes(r.kvCacheBytesPerToken, units),
  ]);
  // Too wide for the terminal: the aliases, the family, heads / kv, hidden size, then layers go.
  return renderRows(head, body, format, color, { columns, drop: [1, 2, 6, 5, 4] });
}

export function renderGpus(format: Format, units: UnitSystem, color: boolean, columns: number | null = null): string {
  const rows = gpuRows();
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, gpus: rows }, null, 2)}\n`;
  const head = ['id', 'name', 'marketed', 'reported (MiB)', 'memory', 'aliases'];
  const body = rows.map((r) => [
    r.id,
    r.name,
    String(r.marketedSize),
    `${formatInt(r.reportedMiB)}${r.memoryIsMarketed ? ' (marketed)' : ''}`,
    formatBytes(r.memoryBytes, units),
    r.aliases.join(', '),
  ]);
  // Too wide for the terminal: the aliases, the marketed size, then the name go.
  return renderRows(head, body, format, color, { columns, drop: [5, 2, 1] });
}
