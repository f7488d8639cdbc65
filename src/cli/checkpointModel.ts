/**
 * A LoadedModel from a checkpoint: a repository's config.json with its safetensors summary, or a
 * GGUF header (metadata as a config, tensor table as the stored bytes), --set applied to the raw
 * config, and the warnings that say when the parts do not belong together.
 */
import { countParameters } from '../core/parameters.js';
import { UserError } from '../core/errors.js';
import { formatInt } from '../core/units.js';
import { readWithSets } from '../model/configOverrides.js';
import type { GgufHeader } from '../checkpoint/gguf.js';
import { ggufToConfig } from '../checkpoint/ggufConfig.js';
import { type CheckpointSummary, summarizeGguf } from '../checkpoint/summary.js';
import type { LoadedModel } from '../plan/model.js';

/** A model read from a repository (directory or Hub) or a GGUF file. */
export function fromCheckpoint(
  id: string,
  sourceKind: LoadedModel['sourceKind'],
  config: unknown,
  checkpoint: CheckpointSummary | null,
  sets: readonly [string, unknown][],
): LoadedModel {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new UserError(`${id}: config.json is not a JSON object`);
  const read = readWithSets(Object.fromEntries(Object.entries(config)), sets, id);
  if (sourceKind !== 'gguf' && checkpoint !== null && read.quantization === null) {
    const fromConfig = countParameters(read.arch).totalCount;
    // Tied or untied heads, MTP layers and buffers move the count by a few per cent; beyond a
    // tenth, the weights and the config do not describe the same model.
    if (checkpoint.elementCount < 0.9 * fromConfig || checkpoint.elementCount > 1.1 * fromConfig)
      read.warnings.push(
        `the safetensors files hold ${formatInt(checkpoint.elementCount)} parameters, config.json describes ${formatInt(fromConfig)}: they do not belong together (a missing shard, or another model's config?); the weights use the files' bytes`,
      );
  }
  return { ...read, id, name: id, source: id, sourceKind, checkpoint, publishedParameterCount: null };
}

/**
 * A model from a GGUF header read from `files` (one, or every part of a split), named `label`;
 * `notes` (what the source loads beside it and vram does not count) lead the warnings.
 */
export function fromGgufHeader(
  label: string,
  header: GgufHeader,
  files: readonly string[],
  sets: readonly [string, unknown][],
  notes: readonly string[] = [],
): LoadedModel {
  const summary = { ...summarizeGguf(files[0] ?? label, header), files: [...files] };
  const model = fromCheckpoint(label, 'gguf', ggufToConfig(header, label), summary, sets);
  const fromMetadata = countParameters(model.arch).totalCount;
  if (summary.elementCount !== fromMetadata) {
    model.warnings.push(
      `the GGUF tensor table holds ${formatInt(summary.elementCount)} parameters, the architecture read from its metadata ${formatInt(fromMetadata)}; the weights use the tensor table's bytes`,
    );
  }
  model.warnings.unshift(...notes);
  return model;
}
