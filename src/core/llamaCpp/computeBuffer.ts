/**
 * llama.cpp's compute buffers (placeholder; replaced by the calibrated closed form).
 */
import type { ModelArchitecture } from '../architecture.js';
import type { LlamaCppContext } from './context.js';
import type { LlamaCppDevice } from './memory.js';

export function computeBufferBytes(
  arch: ModelArchitecture,
  context: LlamaCppContext,
  devices: { host: LlamaCppDevice; gpus: readonly LlamaCppDevice[] },
): { host: number; gpus: number[] } {
  const tokens = context.reserveTokens;
  const lead = arch.layers[0];
  const ff = lead?.mlp?.intermediateSize ?? 0;
  const layerPeak = (3 * ff + 2 * arch.hiddenSize) * tokens * 4;
  const outputPeak = arch.vocabSize * context.reserveOutputs * 4;
  const size = (device: LlamaCppDevice) => Math.max(device.layers > 0 ? layerPeak : 0, device.output ? outputPeak : 0);
  const gpus = devices.gpus.map(size);
  const host = devices.gpus.length === 0 ? size(devices.host) : size(devices.host) + arch.hiddenSize * tokens * 4;
  return { host, gpus };
}
