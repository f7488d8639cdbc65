/**
 * The default table for people: component, size, share and formula, a total row, a bar of the
 * shares, then the fit verdict (with --gpu) and the working (with --explain).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { type Align, grid } from './grid.js';
import type { UnitSystem } from '../plan/common.js';
import type { BreakdownPlan } from '../plan/trainingPlan.js';
import type { ComponentId } from '../core/component.js';
import { formatBytes, formatShare } from './bytes.js';
import { breakdownColumns, gpuBytes, hostBytes } from './breakdownColumns.js';
import type { Component } from '../core/component.js';
import {
  assumptionLines,
  basisLabel,
  catalogHeading,
  catalogRows,
  FEWEST_GPUS_HEADING,
  FEWEST_GPUS_HINT,
  fewestGpuLines,
  fitRows,
  headingLine,
} from './summaryLines.js';
import { formatInt } from '../core/units.js';
import { llamaCppLines } from './llamaCppText.js';

export interface TextOptions {
  units: UnitSystem;
  color: boolean;
  explain: boolean;
  /** The terminal's width: the formula (or basis) column goes when the table is wider. */
  columns?: number | null;
}

/** Width of the share bar in characters. */
const BAR_WIDTH = 60;

const BAR_STYLE: Readonly<
  Record<ComponentId, { mark: string; color: 'blue' | 'magenta' | 'yellow' | 'cyan' | 'green' | 'gray' }>
> = {
  weights: { mark: 'W', color: 'blue' },
  kv_cache: { mark: 'K', color: 'magenta' },
  recurrent_state: { mark: 'R', color: 'magenta' },
  vision_weights: { mark: 'V', color: 'blue' },
  vision_activations: { mark: 'v', color: 'yellow' },
  activations: { mark: 'A', color: 'yellow' },
  gradients: { mark: 'G', color: 'cyan' },
  optimizer_states: { mark: 'O', color: 'green' },
  framework_buffers: { mark: 'F', color: 'cyan' },
  allocator_cache: { mark: 'c', color: 'gray' },
  compute_buffer: { mark: 'A', color: 'yellow' },
  output_buffer: { mark: 'o', color: 'gray' },
  overhead: { mark: '+', color: 'gray' },
};

/** Splits BAR_WIDTH cells over the components by largest remainder, so the bar always sums up. */
function barCells(bytes: readonly number[], total: number): number[] {
  if (total === 0) return bytes.map(() => 0);
  const exact = bytes.map((b) => (b * BAR_WIDTH) / total);
  const cells = exact.map(Math.floor);
  const left = BAR_WIDTH - cells.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder);
  const extra = new Set(order.slice(0, left).map(({ index }) => index));
  return cells.map((cell, index) => (extra.has(index) ? cell + 1 : cell));
}

/** The bytes a share is taken of: the GPU's, or the host's in a CPU-only llama.cpp run. */
function shareBytes(report: BreakdownPlan): (c: Component) => number {
  return report.mode === 'inference' && report.llamaCpp && report.inputs.gpus === 0 ? hostBytes : gpuBytes;
}

function shareBar(report: BreakdownPlan, chalk: ChalkInstance, color: boolean): string {
  const { components } = report.estimate;
  const share = shareBytes(report);
  const cells = barCells(
    components.map(share),
    components.reduce((sum, c) => sum + share(c), 0),
  );
  const cellsOf = (i: number) => cells[i] ?? 0;
  const bar = components
    .map((c, i) => {
      const style = BAR_STYLE[c.id];
      return color ? chalk[style.color]('█'.repeat(cellsOf(i))) : style.mark.repeat(cellsOf(i));
    })
    .join('');
  const legend = components
    .filter((_c, i) => cellsOf(i) > 0)
    .map((c) => `${color ? chalk[BAR_STYLE[c.id].color]('█') : BAR_STYLE[c.id].mark} ${c.label.toLowerCase()}`)
    .join('  ');
  return `[${bar}]\n ${legend}`;
}

export function renderEstimateText(report: BreakdownPlan, options: TextOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const { components } = report.estimate;
  const columns = breakdownColumns(report);
  const share = shareBytes(report);
  const perGpuTotal = report.estimate.components.reduce((sum, c) => sum + share(c), 0);
  const head = [...columns.map((c) => c.head), 'Share', options.explain ? 'Basis' : 'Formula'];
  const align: Align[] = [...columns.map((_c, i): Align => (i === 0 ? 'left' : 'right')), 'right', 'left'];
  const table: string[][] = [];
  for (const c of components) {
    table.push([
      ...columns.map((column) => column.cell(c, options.units)),
      formatShare(share(c), perGpuTotal),
      options.explain ? basisLabel(c, options.units) : c.expression,
    ]);
  }
  table.push([
    chalk.bold('Total'),
    ...columns.slice(1).map((column) => chalk.bold(column.total(report, options.units))),
    '100.0%',
    '',
  ]);

  const fitTo = { columns: options.columns ?? null, drop: [head.length - 1] };
  const drawn = grid(head, table, align, 'table', options.color, fitTo);
  const out = [chalk.bold(headingLine(report)), drawn, shareBar(report, chalk, options.color)];
  if (report.mode === 'inference' && report.llamaCpp) out.push('', ...llamaCppLines(report.llamaCpp, options.units));
  const fit = fitRows(report, options.units);
  if (report.fit && fit.length > 0) {
    const width = Math.max(...fit.map(([label]) => label.length));
    const verdict = report.fit.fits ? chalk.green('fits') : chalk.red('does not fit');
    out.push('', chalk.bold(`Fit: ${verdict}`), ...fit.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`));
  }
  const catalog = catalogRows(report, options.units);
  if (catalog.length > 0) {
    const head = ['GPU', 'memory', 'fits', 'required per GPU', 'fewest GPUs'];
    const align: Align[] = ['left', 'right', 'left', 'right', 'right'];
    const gpus = grid(head, catalog, align, 'table', options.color, { columns: options.columns ?? null, drop: [1] });
    out.push('', chalk.bold(catalogHeading(report)), gpus);
  }
  const fewest = fewestGpuLines(report, options.units);
  if (fewest.length > 0) out.push('', chalk.bold(FEWEST_GPUS_HEADING), ...fewest, chalk.dim(FEWEST_GPUS_HINT));
  if (options.explain) {
    out.push('', chalk.bold('Working'));
    for (const c of components) {
      out.push(
        `  ${chalk.bold(c.label)}: ${formatBytes(gpuBytes(c), options.units)} = ${formatInt(gpuBytes(c))} B${c.bytesPerGpu !== undefined && report.inputs.gpus > 1 ? ' per GPU' : ''} [${basisLabel(c, options.units)}]`,
      );
      out.push(`    = ${c.formula}`);
      for (const note of c.notes) out.push(`    · ${note}`);
    }
    out.push('', chalk.bold('Assumptions'), ...assumptionLines(report).map((line) => `  · ${line}`));
  }
  return `${out.join('\n')}\n`;
}
