/** `--format markdown`: the breakdown as a GitHub-flavoured table, for PRs and docs. */
import type { UnitSystem } from '../plan/common.js';
import type { BreakdownPlan } from '../plan/trainingPlan.js';
import { formatBytes, formatShare } from './bytes.js';
import { bytesPerGpu } from '../core/estimate.js';
import { breakdownColumns, gpuBytes } from './breakdownColumns.js';
import { llamaCppLines } from './llamaCppText.js';
import {
  assumptionLines,
  basisLabel,
  catalogHeading,
  catalogRows,
  FEWEST_GPUS_HEADING,
  FEWEST_GPUS_HINT,
  fewestGpuRows,
  fitRows,
  headingLine,
} from './summaryLines.js';
import { formatInt } from '../core/units.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** llama.cpp: the same columns as the table (GPU, all GPUs, host RAM), then llama.cpp's lines. */
function llamaCppTable(report: BreakdownPlan, units: UnitSystem, explain: boolean): string[] {
  const columns = breakdownColumns(report);
  const summary = report.mode === 'inference' ? report.llamaCpp : undefined;
  return [
    `**${cell(headingLine(report))}**`,
    '',
    `| ${columns.map((c) => c.head).join(' | ')} | Basis | Formula |`,
    `| --- | ${columns
      .slice(1)
      .map(() => '---:')
      .join(' | ')} | --- | --- |`,
    ...report.estimate.components.map(
      (c) =>
        `| ${columns.map((column) => cell(column.cell(c, units))).join(' | ')} | ${cell(basisLabel(c, units))} | ${cell(explain ? c.formula : c.expression)} |`,
    ),
    `| **Total** | ${columns
      .slice(1)
      .map((column) => `**${column.total(report, units)}**`)
      .join(' | ')} | | |`,
    '',
    ...(summary ? llamaCppLines(summary, units).map((line) => `- ${cell(line.replace(/^· /, ''))}`) : []),
  ];
}

export function renderEstimateMarkdown(report: BreakdownPlan, units: UnitSystem, explain: boolean): string {
  const { components } = report.estimate;
  const perGpuTotal = bytesPerGpu(report.estimate);
  const gpus = report.inputs.gpus;
  const llama = report.mode === 'inference' ? report.llamaCpp : undefined;
  const lines = llama
    ? llamaCppTable(report, units, explain)
    : [
        `**${cell(headingLine(report))}**`,
        '',
        `| Component | ${report.mode === 'training' && gpus > 1 ? 'Per GPU' : 'Size'} | Bytes | Share | Basis | Formula |`,
        '| --- | ---: | ---: | ---: | --- | --- |',
        ...components.map(
          (c) =>
            `| ${c.label} | ${formatBytes(gpuBytes(c), units)} | ${formatInt(gpuBytes(c))} | ${formatShare(gpuBytes(c), perGpuTotal)} | ${cell(basisLabel(c, units))} | ${cell(explain ? c.formula : c.expression)} |`,
        ),
        `| **Total** | **${formatBytes(perGpuTotal, units)}** | ${formatInt(perGpuTotal)} | 100.0% | | |`,
      ];
  const fit = fitRows(report, units);
  if (report.fit && fit.length > 0)
    lines.push(
      '',
      `**Fit: ${report.fit.fits ? 'fits' : 'does not fit'}**`,
      '',
      ...fit.map(([label, value]) => `- ${label}: ${value}`),
    );
  const catalog = catalogRows(report, units);
  if (catalog.length > 0)
    lines.push(
      '',
      `**${catalogHeading(report)}**`,
      '',
      '| GPU | memory | fits | required per GPU | fewest GPUs |',
      '| --- | ---: | --- | ---: | ---: |',
      ...catalog.map((row) => `| ${row.join(' | ')} |`),
    );
  const fewest = fewestGpuRows(report, units);
  if (fewest.length > 0)
    lines.push(
      '',
      `**${FEWEST_GPUS_HEADING}**`,
      '',
      '| GPUs | GPU | memory | layout | per GPU |',
      '| ---: | --- | ---: | --- | ---: |',
      ...fewest.map((row) => `| ${row.join(' | ')} |`),
      '',
      FEWEST_GPUS_HINT,
    );
  if (explain) {
    lines.push('', '**Notes**', '');
    for (const c of components) for (const note of c.notes) lines.push(`- ${c.label}: ${note}`);
    lines.push(...assumptionLines(report).map((line) => `- ${line}`));
  }
  return `${lines.join('\n')}\n`;
}
