/** `--format markdown`: the breakdown as a GitHub-flavoured table, for PRs and docs. */
import type { UnitSystem } from '../cli/choices.js';
import type { EstimateReport } from '../cli/estimateReport.js';
import { formatBytes, formatShare } from './bytes.js';
import { assumptionLines, basisLabel, fitRows, headingLine } from './summaryLines.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderEstimateMarkdown(report: EstimateReport, units: UnitSystem, explain: boolean): string {
  const { components, totalBytes } = report.estimate;
  const lines = [
    `**${cell(headingLine(report))}**`,
    '',
    '| Component | Size | Bytes | Share | Basis | Formula |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...components.map((c) => `| ${c.label} | ${formatBytes(c.bytes, units)} | ${c.bytes.toLocaleString('en-US')} | ${formatShare(c.bytes, totalBytes)} | ${cell(basisLabel(c, units))} | ${cell(explain ? c.formula : c.expression)} |`),
    `| **Total** | **${formatBytes(totalBytes, units)}** | ${totalBytes.toLocaleString('en-US')} | 100.0% | | |`,
  ];
  const fit = fitRows(report, units);
  if (fit.length > 0) lines.push('', `**Fit: ${report.fit!.fits ? 'fits' : 'does not fit'}**`, '', ...fit.map(([label, value]) => `- ${label}: ${value}`));
  if (explain) {
    lines.push('', '**Notes**', '');
    for (const c of components) for (const note of c.notes) lines.push(`- ${c.label}: ${note}`);
    lines.push(...assumptionLines(report).map((line) => `- ${line}`));
  }
  return `${lines.join('\n')}\n`;
}
