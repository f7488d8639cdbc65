/**
 * Which device each layer goes to (src/llama-model.cpp, llama_model::load_tensors):
 *   units = n_layer repeating layers + the output layer (unit n_layer)
 *   i_gpu_start = max(n_layer + 1 − n_gpu_layers, 0): the last n_gpu_layers units go to the GPUs
 *   a GPU unit il goes to the first GPU whose cumulative split exceeds (il − i_gpu_start) / act_gpu_layers,
 *   act_gpu_layers = min(n_gpu_layers, n_layer + 1); splits = --tensor-split (default: each GPU's free
 *   memory, equal for equal GPUs), normalised and accumulated in float32
 *   the input layer (token embeddings) always stays on the CPU ("very little benefit to offloading")
 * --split-mode none puts every GPU unit on the main GPU (one device).
 */

/** Where each unit goes: a GPU index, or -1 for host memory; the last entry is the output layer. */
export function llamaCppUnitDevices(layerTotal: number, gpuLayers: number, splits: readonly number[]): number[] {
  const units = layerTotal + 1;
  const gpuCount = splits.length;
  const onGpu = gpuCount === 0 ? 0 : Math.min(gpuLayers, units);
  const start = Math.max(units - gpuLayers, 0);
  const cumulative = cumulativeSplits(splits);
  const devices: number[] = [];
  for (let il = 0; il < units; il++) {
    if (il < start || il - start >= onGpu) {
      devices.push(-1);
      continue;
    }
    const position = Math.fround((il - start) / onGpu);
    const gpu = cumulative.findIndex((split) => split > position);
    devices.push(gpu === -1 ? gpuCount - 1 : gpu);
  }
  return devices;
}

/** Cumulative splits normalised to 1, in float32 as llama.cpp computes them. */
function cumulativeSplits(splits: readonly number[]): number[] {
  let sum = 0;
  const running = splits.map((split) => {
    sum = Math.fround(sum + Math.fround(split));
    return sum;
  });
  return running.map((value) => Math.fround(value / sum));
}

const EQUAL_SPLITS: number[][] = [];

/** Equal splits for `gpuCount` identical GPUs (llama.cpp's default split by free memory); the same array each time. */
export function equalSplits(gpuCount: number): readonly number[] {
  EQUAL_SPLITS[gpuCount] ??= new Array<number>(gpuCount).fill(1);
  return EQUAL_SPLITS[gpuCount];
}
