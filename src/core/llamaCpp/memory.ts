/**
 * What llama.cpp allocates for one model and context, device by device: model buffers (weights),
 * the KV cache of each layer on the device that holds the layer (offload_kqv, the default), a
 * compute buffer per device that runs part of the graph, the output buffer (host) and, with GPUs,
 * the host compute buffer the CPU stages the inputs in.
 *   host:   input layer + layers and output left on the CPU (mmap'd file pages), their KV cache,
 *           the CPU compute buffer, the output buffer (n_vocab × n_seq_max × 4 B, llama_context::output_reserve)
 *   GPU g:  its layers (+ the output layer on the GPU holding unit n_layer; a tied head is a copy of
 *           token_embd there), their KV cache, its compute buffer
 */
import type { InferenceScenario } from '../estimate.js';
import { exact } from '../units.js';
import { computeBufferBytes } from './computeBuffer.js';
import type { LlamaCppContext } from './context.js';
import { llamaCppLayerKvBytes, widestVRow } from './kvCache.js';
import { type LlamaCppLayout, llamaCppLayout } from './layers.js';
import { llamaCppUnitDevices } from './placement.js';

/** What one device (a GPU, or the host) holds. */
export interface LlamaCppDevice {
  /** Repeating layers on it. */
  layers: number;
  /** Whether the output layer is on it. */
  output: boolean;
  weightBytes: number;
  kvBytes: number;
  computeBytes: number;
}

export interface LlamaCppMemory {
  layout: LlamaCppLayout;
  context: LlamaCppContext;
  /** Units (repeating layers + output) on the GPUs, as placed. */
  gpuUnits: number;
  gpus: LlamaCppDevice[];
  host: LlamaCppDevice & { outputBufferBytes: number };
  /** KV cells of a full-attention layer and of a sliding-window layer (null without one), over all streams. */
  cells: { full: number; sliding: number | null };
}

export interface LlamaCppPlacement {
  /** n_gpu_layers: units on the GPUs, counted from the last (the output layer is the last unit). */
  gpuLayers: number;
  /** Relative share of each GPU (--tensor-split); empty without GPUs. */
  splits: readonly number[];
}

const layouts = new WeakMap<object, { key: InferenceScenario; layout: LlamaCppLayout }>();

/** The layout, kept per architecture for the scenario's weights (searches ask again and again). */
function layoutOf(inference: InferenceScenario): LlamaCppLayout {
  const kept = layouts.get(inference.arch);
  const same =
    kept &&
    kept.key.storedWeights === inference.storedWeights &&
    kept.key.weightDtype === inference.weightDtype &&
    kept.key.weightFormat === inference.weightFormat &&
    (kept.key.images === null) === (inference.images === null);
  if (same) return kept.layout;
  const layout = llamaCppLayout(inference);
  layouts.set(inference.arch, { key: inference, layout });
  return layout;
}

function emptyDevice(): LlamaCppDevice {
  return { layers: 0, output: false, weightBytes: 0, kvBytes: 0, computeBytes: 0 };
}

export function llamaCppMemory(
  inference: InferenceScenario,
  context: LlamaCppContext,
  placement: LlamaCppPlacement,
): LlamaCppMemory {
  const layout = layoutOf(inference);
  const layerTotal = layout.layers.length;
  const devices = llamaCppUnitDevices(layerTotal, placement.gpuLayers, placement.splits);
  const gpus = placement.splits.map(emptyDevice);
  const host = { ...emptyDevice(), weightBytes: layout.inputBytes, outputBufferBytes: 0 };
  const deviceOf = (unit: number) => {
    const index = devices[unit] ?? -1;
    return index < 0 ? host : (gpus[index] as LlamaCppDevice);
  };
  const vRow = widestVRow(layout.layers.map((l) => l.attention));
  let fullCells = 0;
  let slidingCells: number | null = null;
  for (const layer of layout.layers) {
    const device = deviceOf(layer.index);
    const kv = llamaCppLayerKvBytes(layer.attention, context, vRow);
    if (layer.attention.window === null) fullCells = kv.cells;
    else slidingCells = kv.cells;
    device.layers += 1;
    device.weightBytes += layer.weightBytes;
    device.kvBytes += kv.kBytes + kv.vBytes;
  }
  const output = deviceOf(layerTotal);
  output.output = true;
  output.weightBytes += layout.outputBytes + (output === host ? 0 : layout.tiedOutputBytes);
  for (const device of [host, ...gpus]) if (device.layers > 0) device.weightBytes += layout.perDeviceBytes;
  const gpuUnits = devices.filter((d) => d >= 0).length;
  const largestHostLayer = layout.layers.reduce(
    (largest, layer) => ((devices[layer.index] ?? -1) < 0 ? Math.max(largest, layer.weightBytes) : largest),
    0,
  );
  const buffers = computeBufferBytes(inference.arch, context, { host, gpus }, largestHostLayer);
  host.computeBytes = buffers.host;
  gpus.forEach((gpu, i) => {
    gpu.computeBytes = buffers.gpus[i] ?? 0;
  });
  host.outputBufferBytes = exact(inference.arch.vocabSize * context.params.sequences * 4, 'output buffer');
  return { layout, context, gpuUnits, gpus, host, cells: { full: fullCells, sliding: slidingCells } };
}

/** Everything on one GPU. */
export function deviceTotalBytes(device: LlamaCppDevice): number {
  return device.weightBytes + device.kvBytes + device.computeBytes;
}
