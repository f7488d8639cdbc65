/**
 * The prose parts of an estimate shared by the table and markdown renderers: the heading, the
 * fit verdict and the explain section, as plain label/value data.
 */
import type { UnitSystem } from '../cli/choices.js';
import type { EstimateReport } from '../cli/estimateReport.js';
import type { Component } from '../core/component.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import { formatInt } from '../core/units.js';
import { architectureSummary } from './architectureSummary.js';
import { formatBytes, formatCount } from './bytes.js';

export function headingLine(report: EstimateReport): string {
  const { model, inputs } = report;
  const active = model.activeParameterCount !== model.parameterCount ? `, ${formatCount(model.activeParameterCount)} active` : '';
  const scenario =
    report.mode === 'inference'
      ? `inference, ${formatInt(inputs.ctx as number)} tokens × ${formatInt(inputs.users as number)} ${inputs.users === 1 ? 'user' : 'users'}, weights ${inputs.dtype ?? 'as stored'}${model.arch.layout === 'encoder' ? '' : `, KV ${inputs.kvDtype}`}`
      : `training, ${formatInt(inputs.ctx as number)} tokens × batch ${formatInt(inputs.batch as number)}, ${inputs.precision} precision, ${inputs.optimizer}, checkpointing ${inputs.gradCheckpointing}`;
  return `${model.id} (${formatCount(model.parameterCount)} params${active}): ${scenario}, ${inputs.attention} attention`;
}

/** Fit verdict rows; empty without --gpu. */
export function fitRows(report: EstimateReport, units: UnitSystem): [string, string][] {
  const { fit, gpu } = report;
  if (fit === null || gpu === null) return [];
  const split =
    report.mode === 'inference'
      ? fit.gpuCount > 1
        ? `weights ÷ ${formatInt(fit.gpuCount)}, KV cache by head, plus activations and overhead on each`
        : 'all components'
      : 'each GPU holds the whole model state and its micro-batch: data parallel';
  const rows: [string, string][] = [
    ['GPUs', `${fit.gpuCount} × ${gpu.name} (${formatBytes(fit.usableBytesPerGpu, units)} each, as the driver reports it)`],
    ['required per GPU', `${formatBytes(fit.requiredBytesPerGpu, units)} (${split})`],
    ['headroom per GPU', formatBytes(fit.headroomBytes, units)],
  ];
  if (fit.maxUsers !== null) rows.push([`max users at ${formatInt(report.inputs.ctx as number)} tokens`, `${formatInt(fit.maxUsers)} on ${formatInt(fit.gpuCount)} GPU${fit.gpuCount > 1 ? 's' : ''}`]);
  rows.push([
    'fewest GPUs that fit',
    fit.minGpuCount === null
      ? report.mode === 'training'
        ? 'none without sharding (one GPU must hold the whole training state)'
        : fit.perGpuFloorBytes > fit.usableBytesPerGpu
          ? `none: each GPU needs ${formatBytes(fit.perGpuFloorBytes, units)} however many share the model (activations, overhead, one K/V head)`
          : `more than ${formatInt(MAX_GPU_COUNT)}`
      : `${fit.minGpuCount} × ${gpu.id}`,
  ]);
  return rows;
}

export function basisLabel(component: Component, units: UnitSystem): string {
  if (component.range) return `${component.basis}, range ${formatBytes(component.range.lowBytes, units)} – ${formatBytes(component.range.highBytes, units)}`;
  return component.basis;
}

/** The assumptions `--explain` lists after the components. */
export function assumptionLines(report: EstimateReport): string[] {
  const { arch } = report.model;
  const lines = [
    `model: ${report.model.id} from ${report.model.source}; ${architectureSummary(arch)}`,
    `parameters: ${formatInt(report.model.parameterCount)} counted from the architecture${report.model.publishedParameterCount === null ? '' : ` (published: ${formatInt(report.model.publishedParameterCount)})`}`,
    'byte counts are exact integers; GiB = 2^30 B, GB = 10^9 B',
    'exact = follows from the architecture and dtypes; model = per-tensor accounting of the stated implementation; heuristic = a cited constant with a low–high range',
  ];
  if (report.mode === 'training') lines.push('all components are summed at the end of the forward pass (the usual peak): an upper bound');
  return lines;
}
