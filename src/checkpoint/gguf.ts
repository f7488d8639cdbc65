/**
 * GGUF headers: metadata and the tensor table, read incrementally from a ByteSource.
 *
 * Layout (ggml docs/gguf.md, versions 2 and 3): magic "GGUF", u32 version, u64 tensor count,
 * u64 metadata count; metadata as (string key, u32 type, value); tensor infos as (string name,
 * u32 n_dims, u64 dims[n_dims], u32 ggml_type, u64 offset). Strings are u64 length + UTF-8.
 * Every length is checked against hard limits and the file size, so a corrupt file fails with a
 * one-line error instead of a huge allocation or a hang.
 *
 * Written here rather than taken from @huggingface/gguf, which pulls in @huggingface/tasks (a large
 * unrelated package) and reads through its own fetch layer; this reader shares the Range/cache
 * path with the safetensors reader.
 */
import { UserError } from '../core/errors.js';
import type { ByteSource } from './byteSource.js';
import { GGML_TYPES, type GgmlType } from './ggmlTypes.js';
import { formatInt } from '../core/units.js';

const MAGIC = 0x46554747; // "GGUF" read as little-endian u32
const MAX_STRING_BYTES = 64 * 1024 * 1024;
const MAX_COUNT = 10_000_000;
const MAX_DIMS = 8;
const CHUNK_BYTES = 1024 * 1024;
/** String arrays longer than this are counted, not decoded. */
const LONG_ARRAY = 4096;

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensor {
  name: string;
  shape: number[];
  type: GgmlType;
  elementCount: number;
  bytes: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
}

/** Reads forward through a ByteSource in chunks. */
class Cursor {
  private buffer: Uint8Array = new Uint8Array(0);
  private bufferStart = 0;
  position = 0;

  constructor(private readonly source: ByteSource) {}

  private fail(why: string): never {
    throw new UserError(`${this.source.label}: invalid GGUF file: ${why}`);
  }

  async take(length: number): Promise<Uint8Array> {
    if (this.source.size !== null && this.position + length > this.source.size)
      this.fail(`truncated at byte ${this.source.size} (needs ${this.position + length})`);
    const end = this.position + length;
    if (end > this.bufferStart + this.buffer.length) {
      const start = this.position;
      const chunk = await this.source.read(start, Math.max(length, CHUNK_BYTES));
      if (chunk.length < length) this.fail(`truncated at byte ${start + chunk.length} (needs ${end})`);
      this.buffer = chunk;
      this.bufferStart = start;
    }
    const offset = this.position - this.bufferStart;
    this.position = end;
    return this.buffer.subarray(offset, offset + length);
  }

  private async view(length: number): Promise<DataView> {
    const bytes = await this.take(length);
    return new DataView(bytes.buffer, bytes.byteOffset, length);
  }

  /** Skips `count` strings, reading lengths straight from the buffer; returns their count as an array of empty strings' length. */
  async skipStrings(count: number): Promise<GgufValue[]> {
    for (let i = 0; i < count; ) {
      i += this.skipBufferedStrings(count - i);
      if (i === count) break;
      // A string across the buffer's end: read it the slow way, which refills the buffer.
      const length = await this.u64('string value length', MAX_STRING_BYTES);
      const bufferEnd = this.bufferStart + this.buffer.length;
      if (
        this.position + length <= bufferEnd &&
        (this.source.size === null || this.position + length <= this.source.size)
      )
        this.position += length;
      else await this.take(length);
      i++;
    }
    return new Array<GgufValue>(count);
  }

  /** Skips up to `count` strings that lie wholly in the buffer, without awaiting; returns how many. */
  private skipBufferedStrings(count: number): number {
    const end = Math.min(this.bufferStart + this.buffer.length, this.source.size ?? Number.POSITIVE_INFINITY);
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
    let skipped = 0;
    while (skipped < count && this.position + 8 <= end) {
      const at = this.position - this.bufferStart;
      const low = view.getUint32(at, true);
      const high = view.getUint32(at + 4, true);
      if (high !== 0 || low > MAX_STRING_BYTES) return skipped; // the slow path names the error
      if (this.position + 8 + low > end) return skipped;
      this.position += 8 + low;
      skipped++;
    }
    return skipped;
  }

  async u32(): Promise<number> {
    return (await this.view(4)).getUint32(0, true);
  }

  async u64(what: string, max: number): Promise<number> {
    const value = (await this.view(8)).getBigUint64(0, true);
    if (value > BigInt(max)) this.fail(`${what} ${value} is larger than ${max}`);
    return Number(value);
  }

  async string(what: string): Promise<string> {
    const length = await this.u64(`${what} length`, MAX_STRING_BYTES);
    return new TextDecoder().decode(await this.take(length));
  }

  async value(type: number, depth = 0): Promise<GgufValue> {
    switch (type) {
      case 0:
        return (await this.view(1)).getUint8(0);
      case 1:
        return (await this.view(1)).getInt8(0);
      case 2:
        return (await this.view(2)).getUint16(0, true);
      case 3:
        return (await this.view(2)).getInt16(0, true);
      case 4:
        return (await this.view(4)).getUint32(0, true);
      case 5:
        return (await this.view(4)).getInt32(0, true);
      case 6:
        return (await this.view(4)).getFloat32(0, true);
      case 7:
        return (await this.view(1)).getUint8(0) !== 0;
      case 8:
        return this.string('string value');
      case 9: {
        if (depth > 2) this.fail('arrays nested too deep');
        const elementType = await this.u32();
        const count = await this.u64('array length', MAX_COUNT);
        // Long string arrays (the vocabulary) are only counted: skipped without decoding.
        if (elementType === 8 && count > LONG_ARRAY) return this.skipStrings(count);
        const values: GgufValue[] = [];
        for (let i = 0; i < count; i++) values.push(await this.value(elementType, depth + 1));
        return values;
      }
      case 10:
        return (await this.view(8)).getBigUint64(0, true);
      case 11:
        return (await this.view(8)).getBigInt64(0, true);
      case 12:
        return (await this.view(8)).getFloat64(0, true);
      default:
        this.fail(`unknown metadata value type ${type}`);
    }
  }
}

export async function readGgufHeader(source: ByteSource): Promise<GgufHeader> {
  const cursor = new Cursor(source);
  if (source.size !== null && source.size < 24)
    throw new UserError(`${source.label}: not a GGUF file (${source.size} bytes)`);
  if ((await cursor.u32()) !== MAGIC)
    throw new UserError(`${source.label}: not a GGUF file (wrong magic; expected "GGUF")`);
  const version = await cursor.u32();
  if (version !== 2 && version !== 3)
    throw new UserError(`${source.label}: GGUF version ${version} is not supported (2 and 3 are)`);
  const tensorCount = await cursor.u64('tensor count', MAX_COUNT);
  const metadataCount = await cursor.u64('metadata count', MAX_COUNT);
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = await cursor.string('metadata key');
    metadata.set(key, await cursor.value(await cursor.u32()));
  }
  const tensors: GgufTensor[] = [];
  let dataBytes = 0;
  for (let i = 0; i < tensorCount; i++) {
    const name = await cursor.string('tensor name');
    const dimCount = await cursor.u32();
    if (dimCount > MAX_DIMS)
      throw new UserError(`${source.label}: invalid GGUF file: tensor "${name}" has ${dimCount} dimensions`);
    const shape: number[] = [];
    for (let d = 0; d < dimCount; d++)
      shape.push(await cursor.u64(`tensor "${name}" dimension`, Number.MAX_SAFE_INTEGER));
    const typeId = await cursor.u32();
    const type = GGML_TYPES[typeId];
    if (!type)
      throw new UserError(`${source.label}: invalid GGUF file: tensor "${name}" has unknown ggml type ${typeId}`);
    const offset = await cursor.u64('tensor offset', Number.MAX_SAFE_INTEGER);
    const elementCount = shape.reduce((product, d) => product * d, 1);
    if (!Number.isSafeInteger(elementCount) || elementCount % type.blockElements !== 0) {
      throw new UserError(
        `${source.label}: invalid GGUF file: tensor "${name}" has ${elementCount} elements, not a whole number of ${type.name} blocks`,
      );
    }
    const bytes = (elementCount / type.blockElements) * type.blockBytes;
    tensors.push({ name, shape, type, elementCount, bytes });
    dataBytes = Math.max(dataBytes, offset + bytes);
  }
  checkTensorData(source, cursor.position, metadata, dataBytes);
  return { version, metadata, tensors };
}

/** GGUF's default alignment of the tensor data (gguf.md: general.alignment, default 32). */
const DEFAULT_ALIGNMENT = 32;

/**
 * The tensor data starts at the first multiple of general.alignment after the tensor infos and
 * must hold every tensor's bytes at its offset: a file cut inside it (a download that stopped) is
 * refused, not sized from its header. Skipped when the size is unknown (a server without it).
 */
function checkTensorData(
  source: ByteSource,
  infosEnd: number,
  metadata: Map<string, GgufValue>,
  dataBytes: number,
): void {
  if (source.size === null) return;
  const given = metadata.get('general.alignment');
  const alignment = typeof given === 'number' && given > 0 ? given : DEFAULT_ALIGNMENT;
  const end = Math.ceil(infosEnd / alignment) * alignment + dataBytes;
  if (end > source.size)
    throw new UserError(
      `${source.label}: truncated GGUF file: its tensor data ends at byte ${formatInt(end)}, the file has ${formatInt(source.size)} (an interrupted download?)`,
    );
}
