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
import { llamaCppLayerKvBytes } from './kvCache.js';
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

/** What a placement puts where, independent of the context: layers, weights and layers per attention shape. */
interface Placed {
  gpuUnits: number;
  /** Per device (host first, then each GPU): layers, weight bytes and its layers of each of layout.attentions. */
  devices: { layers: number; output: boolean; weightBytes: number; attentionCounts: number[] }[];
  largestHostLayerBytes: number;
}

const placements = new WeakMap<LlamaCppLayout, Map<string, Placed>>();
/** The last placement asked for: capacity searches ask for the same one probe after probe. */
let last: { layout: LlamaCppLayout; gpuLayers: number; splits: readonly number[]; placed: Placed } | null = null;

/** The layout's placement for these GPU layers and splits, computed once (searches ask for the same again and again). */
function placed(layout: LlamaCppLayout, placement: LlamaCppPlacement): Placed {
  if (last && last.layout === layout && last.gpuLayers === placement.gpuLayers && last.splits === placement.splits)
    return last.placed;
  let kept = placements.get(layout);
  if (kept === undefined) {
    kept = new Map();
    placements.set(layout, kept);
  }
  const key = `${placement.gpuLayers}|${placement.splits.join(',')}`;
  const found = kept.get(key) ?? computePlacement(layout, placement);
  if (kept.size >= 16) kept.clear();
  kept.set(key, found);
  last = { layout, gpuLayers: placement.gpuLayers, splits: placement.splits, placed: found };
  return found;
}

function computePlacement(layout: LlamaCppLayout, placement: LlamaCppPlacement): Placed {
  const layerTotal = layout.layers.length;
  const units = llamaCppUnitDevices(layerTotal, placement.gpuLayers, placement.splits);
  const devices = [-1, ...placement.splits.map((_, i) => i)].map(() => ({
    layers: 0,
    output: false,
    weightBytes: 0,
    attentionCounts: layout.attentions.map(() => 0),
  }));
  const slot = (unit: number) => devices[(units[unit] ?? -1) + 1] as Placed['devices'][number];
  let largestHostLayerBytes = 0;
  for (const layer of layout.layers) {
    const device = slot(layer.index);
    device.layers += 1;
    device.weightBytes += layer.weightBytes;
    const kind = layout.attentions.indexOf(layer.attention);
    device.attentionCounts[kind] = (device.attentionCounts[kind] ?? 0) + 1;
    if ((units[layer.index] ?? -1) < 0) largestHostLayerBytes = Math.max(largestHostLayerBytes, layer.weightBytes);
  }
  const output = slot(layerTotal);
  const host = slot(-1);
  output.output = true;
  output.weightBytes += layout.outputBytes + (output === host ? 0 : layout.tiedOutputBytes);
  host.weightBytes += layout.inputBytes;
  for (const device of devices) if (device.layers > 0) device.weightBytes += layout.perDeviceBytes;
  return { gpuUnits: units.filter((d) => d >= 0).length, devices, largestHostLayerBytes };
}

export function llamaCppMemory(
  inference: InferenceScenario,
  context: LlamaCppContext,
  placement: LlamaCppPlacement,
): LlamaCppMemory {
  const layout = layoutOf(inference);
  const where = placed(layout, placement);
  const vRow = layout.widestVRow;
  let fullCells = 0;
  let slidingCells: number | null = null;
  const kvOf = layout.attentions.map((attention) => {
    const kv = llamaCppLayerKvBytes(attention, context, vRow);
    if (attention.window === null) fullCells = kv.cells;
    else slidingCells = kv.cells;
    return kv.kBytes + kv.vBytes;
  });
  const [host, ...gpus] = where.devices.map((device) => {
    let kvBytes = 0;
    device.attentionCounts.forEach((count, kind) => {
      kvBytes += count * (kvOf[kind] ?? 0);
    });
    return {
      layers: device.layers,
      output: device.output,
      weightBytes: device.weightBytes,
      kvBytes: exact(kvBytes, 'KV cache bytes'),
      computeBytes: 0,
    };
  }) as [LlamaCppDevice, ...LlamaCppDevice[]];
  const buffers = computeBufferBytes(
    inference.arch,
    layout.attentions,
    context,
    { host, gpus },
    where.largestHostLayerBytes,
  );
  host.computeBytes = buffers.host;
  gpus.forEach((gpu, i) => {
    gpu.computeBytes = buffers.gpus[i] ?? 0;
  });
  const outputBufferBytes = exact(inference.arch.vocabSize * context.params.sequences * 4, 'output buffer');
  return {
    layout,
    context,
    gpuUnits: where.gpuUnits,
    gpus,
    host: { ...host, outputBufferBytes },
    cells: { full: fullCells, sliding: slidingCells },
  };
}

/** Everything on one GPU. */
export function deviceTotalBytes(device: LlamaCppDevice): number {
  return device.weightBytes + device.kvBytes + device.computeBytes;
}
