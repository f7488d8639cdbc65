/**
 * What a checkpoint stores: bytes per storage type summed over its tensors, from safetensors
 * headers (one per shard) or a GGUF tensor table. Quantized checkpoints are counted as stored
 * (GPTQ/AWQ int32 packs and fp16 scales, FP8 weights with their scales, GGUF blocks).
 */
import type { GgufLayout, StoredWeights } from '../core/weights.js';
import type { GgufHeader } from './gguf.js';
import type { SafetensorsHeader } from './safetensors.js';
import { ownValue } from '../core/ownKey.js';

export interface CheckpointSummary extends StoredWeights {
  tensorCount: number;
  /** Elements over all tensors (the parameter count for unquantized checkpoints). */
  elementCount: number;
}

function add(into: Record<string, number>, type: string, bytes: number): void {
  into[type] = (ownValue(into, type) ?? 0) + bytes;
}

/** The decoder layer a tensor belongs to (model.layers.N.…), or null. */
function layerIndex(name: string): number | null {
  const match = /^model\.layers\.(\d+)\./.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * Sums the shards' tensors. With `mainLayers` (a config with multi-token-prediction layers stored
 * after its num_hidden_layers, DeepSeek-V3's model.layers.61), the layers from that index on are
 * left out and reported as `unloaded`: engines load them only for speculative decoding.
 */
export function summarizeSafetensors(
  shards: { file: string; header: SafetensorsHeader }[],
  mainLayers: number | null = null,
): CheckpointSummary {
  const bytesByType: Record<string, number> = Object.create(null);
  const seen = new Set<string>();
  let tensorCount = 0;
  let elementCount = 0;
  const unloaded = {
    tensorCount: 0,
    bytes: 0,
    what: `the multi-token-prediction layers (model.layers.${mainLayers ?? ''}+)`,
  };
  for (const { header } of shards) {
    for (const tensor of header.tensors) {
      // A tensor stored twice (two copies of one checkpoint in a directory) counts once.
      if (seen.has(tensor.name)) continue;
      seen.add(tensor.name);
      const layer = layerIndex(tensor.name);
      if (mainLayers !== null && layer !== null && layer >= mainLayers) {
        unloaded.tensorCount += 1;
        unloaded.bytes += tensor.bytes;
        continue;
      }
      add(bytesByType, tensor.dtype, tensor.bytes);
      tensorCount += 1;
      elementCount += tensor.elementCount;
    }
  }
  const files = shards.map((s) => s.file);
  return {
    format: 'safetensors',
    files,
    bytesByType,
    tensorCount,
    elementCount,
    ...(unloaded.tensorCount > 0 ? { unloaded } : {}),
  };
}

export function summarizeGguf(file: string, header: GgufHeader): CheckpointSummary {
  const bytesByType: Record<string, number> = Object.create(null);
  let elementCount = 0;
  for (const tensor of header.tensors) {
    add(bytesByType, tensor.type.name, tensor.bytes);
    // Llama 3's rope_freqs (precomputed RoPE scaling factors, not a trained weight) is loaded but not a parameter.
    if (!PER_DEVICE_TENSORS.test(tensor.name)) elementCount += tensor.elementCount;
  }
  return {
    format: 'gguf',
    files: [file],
    bytesByType,
    tensorCount: header.tensors.length,
    elementCount,
    ggufLayout: ggufLayout(header.tensors),
  };
}

/** Input-layer tensors (llama-arch.cpp LLM_TENSOR_INFOS: LLM_TENSOR_LAYER_INPUT). */
const INPUT_TENSORS = /^(token_embd|token_embd_norm|token_types|pos_embd)\./;
/** Tensors loaded once per device that holds layers (rope_freqs: created per layer, TENSOR_DUPLICATED). */
const PER_DEVICE_TENSORS = /^(rope_freqs|rope_factors_long|rope_factors_short)\./;

/** Where llama.cpp places each tensor's bytes: input, layer N (blk.N.*), output, or once per device. */
export function ggufLayout(tensors: readonly { name: string; bytes: number }[]): GgufLayout {
  const layout: GgufLayout = { inputBytes: 0, layerBytes: [], outputBytes: 0, tiedOutputBytes: 0, perDeviceBytes: 0 };
  let hasOutput = false;
  let embedding = 0;
  for (const { name, bytes } of tensors) {
    const block = /^blk\.(\d+)\./.exec(name);
    if (block) {
      const index = Number(block[1]);
      while (layout.layerBytes.length <= index) layout.layerBytes.push(0);
      layout.layerBytes[index] = (layout.layerBytes[index] ?? 0) + bytes;
    } else if (INPUT_TENSORS.test(name)) {
      layout.inputBytes += bytes;
      if (name === 'token_embd.weight') embedding = bytes;
    } else if (PER_DEVICE_TENSORS.test(name)) {
      layout.perDeviceBytes += bytes;
    } else {
      layout.outputBytes += bytes;
      if (name === 'output.weight') hasOutput = true;
    }
  }
  layout.tiedOutputBytes = hasOutput ? 0 : embedding;
  return layout;
}
