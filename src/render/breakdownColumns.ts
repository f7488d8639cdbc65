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
  if (report.mode === 'inference' && report.llamaCpp) return llamaCppColumns(label, gpus);
  if (report.mode === 'inference')
    return [
      label,
      { head: 'Size', cell: (c, u) => formatBytes(c.bytes, u), total: (r, u) => formatBytes(r.estimate.totalBytes, u) },
    ];
  const columns: SizeColumn[] = [
    label,
    {
      head: gpus > 1 ? 'Per GPU' : 'Size',
      cell: (c, u) => formatBytes(gpuBytes(c), u),
      total: (r, u) => formatBytes(bytesPerGpu(r.estimate), u),
    },
  ];
  if (gpus > 1)
    columns.push({
      head: `All ${formatInt(gpus)} GPUs`,
      cell: (c, u) => formatBytes(c.bytes, u),
      total: (r, u) => formatBytes(r.estimate.totalBytes, u),
    });
  if (hostBytesOf(report.estimate) > 0)
    columns.push({
      head: 'Host RAM',
      cell: (c, u) => (hostBytes(c) > 0 ? formatBytes(hostBytes(c), u) : ''),
      total: (r, u) => formatBytes(hostBytesOf(r.estimate), u),
    });
  return columns;
}

/** llama.cpp: VRAM on the (most loaded) GPU, on all GPUs, and host RAM. */
function llamaCppColumns(label: SizeColumn, gpus: number): SizeColumn[] {
  const columns: SizeColumn[] = [label];
  if (gpus > 0)
    columns.push({
      head: gpus > 1 ? 'Per GPU' : 'GPU',
      cell: (c, u) => formatBytes(gpuBytes(c), u),
      total: (r, u) => formatBytes(bytesPerGpu(r.estimate), u),
    });
  if (gpus > 1)
    columns.push({
      head: `All ${formatInt(gpus)} GPUs`,
      cell: (c, u) => formatBytes(c.bytes, u),
      total: (r, u) => formatBytes(r.estimate.totalBytes, u),
    });
  columns.push({
    head: 'Host RAM',
    cell: (c, u) => formatBytes(hostBytes(c), u),
    total: (r, u) => formatBytes(hostBytesOf(r.estimate), u),
  });
  return columns;
}
