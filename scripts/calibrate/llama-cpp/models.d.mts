/** Types of models.mjs: the llama.cpp calibration models and their GGUF v3 writer. */

/** A ggml tensor type this writer knows. */
export type GgmlTypeName = 'f32' | 'f16' | 'q4_0' | 'q8_0' | 'q6_K' | 'bf16';

/** ggml type id, elements per block and bytes per block. */
export declare const GGML_TYPES: Record<GgmlTypeName, { id: number; blockElements: number; blockBytes: number }>;

/** One GGUF metadata entry: key, value type, value. */
export type GgufMetadataEntry =
  | [key: string, type: 'u32' | 'i32' | 'f32' | 'bool', value: number | boolean]
  | [key: string, type: 'str', value: string];

/** One tensor: `shape` in ggml order (ne0 = the contiguous row length first). */
export interface TensorSpec {
  name: string;
  shape: number[];
  type: GgmlTypeName;
}

export interface CalibrationModel {
  /** e.g. `llama-3-8b-f16`; also `general.name` and the GGUF file name. */
  id: string;
  description: string;
  /** The config.json the shapes come from. */
  source: string;
  /** `general.architecture` as llama.cpp spells it: `llama`, `qwen2`, `gemma2`, `gemma3`. */
  arch: string;
  /** Every metadata entry except the tokenizer's, in file order. */
  metadata: GgufMetadataEntry[];
  /**
   * Written as `tokenizer.ggml.model`, `.tokens` (`<unk>`, `<s>`, `</s>`, `<0x00>`…`<0xFF>`, `t259`…), `.scores` (0),
   * `.token_type`, `.unknown_token_id`, `.bos_token_id` and `.eos_token_id`, after `metadata`.
   */
  vocab: { model: 'llama'; size: number; unk: number; bos: number; eos: number };
  /** In file order; data offsets are aligned to 32 bytes. */
  tensors: TensorSpec[];
}

export declare const LLAMA_CPP_CALIBRATION_MODELS: CalibrationModel[];

/** Bytes of one tensor's data. */
export declare function tensorBytes(tensor: Pick<TensorSpec, 'shape' | 'type'>): number;

/** The header bytes (magic to the end of the tensor infos), the data offset and the full file's size in bytes. */
export declare function ggufLayout(spec: CalibrationModel): { header: Buffer; dataOffset: number; fileBytes: number };

/**
 * Writes `spec` as GGUF v3 at `path`: with `data: false` the header only (magic, metadata, tensor infos), with
 * `data: true` also the zero tensor data, as a hole (ftruncate), so the file takes no disk beyond its header.
 */
export declare function writeGgufFile(
  path: string,
  spec: CalibrationModel,
  options: { data: boolean },
): { headerBytes: number; fileBytes: number };
