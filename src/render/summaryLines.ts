/**
 * The prose parts of an estimate shared by the table and markdown renderers: the heading, the
 * fit verdict and the explain section, as plain label/value data.
 */
import type { UnitSystem } from '../plan/common.js';
import type { BreakdownPlan, TrainingPlanInputs } from '../plan/trainingPlan.js';
import type { Component } from '../core/component.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import type { DeploymentOption } from '../plan/deploymentSearch.js';
import type { Solved } from '../core/training/trainingFit.js';
import { formatInt } from '../core/units.js';
import { architectureSummary } from './architectureSummary.js';
import { formatBytes, formatCount } from './bytes.js';

function scenarioText(report: BreakdownPlan): string {
  if (report.mode === 'training') {
    const inputs = report.inputs;
    return `training, ${formatInt(inputs.ctx)} tokens × batch ${formatInt(inputs.batch)}, ${inputs.precision} precision, ${inputs.optimizer}, checkpointing ${inputs.gradCheckpointing}${trainingPlanText(inputs)}`;
  }
  const inputs = report.inputs;
  const llama = report.llamaCpp;
  const types = llama?.memory.context.params;
  const kvText = types && types.kType !== types.vType ? `K ${types.kType}, V ${types.vType}` : `KV ${inputs.kvDtype}`;
  const kv = report.model.arch.layout === 'encoder' ? '' : `, ${kvText}`;
  const users = `${formatInt(inputs.users)} ${inputs.users === 1 ? 'user' : 'users'}`;
  const workload = llama?.serving.contextShared
    ? `${formatInt(inputs.ctx)} tokens shared by ${users}`
    : `${formatInt(inputs.ctx)} tokens × ${users}`;
  const engine = llama ? ` with llama.cpp (${llama.serving.frontEnd})` : '';
  return `inference${engine}, ${workload}, weights ${inputs.dtype ?? 'as stored'}${kv}`;
}

export function headingLine(report: BreakdownPlan): string {
  const { model } = report;
  const active =
    model.activeParameterCount !== model.parameterCount ? `, ${formatCount(model.activeParameterCount)} active` : '';
  return `${model.id} (${formatCount(model.parameterCount)} params${active}): ${scenarioText(report)}, ${report.inputs.attention} attention`;
}

/** The parallelism and fine-tuning of a training plan, for the heading: ", 8 GPUs (ZeRO-3), LoRA r16 all-linear". */
export function trainingPlanText(inputs: TrainingPlanInputs): string {
  const parts: string[] = [];
  const gpus = inputs.gpus;
  if (gpus > 1) {
    const model = (['tp', 'pp', 'cp', 'ep'] as const)
      .filter((key) => inputs[key] > 1)
      .map((key) => `${key} ${inputs[key]}`);
    if (inputs.sp) model.push('sp');
    const zero = inputs.fsdp ? `FSDP ${inputs.fsdp}` : `ZeRO-${inputs.zero}`;
    parts.push(`${formatInt(gpus)} GPUs (${[...model, `dp ${inputs.dataParallel}`, zero].join(', ')})`);
  }
  if (inputs.offload !== 'none') parts.push(`offload ${inputs.offload}`);
  if (inputs.loraRank !== null)
    parts.push(
      `${inputs.qlora ? 'QLoRA' : 'LoRA'} r${inputs.loraRank} ${inputs.loraTargets}${inputs.trainEmbeddings ? ' + embeddings' : ''}`,
    );
  return parts.map((part) => `, ${part}`).join('');
}

/** Fit verdict rows; empty without --gpu. */
export function fitRows(report: BreakdownPlan, units: UnitSystem): [string, string][] {
  const { fit, gpu } = report;
  if (fit === null || gpu === null) return [];
  const split =
    report.mode === 'inference'
      ? fit.gpuCount > 1
        ? inferenceSplitText(report)
        : 'all components'
      : fit.gpuCount > 1
        ? 'the most loaded GPU: its share of the model states, its micro-batch, its overhead'
        : 'all components';
  const rows: [string, string][] = [
    [
      'GPUs',
      `${formatInt(fit.gpuCount)} × ${gpu.name} (${formatBytes(fit.usableBytesPerGpu, units)} each, ${gpu.entry?.unifiedMemoryMiB ? "Metal's default GPU limit of its unified memory" : 'as the driver reports it'})`,
    ],
    [
      'required per GPU',
      `${formatBytes(fit.requiredBytesPerGpu, units)}${fit.requiredRange ? ` (range ${formatBytes(fit.requiredRange.lowBytes, units)} – ${formatBytes(fit.requiredRange.highBytes, units)})` : ''} (${split})`,
    ],
    ['headroom per GPU', formatBytes(fit.headroomBytes, units)],
  ];
  if (fit.maxUsers !== null)
    rows.push([
      `max users at ${formatInt(report.inputs.ctx)} tokens`,
      `${formatInt(fit.maxUsers)} on ${formatInt(fit.gpuCount)} GPU${fit.gpuCount > 1 ? 's' : ''}`,
    ]);
  rows.push([
    'fewest GPUs that fit',
    fit.minGpuCount === null
      ? report.mode === 'training'
        ? `none up to ${formatInt(MAX_GPU_COUNT)} at ZeRO-${report.inputs.zero} (each GPU still needs ${formatBytes(fit.perGpuFloorBytes, units)}${report.inputs.zero === 3 ? '' : '; try --zero 3'})`
        : fit.perGpuFloorBytes > fit.usableBytesPerGpu
          ? `none: each GPU needs ${formatBytes(fit.perGpuFloorBytes, units)} however many share the model (activations, overhead, one K/V head)`
          : `more than ${formatInt(MAX_GPU_COUNT)}`
      : `${fit.minGpuCount} × ${gpu.id}`,
  ]);
  rows.push(...solutionRows(report));
  return rows;
}

/** The heading of the --gpu all table: the deployment each catalog GPU is checked on. */
export function catalogHeading(report: BreakdownPlan): string {
  const gpus = report.inputs.gpus;
  return `Fit on ${formatInt(gpus)} GPU${gpus > 1 ? 's' : ''} of each catalog type`;
}

/** --gpu all: one row per catalog GPU (GPU, memory, fits on the deployment, required per GPU, fewest GPUs). */
export function catalogRows(report: BreakdownPlan, units: UnitSystem): string[][] {
  if (report.mode !== 'inference' || report.catalog === null) return [];
  return report.catalog.map((row) => [
    `${row.gpu} (${row.name})`,
    formatBytes(row.memoryBytes, units),
    row.fits ? 'yes' : 'no',
    formatBytes(row.requiredBytesPerGpu, units),
    row.minGpuCount === null ? 'none' : String(row.minGpuCount),
  ]);
}

/** How an inference deployment splits the model over each GPU, for the fit rows. */
function inferenceSplitText(report: BreakdownPlan): string {
  if (report.mode === 'inference' && report.llamaCpp)
    return "the most loaded GPU: its layers' weights and KV cache, its compute buffer and the CUDA context";
  const { tensorParallel: tp, pipelineParallel: pp, dataParallel: dp } = report.deployment;
  const divided = tp > 1 ? ` ÷ ${formatInt(tp)}` : '';
  const weights =
    pp > 1 ? `the largest of ${pp} pipeline stages${divided}` : tp > 1 ? `weights${divided}` : 'all the weights';
  const replicas = dp > 1 ? `; ${dp} replicas, each serving its share of the users` : '';
  return `${weights}, KV cache by head, plus activations and overhead on each${replicas}`;
}

function solvedText(solved: Solved, unit: (n: number) => string): string {
  if (solved.expected === null)
    return solved.optimistic === null
      ? 'none fits'
      : `none fits as expected (${unit(solved.optimistic)} at the low end of the range)`;
  const ends = [solved.pessimistic, solved.optimistic].filter((n): n is number => n !== null).sort((a, b) => a - b);
  const [low, high] = ends;
  const range =
    high !== undefined
      ? `${unit(low ?? high)} – ${unit(high)}`
      : `${low === undefined ? '' : unit(low)}; none at the other end`;
  const bounds = ends.every((n) => n === solved.expected) && ends.length === 2 ? '' : ` (range ${range})`;
  return `${unit(solved.expected)}${bounds}`;
}

/** The --solve answer as verdict rows. */
export function solutionRows(report: BreakdownPlan): [string, string][] {
  if (report.mode !== 'training' || !report.solution) return [];
  const { solution, inputs } = report;
  const gpuId = report.gpu?.id ?? '';
  if (solution.target === 'gpus')
    return solution.byZeroStage.map(({ zeroStage, gpuCount }) => [
      `fewest GPUs at ZeRO-${zeroStage}`,
      solvedText(gpuCount, (n) => `${formatInt(n)} × ${gpuId}`),
    ]);
  if (solution.target === 'batch')
    return [
      [
        'largest micro-batch that fits',
        solvedText(solution.value, (n) => `${formatInt(n)} × ${formatInt(inputs.ctx)} tokens`),
      ],
    ];
  return [
    [
      'longest sequence that fits',
      solvedText(solution.value, (n) => `${formatInt(n)} tokens × batch ${formatInt(inputs.batch)}`),
    ],
  ];
}

export function basisLabel(component: Component, units: UnitSystem): string {
  const range = component.range;
  if (!range) return component.basis;
  // The range is of `bytes` (all GPUs); shown beside the most loaded GPU's bytes, it is scaled to them.
  const perGpu = component.bytesPerGpu;
  const scale = perGpu !== undefined && component.bytes > 0 ? perGpu / component.bytes : 1;
  const [low, high] = [Math.floor(range.lowBytes * scale), Math.ceil(range.highBytes * scale)];
  return `${component.basis}, range ${formatBytes(low, units)} – ${formatBytes(high, units)}`;
}

/** The assumptions `--explain` lists after the components. */
export function assumptionLines(report: BreakdownPlan): string[] {
  const { arch } = report.model;
  const lines = [
    `model: ${report.model.id} from ${report.model.source}; ${architectureSummary(arch)}`,
    `parameters: ${formatInt(report.model.parameterCount)} counted from the architecture${report.model.publishedParameterCount === null ? '' : ` (published: ${formatInt(report.model.publishedParameterCount)})`}`,
    'byte counts are exact integers; GiB = 2^30 B, GB = 10^9 B',
    'exact = follows from the architecture and dtypes; model = per-tensor accounting of the stated implementation; heuristic = a cited constant with a low–high range',
  ];
  if (report.mode === 'training') {
    lines.push('all components are summed at the end of the forward pass (the usual peak): an upper bound');
    if (report.inputs.gpus > 1)
      lines.push(
        'per GPU = the most loaded GPU (pipeline: the first or last stage, which also holds the embeddings or the head); All GPUs = per GPU × GPUs, an upper bound under pipeline parallelism',
      );
  }
  return lines;
}

/** A deployment's shape: "tp 4", "tp 8 × pp 2", "2 replicas × tp 4"; and its nodes when more than one. */
export function deploymentShape(d: DeploymentOption): string {
  const parts = [`tp ${d.tensorParallel}`];
  if (d.pipelineParallel > 1) parts.push(`pp ${d.pipelineParallel}`);
  const shape = parts.join(' × ');
  const replicas = d.replicas > 1 ? `${d.replicas} replicas × ${shape}` : shape;
  return d.nodes > 1 ? `${replicas}, ${d.nodes} nodes` : replicas;
}

export const FEWEST_GPUS_HEADING =
  'Fewest GPUs that hold this estimate (vram plan: deployments under a serving engine):';
export const FEWEST_GPUS_HINT =
  'Add --gpu <id> [--gpus N] for the fit on one deployment; --gpu all checks every catalog GPU.';

/** Without --gpu: one row per common GPU type: GPUs, GPU, its memory, layout and memory per GPU ("none": more than the limit). */
export function fewestGpuRows(report: BreakdownPlan, units: UnitSystem): string[][] {
  if (report.mode !== 'inference' || report.fewestGpus === null) return [];
  return report.fewestGpus.map((row) => {
    const d = row.deployment;
    const memory = formatBytes(row.memoryBytes, units);
    return d === null
      ? ['none', row.gpu, memory, `more than ${formatInt(MAX_GPU_COUNT)} GPUs`, '']
      : [`${formatInt(d.gpuCount)} ×`, row.gpu, memory, deploymentShape(d), formatBytes(d.requiredBytesPerGpu, units)];
  });
}

/** The rows as aligned text lines (counts and sizes right-aligned). */
export function fewestGpuLines(report: BreakdownPlan, units: UnitSystem): string[] {
  const rows = fewestGpuRows(report, units);
  if (rows.length === 0) return [];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const right = new Set([0, 2]);
  return rows.map((row) => {
    const cells = row.slice(0, 4).map((cell, column) => {
      const width = widths[column] ?? 0;
      return right.has(column) ? cell.padStart(width) : cell.padEnd(width);
    });
    const perGpu = row[4] ? `, ${row[4]} per GPU` : '';
    return `  ${cells.join('  ').trimEnd()}${perGpu}`;
  });
}
