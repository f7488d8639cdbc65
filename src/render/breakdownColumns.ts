/**
 * The size columns of a breakdown. Inference and single-GPU training: one Size column. Training
 * on several GPUs: Per GPU (the most loaded) and All GPUs; with offload, a Host RAM column.
 */
import type { UnitSystem } from '../plan/common.js';
import type { BreakdownPlan } from '../plan/trainingPlan.js';
import type { Component } from '../core/component.js';
import { bytesPerGpu, componentBytesPerGpu, hostBytesOf } from '../core/estimate.js';
import { formatInt } from '../core/units.js';
import { formatBytes } from './bytes.js';

export interface SizeColumn {
  head: string;
  cell(c: Component, units: UnitSystem): string;
  total(report: BreakdownPlan, units: UnitSystem): string;
}

/** The bytes one (the most loaded) GPU holds for a component. */
export const gpuBytes = componentBytesPerGpu;

export function hostBytes(c: Component): number {
  return c.hostBytes ?? 0;
}

export function breakdownColumns(report: BreakdownPlan): SizeColumn[] {
  const gpus = report.inputs.gpus;
  const label: SizeColumn = { head: 'Component', cell: (c) => c.label, total: () => 'Total' };
  const llama = report.mode === 'inference' && report.llamaCpp !== undefined;
  if (report.mode === 'inference' && !llama)
    return [
      label,
      { head: 'Size', cell: (c, u) => formatBytes(c.bytes, u), total: (r, u) => formatBytes(r.estimate.totalBytes, u) },
    ];
  // Training and llama.cpp: the most loaded GPU, all GPUs, host RAM (llama.cpp always shows it; a CPU-only run has no GPU column).
  const columns: SizeColumn[] = [label];
  if (gpus > 0 || !llama)
    columns.push({
      head: gpus > 1 ? 'Per GPU' : llama ? 'GPU' : 'Size',
      cell: (c, u) => formatBytes(gpuBytes(c), u),
      total: (r, u) => formatBytes(bytesPerGpu(r.estimate), u),
    });
  if (gpus > 1)
    columns.push({
      head: `All ${formatInt(gpus)} GPUs`,
      cell: (c, u) => formatBytes(c.bytes, u),
      total: (r, u) => formatBytes(r.estimate.totalBytes, u),
    });
  if (llama || hostBytesOf(report.estimate) > 0)
    columns.push({
      head: 'Host RAM',
      cell: (c, u) => (llama || hostBytes(c) > 0 ? formatBytes(hostBytes(c), u) : ''),
      total: (r, u) => formatBytes(hostBytesOf(r.estimate), u),
    });
  return columns;
}
