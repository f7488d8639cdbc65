/**
 * The `llamaCpp` section of `vram estimate --engine llama.cpp --format json`: the settings as
 * llama.cpp resolves them, where the layers went, and every buffer of every device in bytes.
 */
import type { LlamaCppSummary } from '../plan/llamaCppEstimate.js';

export function llamaCppJson(summary: LlamaCppSummary) {
  const { memory, serving } = summary;
  const { context, host } = memory;
  return {
    frontEnd: serving.frontEnd,
    backend: summary.backend,
    settings: {
      nCtx: context.contextTokens,
      nCtxSeq: context.sequenceTokens,
      sequences: context.params.sequences,
      contextShared: serving.contextShared ?? false,
      kvUnified: serving.kvUnified,
      batchSize: context.batchTokens,
      ubatchSize: context.ubatchTokens,
      flashAttention: context.flashAttention,
      kType: context.params.kType,
      vType: context.params.vType,
      outputsMax: context.outputsMax,
      splitMode: serving.splitMode,
      tensorSplit: serving.tensorSplit,
    },
    layers: { total: memory.layout.layers.length, units: summary.units, gpuUnits: summary.gpuUnits, host: host.layers },
    kvCells: memory.cells,
    gpus: memory.gpus.map((gpu, index) => ({
      index,
      layers: gpu.layers,
      output: gpu.output,
      weightBytes: gpu.weightBytes,
      kvBytes: gpu.kvBytes,
      computeBytes: gpu.computeBytes,
      totalBytes: summary.gpuBytes[index] ?? 0,
    })),
    host: {
      layers: host.layers,
      weightBytes: host.weightBytes,
      kvBytes: host.kvBytes,
      computeBytes: host.computeBytes,
      outputBufferBytes: host.outputBufferBytes,
      totalBytes: summary.hostBytes,
    },
    notes: summary.notes,
    solvedContext: summary.solvedContext ?? null,
    unifiedMemoryBytes: summary.unifiedMemoryBytes,
  };
}
