/**
 * The lines `estimate --engine llama.cpp` prints under its table: the settings as llama.cpp resolves
 * them, where the layers went, VRAM per GPU and host RAM, and what fitting changed.
 */
import { formatInt } from '../core/units.js';
import type { UnitSystem } from '../plan/common.js';
import type { LlamaCppSummary } from '../plan/llamaCppEstimate.js';
import { formatBytes } from './bytes.js';

function settingsLine(summary: LlamaCppSummary): string {
  const { context } = summary.memory;
  const { serving } = summary;
  const sequences = context.params.sequences;
  const slots = serving.contextShared
    ? `shared by ${sequences} slot${sequences === 1 ? '' : 's'}`
    : `${sequences} sequence${sequences === 1 ? '' : 's'} of ${formatInt(context.sequenceTokens)}`;
  const kv =
    context.params.kType === context.params.vType
      ? `KV ${context.params.kType}`
      : `K ${context.params.kType}, V ${context.params.vType}`;
  const streams = sequences === 1 ? '' : context.streams === 1 ? ', unified KV' : ', a KV stream each';
  return `llama.cpp as ${serving.frontEnd} runs it: n_ctx ${formatInt(context.contextTokens)} (${slots}${streams}), n_batch ${formatInt(context.batchTokens)}, n_ubatch ${formatInt(context.ubatchTokens)}, flash attention ${context.flashAttention ? 'on' : 'off'}, ${kv}`;
}

function layersLine(summary: LlamaCppSummary): string {
  const layers = summary.units - 1;
  if (summary.memory.gpus.length === 0)
    return `Layers: all ${layers} layers and the output layer in host memory (no GPU given: a CPU-only run)`;
  const output = summary.memory.gpus.some((g) => g.output);
  const onGpu = summary.memory.gpus.reduce((sum, g) => sum + g.layers, 0);
  return `Layers on the GPU${summary.memory.gpus.length > 1 ? 's' : ''}: ${summary.gpuUnits} of ${summary.units} (${onGpu} of ${layers} layers${output ? ' + the output layer' : ''}; --gpu-layers ${summary.gpuUnits}); token embeddings in host memory`;
}

export function llamaCppLines(summary: LlamaCppSummary, units: UnitSystem): string[] {
  const host = summary.memory.host;
  const lines = [settingsLine(summary), layersLine(summary)];
  summary.gpuBytes.forEach((bytes, index) => {
    const gpu = summary.memory.gpus[index];
    const what = gpu ? `${gpu.layers} layers${gpu.output ? ' + output' : ''}` : '';
    lines.push(`VRAM, GPU ${index}: ${formatBytes(bytes, units)} (${what})`);
  });
  lines.push(
    `Host RAM: ${formatBytes(summary.hostBytes, units)} (weights ${formatBytes(host.weightBytes, units)} mmap'd, KV ${formatBytes(host.kvBytes, units)}, compute ${formatBytes(host.computeBytes, units)}, output ${formatBytes(host.outputBufferBytes, units)})`,
  );
  if (summary.unifiedMemoryBytes !== null) {
    const total = summary.hostBytes + summary.gpuBytes.reduce((a, b) => a + b, 0);
    lines.push(
      `Unified memory: ${formatBytes(total, units)} of the Mac's ${formatBytes(summary.unifiedMemoryBytes, units)} (the GPU's buffers and the host's share it; Metal maps the model file in place)`,
    );
  }
  const solved = summary.solvedContext;
  if (solved) {
    const text = (n: number | null) => (n === null ? 'none (not even 256 tokens)' : `${formatInt(n)} tokens`);
    lines.push(
      `Longest context with every layer on the GPU${summary.memory.gpus.length > 1 ? 's' : ''}: ${text(solved.expected)} (worst ${text(solved.pessimistic)}, best ${text(solved.optimistic)})`,
    );
  }
  for (const note of summary.notes) lines.push(`· ${note}`);
  return lines;
}
