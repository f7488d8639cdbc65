/**
 * `vram plan` as a table (or markdown) and as JSON: the deployments, fewest GPUs first, with their
 * layout, nodes, memory per GPU, headroom and verdict.
 */
import { formatBytes, formatCount } from './bytes.js';
import { type Align, grid } from './grid.js';
import { deploymentShape } from './summaryLines.js';
import type { DeploymentPlan } from '../plan/deploymentPlan.js';
import type { Format, UnitSystem } from '../plan/common.js';
import { formatInt } from '../core/units.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { bounded } from './boundedText.js';

const HEAD = ['#', 'GPU', 'GPUs', 'layout', 'per GPU', 'headroom', 'verdict'];
const ALIGN: Align[] = ['right', 'left', 'right', 'left', 'right', 'right', 'left'];

function headline(plan: DeploymentPlan): string {
  const { inputs } = plan;
  const users = `${formatInt(inputs.users)} user${inputs.users === 1 ? '' : 's'}`;
  return `${plan.model.id} (${formatCount(plan.model.parameterCount)} params): ${plan.engine}, ${formatInt(inputs.ctx)} tokens × ${users}, weights ${inputs.dtype ?? 'as stored'}, KV ${inputs.kvDtype}`;
}

function rows(plan: DeploymentPlan, units: UnitSystem): string[][] {
  return plan.deployments.map((d, i) => [
    String(i + 1),
    d.gpu,
    formatInt(d.gpuCount),
    deploymentShape(d),
    `${formatBytes(d.requiredBytesPerGpu, units)} of ${formatBytes(d.memoryBytes, units)}`,
    formatBytes(d.headroomBytes, units),
    d.verdict === 'yes' ? 'fits' : 'fits as expected only',
  ]);
}

export function renderPlan(
  plan: DeploymentPlan,
  format: Format,
  units: UnitSystem,
  color: boolean,
  columns: number | null = null,
): string {
  const scope = plan.inputs.gpu === null ? 'the best on each catalog GPU' : plan.inputs.gpu;
  const heading = `Deployments, fewest GPUs first (${scope}; tensor parallel within ${plan.inputs.gpusPerNode}-GPU nodes):`;
  const none = plan.deployments.length === 0 ? ['No deployment fits within 4,096 GPUs.'] : [];
  const note = plan.deployments.some((d) => d.verdict === 'expected-only')
    ? ['"fits as expected only": it fits at the expected overheads, not at the pessimistic end of their ranges.']
    : [];
  if (format === 'markdown') {
    const table = grid(HEAD, rows(plan, units), ALIGN, format, color);
    return `${[`**${headline(plan)}**`, '', heading, '', table, ...none, ...(note.length > 0 ? ['', ...note] : [])].join('\n')}\n`;
  }
  const table = grid(HEAD, rows(plan, units), ALIGN, format, color, { columns, drop: [0, 5] });
  return `${[headline(plan), heading, table, ...none, ...note].join('\n')}\n`;
}

/** The `vram plan --format json` document. */
export function planJson(plan: DeploymentPlan) {
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    engine: plan.engine,
    model: { id: plan.model.id, source: plan.model.source, parameterCount: plan.model.parameterCount },
    inputs: plan.inputs,
    deployments: plan.deployments,
    unplaced: plan.unplaced,
    warnings: plan.warnings.map(bounded),
  };
}

/** The `vram plan --format json` document. */
export type PlanJson = ReturnType<typeof planJson>;
