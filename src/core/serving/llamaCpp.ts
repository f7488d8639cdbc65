/**
 * llama.cpp (llama-server and the other front ends) on one or more GPUs, as llama.cpp sizes its
 * buffers (core/llamaCpp/: layers and placement, KV cells, compute and output buffers): each GPU
 * holds its layers' weights and KV cache and a compute buffer; the host keeps the token embeddings,
 * the layers not offloaded, the output buffer and a host compute buffer. n_ctx = --ctx × --users
 * (each --parallel slot may fill --ctx), allocated at start. The table shows the GPU whose room for
 * the KV cache is the smallest; the CUDA context is the one heuristic row.
 */
import { CUDA_CONTEXT_BYTES } from '../overhead.js';
import { formatInt } from '../units.js';
import type { InferenceScenario } from '../estimate.js';
import { type LlamaCppDevice, type LlamaCppMemory, llamaCppMemory } from '../llamaCpp/memory.js';
import { type LlamaCppServing, defaultLlamaCppServing, llamaCppContextFor } from '../llamaCpp/serving.js';
import { equalSplits } from '../llamaCpp/placement.js';
import {
  COMPUTE_BUFFER_RANGE,
  UNCALIBRATED_COMPUTE_BUFFER_RANGE,
  computeBufferCalibrated,
} from '../llamaCpp/computeBuffer.js';
import { atLevels, minus, same } from './levels.js';
import type { BudgetRow, EngineBudget, ServingScenario } from './types.js';
import type { LowExpectedHigh } from '../overhead.js';

/** The scenario's llama.cpp settings (llama-server's defaults, every layer on the GPUs, when it has none). */
export function llamaCppServingOf(scenario: ServingScenario): LlamaCppServing {
  return scenario.settings.llamaCpp ?? defaultLlamaCppServing(scenario.settings.microBatchTokens);
}

/** GPUs the layers go to: --split-mode none uses the main GPU alone. */
function splitsOf(serving: LlamaCppServing, gpuCount: number): readonly number[] {
  if (serving.splitMode === 'none') return equalSplits(1);
  return serving.tensorSplit ?? equalSplits(gpuCount);
}

/** llama.cpp's buffers for the scenario's workload on its GPUs. */
export function llamaCppMemoryOf(
  inference: InferenceScenario,
  serving: LlamaCppServing,
  gpuCount: number,
): LlamaCppMemory {
  const context = llamaCppContextFor(inference, serving);
  const gpuLayers = serving.gpuLayers === 'max' ? Number.MAX_SAFE_INTEGER : serving.gpuLayers;
  return llamaCppMemory(inference, context, { gpuLayers, splits: splitsOf(serving, gpuCount) });
}

/** The GPU with the least headroom: memory − weights − compute buffer − its KV cache (all GPUs share the CUDA context size). */
function bindingGpu(memory: LlamaCppMemory, gpuMemoryBytes: number): LlamaCppDevice {
  let binding = memory.gpus[0] as LlamaCppDevice;
  let least = Number.POSITIVE_INFINITY;
  for (const gpu of memory.gpus) {
    const room = gpuMemoryBytes - gpu.weightBytes - gpu.computeBytes - gpu.kvBytes;
    if (room < least) [binding, least] = [gpu, room];
  }
  return binding;
}

function cellsText(memory: LlamaCppMemory): string {
  const { full, sliding } = memory.cells;
  const streams = memory.context.streams;
  const per = streams > 1 ? ` (${streams} sequence streams)` : ' (one unified stream)';
  return `${formatInt(full)} cells per full-attention layer${sliding === null ? '' : `, ${formatInt(sliding)} per sliding-window layer`}${per}`;
}

/** The per-GPU rows: the binding GPU's buffers, what the host holds beside them, the CUDA context and the room left for the KV cache. */
function budgetRows(
  scenario: ServingScenario,
  memory: LlamaCppMemory,
  gpu: LlamaCppDevice,
  levels: { weights: LowExpectedHigh; compute: LowExpectedHigh; overhead: LowExpectedHigh; kvPool: LowExpectedHigh },
): BudgetRow[] {
  const { context, host } = memory;
  const layerTotal = memory.layout.layers.length;
  const gpus = memory.gpus.length;
  const onGpus = `${memory.gpuUnits} of ${layerTotal + 1} units (${layerTotal} layers + output) on ${gpus} GPU${gpus > 1 ? 's' : ''}`;
  return [
    {
      id: 'weights',
      label: 'Weights',
      bytes: levels.weights,
      hostBytes: host.weightBytes,
      formula: `${gpu.layers} layers${gpu.output ? ' + the output layer' : ''} on this GPU (${onGpus}); token embeddings${host.layers > 0 ? ` and ${host.layers} layers` : ''} in host memory`,
      basis: memory.layout.source === 'gguf' ? 'exact' : 'model',
    },
    {
      id: 'kv_cache',
      label: 'KV cache',
      bytes: same(gpu.kvBytes),
      hostBytes: host.kvBytes,
      formula: `${gpu.layers} layers × K ${context.params.kType} + V ${context.params.vType} × ${cellsText(memory)}`,
      basis: 'exact',
      inPool: true,
    },
    {
      id: 'compute_buffer',
      label: 'Compute buffer',
      bytes: levels.compute,
      hostBytes: host.computeBytes,
      formula: `graph reserved for ${formatInt(context.reserveTokens)} tokens (n_ubatch), ${formatInt(context.reserveOutputs)} outputs, ${formatInt(context.sequenceTokens)} KV cells per stream, flash attention ${context.flashAttention ? 'on' : 'off'}`,
      basis: computeBufferCalibrated(scenario.inference.arch) ? 'model' : 'heuristic',
    },
    {
      id: 'output_buffer',
      label: 'Output buffer (host)',
      bytes: same(0),
      hostBytes: host.outputBufferBytes,
      formula: `${formatInt(scenario.inference.arch.vocabSize)} vocab × ${context.params.sequences} sequences × 4 B of logits, in host memory`,
      basis: 'exact',
    },
    {
      id: 'overhead',
      label: 'CUDA context',
      bytes: levels.overhead,
      formula: 'CUDA context and cuBLAS workspace',
      basis: 'heuristic',
    },
    {
      id: 'kv_pool',
      label: 'Room for the KV cache',
      bytes: levels.kvPool,
      formula: 'GPU memory − weights − compute buffer − CUDA context',
      basis: 'derived',
    },
  ];
}

function budgetNotes(memory: LlamaCppMemory, serving: LlamaCppServing, contextTokens: number): string[] {
  const { context, host } = memory;
  const sequences = context.params.sequences;
  return [
    `llama.cpp (${serving.frontEnd}): n_ctx ${formatInt(context.contextTokens)} = --ctx ${formatInt(contextTokens)} × ${sequences} sequence${sequences > 1 ? 's' : ''}, padded to 256; n_batch ${context.batchTokens}, n_ubatch ${context.ubatchTokens}`,
    `host memory: ${formatInt(host.weightBytes)} B of weights (mmap'd file pages), ${formatInt(host.kvBytes)} B of KV cache, ${formatInt(host.computeBytes)} B compute buffer; the output buffer (${formatInt(host.outputBufferBytes)} B of logits) is in pinned host memory`,
  ];
}

function budgetSettings(memory: LlamaCppMemory, serving: LlamaCppServing): EngineBudget['settings'] {
  const { context } = memory;
  return {
    frontEnd: serving.frontEnd,
    nCtx: context.contextTokens,
    nCtxSeq: context.sequenceTokens,
    parallel: context.params.sequences,
    kvUnified: serving.kvUnified ? 'on' : 'off',
    batchSize: context.batchTokens,
    ubatchSize: context.ubatchTokens,
    flashAttention: context.flashAttention ? 'on' : 'off',
    kType: serving.kType,
    vType: serving.vType,
    gpuLayers: memory.gpuUnits,
    splitMode: serving.splitMode,
  };
}

export function llamaCppBudget(scenario: ServingScenario): EngineBudget {
  const { inference, gpuCount } = scenario;
  const serving = llamaCppServingOf(scenario);
  const memory = llamaCppMemoryOf(inference, serving, gpuCount);
  const gpu = bindingGpu(memory, scenario.gpuMemoryBytes);
  const weights = same(gpu.weightBytes);
  const range = computeBufferCalibrated(inference.arch) ? COMPUTE_BUFFER_RANGE : UNCALIBRATED_COMPUTE_BUFFER_RANGE;
  const compute = atLevels((level) => Math.ceil(gpu.computeBytes * range[level]));
  const overhead = atLevels((level) => CUDA_CONTEXT_BYTES[level]);
  const kvPool = minus(same(scenario.gpuMemoryBytes), weights, compute, overhead);
  // Capacity searches build a budget per probe and read only the pool: the rows, notes and settings
  // (strings) are written when first read.
  let rows: EngineBudget['rows'] | undefined;
  let notes: string[] | undefined;
  let settings: EngineBudget['settings'] | undefined;
  return {
    get rows() {
      rows ??= budgetRows(scenario, memory, gpu, { weights, compute, overhead, kvPool });
      return rows;
    },
    kvPoolBytesPerGpu: kvPool,
    kvNeedBytesPerGpu: gpu.kvBytes,
    blockTokens: 1,
    split: 'layers',
    requestTokens: inference.contextTokens,
    get notes() {
      notes ??= budgetNotes(memory, serving, inference.contextTokens);
      return notes;
    },
    get settings() {
      settings ??= budgetSettings(memory, serving);
      return settings;
    },
  };
}
