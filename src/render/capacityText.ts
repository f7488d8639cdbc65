/**
 * `vram capacity` for people: the per-GPU budget with ranges, what the KV pool holds, the verdict,
 * sweeps as tables with a bar chart, and the catalog table.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { CapacityPlan } from '../plan/capacity.js';
import type { Format, UnitSystem } from '../plan/common.js';
import type { Outcome } from '../core/serving/capacity.js';
import { formatInt } from '../core/units.js';
import { formatBytes } from './bytes.js';
import { grid } from './grid.js';

/** Width of the sweep charts' bars. */
const CHART_WIDTH = 40;

function concurrencyText(value: number): string {
  return value >= 100 ? formatInt(Math.floor(value)) : value.toFixed(2);
}

function outcomeText(outcome: Outcome, show: (value: number) => string): string {
  return outcome.worst === outcome.best
    ? show(outcome.expected)
    : `${show(outcome.expected)} (${show(outcome.worst)} – ${show(outcome.best)})`;
}

function chart(labels: string[], values: number[], show: (value: number) => string): string {
  const max = Math.max(...values, 1e-9);
  const width = Math.max(...labels.map((l) => l.length));
  return labels
    .map((label, i) => {
      const value = values[i] ?? 0;
      return `  ${label.padStart(width)} │${'█'.repeat(Math.round((value / max) * CHART_WIDTH))} ${show(value)}`;
    })
    .join('\n');
}

/** The heading: model, deployment, engine and workload. */
function headingText(report: CapacityPlan, bytes: (b: number) => string): string {
  const { target, inputs, pipelineStages: stages, deployment } = report;
  const replicas = deployment.dataParallel > 1 ? `${deployment.dataParallel} replicas of ` : '';
  const where = target
    ? `${replicas}${report.stageGpuCount}${stages > 1 ? ` × ${stages} pipeline stages` : ''} × ${target.name} (${bytes(target.memoryBytes)} each)`
    : 'each catalog GPU';
  return `${report.model.id} on ${where}, engine ${report.engine}, ${formatInt(inputs.ctx)} tokens × ${formatInt(inputs.users)} ${inputs.users === 1 ? 'user' : 'users'}`;
}

/** The fewest-GPUs line. */
function fewestText(report: CapacityPlan, gpuId: string): string {
  const { minGpuCount, minStageGpuCount, pipelineStages: stages, deployment } = report;
  if (minGpuCount === null || minStageGpuCount === null) return 'none up to the largest valid tensor-parallel size';
  if (report.engine === 'llama.cpp')
    return `${minGpuCount} × ${gpuId} (layers split over them${deployment.dataParallel > 1 ? `, × ${deployment.dataParallel} replicas` : ''})`;
  if (stages > 1 || deployment.dataParallel > 1) {
    const replicas = deployment.dataParallel > 1 ? ` × ${deployment.dataParallel} replicas` : '';
    return `${minGpuCount} × ${gpuId} (tensor-parallel ${minStageGpuCount} × ${stages} pipeline stage${stages > 1 ? 's' : ''}${replicas})`;
  }
  return `${minGpuCount} × ${gpuId} (tensor-parallel sizes divide the attention heads)`;
}

interface Style {
  chalk: ChalkInstance;
  bytes: (b: number) => string;
  format: Format;
  color: boolean;
  /** The terminal's width (null: none): the budget's formula, then its range, go when the table is wider. */
  columns: number | null;
}

/** The per-GPU budget table and the capacity lines under it. */
function budgetSection(report: CapacityPlan, { chalk, bytes, format, color, columns }: Style): string[] {
  const { target, capacity: c, inputs } = report;
  if (!target || !c) return [];
  const out: string[] = [];
  const totalGpus = report.deployment.gpuCount;
  out.push(
    grid(
      ['Per GPU', 'Expected', 'Range', 'Formula'],
      c.budget.rows.map((row) => {
        // Terms read low – high; what they leave (the pool) reads worst – best, i.e. at their high – low ends.
        const [from, to] = row.basis === 'derived' ? [row.bytes.high, row.bytes.low] : [row.bytes.low, row.bytes.high];
        return [row.label, bytes(row.bytes.expected), from === to ? '' : `${bytes(from)} – ${bytes(to)}`, row.formula];
      }),
      ['left', 'right', 'right', 'left'],
      format,
      color,
      { columns, drop: [3, 2] },
    ),
  );
  const verdict =
    c.fits === 'yes'
      ? chalk.green('fits, even at the high end of every range')
      : c.fits === 'expected-only'
        ? chalk.yellow('fits only at the expected values')
        : chalk.red('does not fit');
  const lines: [string, string][] = [
    [
      'KV pool',
      c.kvBytesPerTokenPerGpu === 0
        ? `${outcomeText(c.kvCacheBytes, bytes)} on ${totalGpus} GPU${totalGpus > 1 ? 's' : ''}: no cache grows per token; it holds each sequence's fixed state (see max concurrency)`
        : `${outcomeText(c.kvCacheBytes, bytes)} on ${totalGpus} GPU${totalGpus > 1 ? 's' : ''} = ${outcomeText(c.kvCacheTokens, formatInt)} tokens (${formatInt(c.kvBytesPerTokenPerGpu)} B per token per GPU)`,
    ],
    [`max concurrency at ${formatInt(c.budget.requestTokens)} tokens`, outcomeText(c.maxConcurrency, concurrencyText)],
    [
      `max context for ${formatInt(inputs.users)} ${inputs.users === 1 ? 'user' : 'users'}`,
      `${outcomeText(c.maxContextTokens, formatInt)} tokens`,
    ],
    ['verdict', verdict],
    ['fewest GPUs', fewestText(report, target.id)],
  ];
  const note =
    '(ranges: heuristic terms low – high; what they leave and the capacities expected (worst – best), worst with every term at its high end)';
  if (format === 'markdown') {
    // Markdown joins consecutive lines into one paragraph: a list, and a blank line before the note.
    out.push('', ...lines.map(([label, value]) => `- **${label}**: ${value}`), '', note);
    return out;
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  out.push('', ...lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`), note);
  return out;
}

/** The context and users sweeps, as tables and (in table format) bar charts. */
/** One sweep: the swept value, its outcome (expected and worst – best), a table and, in table format, a chart. */
interface Sweep {
  title: string;
  head: [string, string];
  points: { at: number; outcome: Outcome }[];
  show: (value: number) => string;
}

function sweepSection(sweep: Sweep, { chalk, format, color }: Style): string[] {
  if (sweep.points.length === 0) return [];
  const { points, show } = sweep;
  const rows = points.map(({ at, outcome }) => [
    formatInt(at),
    show(outcome.expected),
    `${show(outcome.worst)} – ${show(outcome.best)}`,
  ]);
  const title = format === 'markdown' ? [`**${sweep.title}**`, ''] : [chalk.bold(sweep.title)];
  const out = ['', ...title, grid([...sweep.head, 'worst – best'], rows, ['right', 'right', 'right'], format, color)];
  if (format === 'table')
    out.push(
      chart(
        points.map(({ at }) => formatInt(at)),
        points.map(({ outcome }) => outcome.expected),
        show,
      ),
    );
  return out;
}

/** The context and users sweeps. */
function sweepSections(report: CapacityPlan, style: Style): string[] {
  const { ctx, users } = report.sweeps;
  return [
    ...sweepSection(
      {
        title: 'Max concurrency by context',
        head: ['context', 'max concurrency'],
        points: ctx.map((r) => ({ at: r.ctx, outcome: r.maxConcurrency })),
        show: concurrencyText,
      },
      style,
    ),
    ...sweepSection(
      {
        title: 'Max context by users',
        head: ['users', 'max context (tokens)'],
        points: users.map((r) => ({ at: r.users, outcome: r.maxContextTokens })),
        show: formatInt,
      },
      style,
    ),
  ];
}

/** Without a GPU type: how many of each catalog GPU the workload needs. */
function catalogSection(report: CapacityPlan, { bytes, format, color }: Style): string[] {
  if (!report.gpus) return [];
  const out: string[] = [];
  out.push(
    grid(
      ['GPU', 'memory', 'GPUs needed'],
      report.gpus.map((g) => [
        `${g.gpu} (${g.name})`,
        bytes(g.memoryBytes),
        g.minGpuCount === null ? 'does not fit' : String(g.minGpuCount),
      ]),
      ['left', 'right', 'right'],
      format,
      color,
    ),
  );
  const stagesNote = report.pipelineStages > 1 ? ` per stage, × ${report.pipelineStages} pipeline stages` : '';
  if (format === 'markdown') out.push(''); // a line right after a table would be read as one of its rows
  out.push(
    report.engine === 'llama.cpp'
      ? '(GPUs needed: the fewest GPUs the layers can be split over that hold the workload at the expected values)'
      : `(GPUs needed: the smallest valid tensor-parallel size${stagesNote} that holds the workload at the expected values)`,
  );
  return out;
}

export function renderCapacity(
  report: CapacityPlan,
  format: Format,
  units: UnitSystem,
  color: boolean,
  columns: number | null = null,
): string {
  const chalk = new Chalk({ level: color && format === 'table' ? 1 : 0 });
  const style: Style = { chalk, bytes: (b: number) => formatBytes(b, units), format, color, columns };
  const heading = headingText(report, style.bytes);
  const out = [
    ...(format === 'markdown' ? [`**${heading}**`, ''] : [chalk.bold(heading)]),
    ...budgetSection(report, style),
    ...sweepSections(report, style),
    ...catalogSection(report, style),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * --explain: each row of the per-GPU budget with its basis, the figure at both ends of its range
 * and its formula, then the engine's notes (what it reserves and why, from its code).
 */
export function renderCapacityWorking(report: CapacityPlan, format: Format, units: UnitSystem): string {
  const c = report.capacity;
  if (!c) return '';
  const bytes = (b: number) => formatBytes(b, units);
  const bullet = format === 'markdown' ? '- ' : '  ';
  const lines = c.budget.rows.map((row) => {
    const { low, expected, high } = row.bytes;
    const range = low === high ? '' : `, range ${bytes(Math.min(low, high))} – ${bytes(Math.max(low, high))}`;
    return `${bullet}${row.label}: ${bytes(expected)} = ${formatInt(expected)} B [${row.basis}${range}] = ${row.formula}`;
  });
  const notes = c.budget.notes.map((note) => `${format === 'markdown' ? '- ' : '  · '}${note}`);
  const heading = format === 'markdown' ? '**Working**' : 'Working';
  const notesHeading = format === 'markdown' ? '**Engine notes**' : 'Engine notes';
  return `${['', heading, ...(format === 'markdown' ? [''] : []), ...lines, '', notesHeading, ...(format === 'markdown' ? [''] : []), ...notes].join('\n')}\n`;
}
