/**
 * A GGUF model split over several files (`gguf-split`: `<prefix>-00001-of-00003.gguf`…), read as
 * llama.cpp loads it (src/llama-model-loader.cpp at 80fb11a): the first file holds the metadata
 * and `split.count`; every file holds `split.no` (its index from 0) and the tensor infos of its
 * own tensors; `split.tensors.count` is the tensors of all files together. File names follow
 * llama_split_path / llama_split_prefix (src/llama.cpp): `%s-%05d-of-%05d.gguf`, numbered from 1.
 * The metadata is the first file's, the tensor table is every file's; a missing file, a file out
 * of order, a tensor in two files or a total that does not add up is refused, as llama.cpp does.
 */
import { UserError } from '../core/errors.js';
import type { ByteSource } from './byteSource.js';
import { type GgufHeader, type GgufValue, readGgufHeader } from './gguf.js';

/** A file name split as llama_split_prefix does: the prefix, the index from 1 and the count. */
export interface SplitName {
  prefix: string;
  index: number;
  count: number;
}

/** `<prefix>-0000i-of-0000N.gguf` (case of `.gguf` ignored, as llama.cpp's -hf matcher does), or null. */
export function splitName(path: string): SplitName | null {
  const match = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i.exec(path);
  if (!match) return null;
  return { prefix: match[1] as string, index: Number(match[2]), count: Number(match[3]) };
}

/** The name of part `index` (from 1) of `count`: llama_split_path's `%s-%05d-of-%05d.gguf`. */
export function splitPartName(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
}

/** A part to read: a ByteSource, closed after reading when it has a close(). */
export type PartSource = ByteSource & { close?: () => void };

/** Opens part `index` (from 1) of `count`, or throws a UserError saying why it cannot. */
export type OpenPart = (index: number, count: number) => PartSource | Promise<PartSource>;

function whole(value: GgufValue | undefined): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return null;
}

async function readPart(source: PartSource): Promise<GgufHeader> {
  try {
    return await readGgufHeader(source);
  } finally {
    source.close?.();
  }
}

/** The file's `split.no` must be `index - 1`, as llama.cpp checks it ("invalid split file idx"). */
function checkSplitNo(header: GgufHeader, index: number, count: number, label: string): void {
  const no = whole(header.metadata.get('split.no'));
  if (no === index - 1) return;
  throw new UserError(
    no === null
      ? `${label}: part ${index} of ${count} has no split.no; it is not a part of this split model`
      : `${label}: is part ${no + 1} of a split model, not part ${index} of ${count}`,
  );
}

/** Adds `part`'s tensors to `tensors`, refusing one already there ("tensor is duplicated"). */
function addTensors(tensors: GgufHeader['tensors'], seen: Set<string>, part: GgufHeader, label: string): void {
  for (const tensor of part.tensors) {
    if (seen.has(tensor.name)) throw new UserError(`${label}: tensor "${tensor.name}" is in two parts of the split`);
    seen.add(tensor.name);
    tensors.push(tensor);
  }
}

/**
 * The header of a GGUF model from its first file, with the tensors of every other part when it is
 * split (`split.count` > 1). `first` is read and closed here; `openPart` opens parts 2…N.
 * `label` names the model in errors. Returns the merged header and the number of files read.
 */
export async function readGgufSplits(
  first: PartSource,
  openPart: OpenPart,
  label: string,
): Promise<{ header: GgufHeader; partCount: number }> {
  const header = await readPart(first);
  const count = whole(header.metadata.get('split.count')) ?? 1;
  if (count <= 1) return { header, partCount: 1 };
  const no = whole(header.metadata.get('split.no'));
  if (no !== 0)
    throw new UserError(
      `${label}: is part ${(no ?? 0) + 1} of ${count} of a split model; pass the first part (…-00001-of-${String(count).padStart(5, '0')}.gguf)`,
    );
  const tensors = [...header.tensors];
  const seen = new Set(tensors.map((tensor) => tensor.name));
  for (let index = 2; index <= count; index++) {
    const part = await readPart(await openPart(index, count));
    checkSplitNo(part, index, count, label);
    addTensors(tensors, seen, part, label);
  }
  const expected = whole(header.metadata.get('split.tensors.count'));
  if (expected !== null && expected !== tensors.length)
    throw new UserError(
      `${label}: split.tensors.count says ${expected} tensors, its ${count} parts hold ${tensors.length}`,
    );
  return { header: { version: header.version, metadata: header.metadata, tensors }, partCount: count };
}
