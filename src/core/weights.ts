/**
 * Weights: every stored parameter at the storage dtype.
 *   bytes = parameters × bits / 8
 * Exact for plain dtypes. The nominal int8/int4/fp8 dtypes leave out quantization scales and
 * layers kept in 16-bit; a checkpoint's headers (safetensors, GGUF) give the bytes it really
 * stores, which weightsFromCheckpoint reports instead.
 */
import { type Component, component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { exact, formatInt } from './units.js';

export function weightsComponent(parameterCount: number, dtype: Dtype): Component {
  const bytes = dtypeBytes(parameterCount, dtype);
  return component(
    { id: 'weights', label: 'Weights', bytes, expression: 'params × bytes/param', basis: 'exact', range: null },
    () => ({
      formula: `${formatInt(parameterCount)} params × ${bytesPerElementLabel(dtype)} (${dtype})`,
      notes:
        dtype === 'int8' || dtype === 'int4' || dtype === 'fp8'
          ? [
              `${dtype} is counted at its nominal ${bytesPerElementLabel(dtype)} per parameter: quantization scales and layers kept in 16-bit add a few percent`,
            ]
          : [],
    }),
  );
}

/** Bytes a checkpoint stores, by storage type (safetensors dtype or GGUF type), and where from. */
export interface StoredWeights {
  format: 'safetensors' | 'gguf';
  files: string[];
  bytesByType: Record<string, number>;
  /** Stored tensors engines do not load by default (multi-token-prediction layers), left out of bytesByType. */
  unloaded?: { tensorCount: number; bytes: number; what: string };
  /** GGUF files: the stored bytes by where llama.cpp places them (llamaCpp/layers.ts). */
  ggufLayout?: GgufLayout;
}

/**
 * A GGUF file's tensor bytes by llama.cpp's layer kinds (llm_tensor_info: LLM_TENSOR_LAYER_INPUT,
 * _REPEATING, _OUTPUT): the input layer (token_embd…), each repeating layer (blk.N.*), the output
 * layer (output, output_norm…) and tensors every device with layers loads once (rope_freqs).
 */
export interface GgufLayout {
  inputBytes: number;
  layerBytes: number[];
  outputBytes: number;
  /** token_embd bytes when the file has no output.weight: llama.cpp loads them again as the output (TENSOR_DUPLICATED). */
  tiedOutputBytes: number;
  perDeviceBytes: number;
}

/** The weights as stored: the exact sum of the checkpoint's tensor bytes. */
export function weightsFromCheckpoint(stored: StoredWeights): Component {
  const entries = Object.entries(stored.bytesByType).sort((a, b) => b[1] - a[1]);
  const bytes = exact(
    entries.reduce((total, [, b]) => total + b, 0),
    'stored weights',
  );
  return component(
    { id: 'weights', label: 'Weights', bytes, expression: 'Σ stored tensor bytes', basis: 'exact', range: null },
    () => ({
      formula: `${entries.map(([type, b]) => `${formatInt(b)} B (${type})`).join(' + ')} stored in ${stored.files.length} ${stored.format} file${stored.files.length === 1 ? '' : 's'}`,
      notes: [
        `read from the ${stored.format} header${stored.files.length === 1 ? '' : 's'} of ${stored.files.join(', ')}; quantized tensors count as stored, scales included`,
        ...(stored.unloaded
          ? [
              `${formatInt(stored.unloaded.bytes)} B in ${stored.unloaded.tensorCount} tensors of ${stored.unloaded.what} are stored but not loaded without speculative decoding, so not counted`,
            ]
          : []),
      ],
    }),
  );
}
