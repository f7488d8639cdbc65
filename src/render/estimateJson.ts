/**
 * The `--format json` document (schemaVersion 1). Scripts depend on it: fields may be added, but
 * renaming or removing one needs a new schemaVersion. All byte counts are exact integers.
 * Training adds per component `bytesPerGpu` (the most loaded GPU) and `hostBytes` (offloaded state,
 * all GPUs), `totalBytesPerGpu`, `totalHostBytes`, `fit.requiredRangeBytesPerGpu` and `solve`;
 * `bytes` and `totalBytes` are then summed over all GPUs. `--engine llama.cpp` adds the same per-GPU
 * and host fields, `engine` and a `llamaCpp` section (render/llamaCppJson.ts).
 */
import type { BreakdownPlan } from '../plan/trainingPlan.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { bytesPerGpu, hostBytesOf } from '../core/estimate.js';
import { gpuBytes, hostBytes } from './breakdownColumns.js';
import { bounded } from './boundedText.js';
import { llamaCppJson } from './llamaCppJson.js';

export const SCHEMA_VERSION = 1;

/** The JSON document of an estimate (see the docblock). */
export function estimateJson(report: BreakdownPlan) {
  const { model, estimate, fit } = report;
  const llama = report.mode === 'inference' ? report.llamaCpp : undefined;
  // Training and llama.cpp split each component over the (most loaded) GPU and the host.
  const perDevice = report.mode === 'training' || llama !== undefined;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    mode: report.mode,
    model: {
      id: model.id,
      name: model.name,
      source: model.source,
      modelType: model.arch.modelType,
      parameterCount: model.parameterCount,
      activeParameterCount: model.activeParameterCount,
      trainableParameterCount: estimate.trainableParameterCount,
      publishedParameterCount: model.publishedParameterCount,
    },
    inputs: report.inputs,
    components: estimate.components.map((c) => ({
      id: c.id,
      label: c.label,
      bytes: c.bytes,
      formula: c.formula,
      expression: c.expression,
      basis: c.basis,
      range: c.range,
      notes: c.notes,
      ...(perDevice ? { bytesPerGpu: gpuBytes(c), hostBytes: hostBytes(c) } : {}),
    })),
    totalBytes: estimate.totalBytes,
    ...(perDevice ? { totalBytesPerGpu: bytesPerGpu(estimate), totalHostBytes: hostBytesOf(estimate) } : {}),
    fit:
      fit === null
        ? null
        : {
            gpu: fit.gpu,
            gpuName: report.gpu?.name ?? fit.gpu,
            gpuCount: fit.gpuCount,
            usableBytesPerGpu: fit.usableBytesPerGpu,
            requiredBytesPerGpu: fit.requiredBytesPerGpu,
            fits: fit.fits,
            headroomBytes: fit.headroomBytes,
            maxUsers: fit.maxUsers,
            minGpuCount: fit.minGpuCount,
            perGpuFloorBytes: fit.perGpuFloorBytes,
            ...(fit.requiredRange ? { requiredRangeBytesPerGpu: fit.requiredRange } : {}),
          },
    ...(report.mode === 'training' ? { solve: report.solution } : {}),
    ...(report.mode === 'inference' && report.catalog ? { gpus: report.catalog } : {}),
    ...(report.mode === 'inference' && report.fewestGpus ? { fewestGpus: report.fewestGpus } : {}),
    ...(llama ? { engine: 'llama.cpp', llamaCpp: llamaCppJson(llama) } : {}),
    warnings: report.warnings.map(bounded),
  };
}

/** The `vram estimate --format json` document. */
export type EstimateJson = ReturnType<typeof estimateJson>;
