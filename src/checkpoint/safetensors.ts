/**
 * safetensors headers: the exact bytes a checkpoint stores, per dtype, without reading the weights.
 *
 * Layout (huggingface/safetensors, docs "Format"): 8 bytes little-endian u64 N, then N bytes of
 * UTF-8 JSON `{ "__metadata__": {…}, "<tensor>": { "dtype", "shape", "data_offsets": [begin, end] } }`,
 * then the data. The format caps N at 100 MB. Stored bytes of a tensor = end − begin, which is
 * what quantized checkpoints (GPTQ/AWQ int32 packs, FP8 with scales, bitsandbytes uint8) occupy.
 */
import { UserError } from '../core/errors.js';
import { ownValue } from '../core/ownKey.js';

/** Largest header the safetensors format allows. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** Bits per element of each safetensors dtype. */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E4M3: 8,
  F8_E5M2: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  I64: 64,
  U64: 64,
  F64: 64,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
};

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  elementCount: number;
  /** end − begin of data_offsets. */
  bytes: number;
}

export interface SafetensorsHeader {
  tensors: TensorEntry[];
  metadata: Record<string, string>;
  /** Bytes of the data section the header describes (the largest end offset). */
  dataBytes: number;
}

/** Reads N from the first 8 bytes; a user error when N is absurd. */
export function safetensorsHeaderLength(prefix: Uint8Array, label: string): number {
  if (prefix.length < 8)
    throw new UserError(
      `${label}: truncated safetensors file (${prefix.length} bytes, the header length alone takes 8)`,
    );
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length === 0n || length > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new UserError(
      `${label}: not a safetensors file (header length ${length} is outside 1–${MAX_SAFETENSORS_HEADER_BYTES} bytes)`,
    );
  }
  return Number(length);
}

function fail(label: string, why: string): never {
  throw new UserError(`${label}: invalid safetensors header: ${why}`);
}

/** `value[key]` of a parsed JSON value (undefined when `value` is not an object), as `value?.[key]` reads it. */
function jsonField(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

/** Non-negative safe integers: a shape, or offsets. */
function isCountList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** data_offsets as [begin, end] with begin ≤ end, or null when they are not. */
function offsetPair(value: unknown): { begin: number; end: number } | null {
  if (!isCountList(value) || value.length !== 2) return null;
  const [begin, end] = value;
  return begin !== undefined && end !== undefined && end >= begin ? { begin, end } : null;
}

/** Parses the JSON header (the N bytes after the length prefix). */
export function parseSafetensorsHeader(headerBytes: Uint8Array, label: string): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    fail(label, 'the header is not UTF-8 JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(label, 'the header is not a JSON object');
  const tensors: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  let dataBytes = 0;
  for (const name in raw) {
    if (!Object.hasOwn(raw, name)) continue;
    const value: unknown = (raw as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      // The parsing edge: metadata is passed on as the JSON gave it (a string-to-string map by the format).
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const rawDtype = jsonField(value, 'dtype');
    const dtype = typeof rawDtype === 'string' ? rawDtype : undefined;
    const bits = dtype === undefined ? undefined : ownValue(SAFETENSORS_DTYPE_BITS, dtype);
    if (dtype === undefined || bits === undefined)
      fail(
        label,
        `tensor "${name}" has dtype ${JSON.stringify(rawDtype)}, not one of ${Object.keys(SAFETENSORS_DTYPE_BITS).join(', ')}`,
      );
    const shape = jsonField(value, 'shape');
    if (!isCountList(shape)) fail(label, `tensor "${name}" has shape ${JSON.stringify(shape)}`);
    const rawOffsets = jsonField(value, 'data_offsets');
    const offsets = offsetPair(rawOffsets);
    if (offsets === null) fail(label, `tensor "${name}" has data_offsets ${JSON.stringify(rawOffsets)}`);
    const elementCount = shape.reduce((product, d) => product * d, 1);
    const bytes = offsets.end - offsets.begin;
    if (bytes !== Math.ceil((elementCount * bits) / 8))
      fail(label, `tensor "${name}" stores ${bytes} bytes for ${elementCount} ${dtype} elements`);
    tensors.push({ name, dtype, shape, elementCount, bytes });
    dataBytes = Math.max(dataBytes, offsets.end);
  }
  return { tensors, metadata, dataBytes };
}

/** Reads the length prefix and the JSON header of a safetensors file (two small reads). */
export async function readSafetensorsHeaderBytes(source: import('./byteSource.js').ByteSource): Promise<Uint8Array> {
  const length = safetensorsHeaderLength(await source.read(0, 8), source.label);
  if (source.size !== null && 8 + length > source.size) {
    throw new UserError(
      `${source.label}: truncated safetensors file (the header says ${length} bytes; the file has ${Math.max(0, source.size - 8)} after the length)`,
    );
  }
  const bytes = await source.read(8, length);
  if (bytes.length < length)
    throw new UserError(`${source.label}: truncated safetensors header (${bytes.length} of ${length} bytes)`);
  return bytes;
}
