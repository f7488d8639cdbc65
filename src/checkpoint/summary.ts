/**
 * What a checkpoint stores: bytes per storage type summed over its tensors, from safetensors
 * headers (one per shard) or a GGUF tensor table. Quantized checkpoints are counted as stored
 * (GPTQ/AWQ int32 packs and fp16 scales, FP8 weights with their scales, GGUF blocks).
 */
import type { StoredWeights } from '../core/weights.js';
import type { GgufHeader } from './gguf.js';
import type { SafetensorsHeader } from './safetensors.js';

export interface CheckpointSummary extends StoredWeights {
  tensorCount: number;
  /** Elements over all tensors (the parameter count for unquantized checkpoints). */
  elementCount: number;
}

function add(into: Record<string, number>, type: string, bytes: number): void {
  into[type] = (into[type] ?? 0) + bytes;
}

export function summarizeSafetensors(shards: { file: string; header: SafetensorsHeader }[]): CheckpointSummary {
  const bytesByType: Record<string, number> = {};
  const seen = new Set<string>();
  let tensorCount = 0;
  let elementCount = 0;
  for (const { header } of shards) {
    for (const tensor of header.tensors) {
      // A tensor stored twice (two copies of one checkpoint in a directory) counts once.
      if (seen.has(tensor.name)) continue;
      seen.add(tensor.name);
      add(bytesByType, tensor.dtype, tensor.bytes);
      tensorCount += 1;
      elementCount += tensor.elementCount;
    }
  }
  return { format: 'safetensors', files: shards.map((s) => s.file), bytesByType, tensorCount, elementCount };
}

export function summarizeGguf(file: string, header: GgufHeader): CheckpointSummary {
  const bytesByType: Record<string, number> = {};
  let elementCount = 0;
  for (const tensor of header.tensors) {
    add(bytesByType, tensor.type.name, tensor.bytes);
    elementCount += tensor.elementCount;
  }
  return { format: 'gguf', files: [file], bytesByType, tensorCount: header.tensors.length, elementCount };
}
