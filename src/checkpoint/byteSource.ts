/**
 * Random access to the bytes of a checkpoint file, local or remote, so header readers fetch only
 * the few kilobytes they parse (HTTP Range requests for remote files, as hf-mem does).
 */
export interface ByteSource {
  /** Names the file in error messages. */
  label: string;
  /** Total size in bytes, when known. */
  size: number | null;
  /** Bytes [offset, offset + length), fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory (tests, cached headers). */
export function memorySource(bytes: Uint8Array, label: string): ByteSource {
  return {
    label,
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}
