/**
 * The GPU catalog (presets/gpus.json): memory as the driver reports it, with a source per GPU.
 */
import type * as z from 'zod/mini';
import type { gpuEntrySchema } from './gpuSchema.js';
import type { GpuSpec } from '../core/fit.js';
import { closestName } from '../core/suggest.js';
import { MIB } from '../core/units.js';
import catalog from '../../presets/gpus.json';
import { UserError } from '../core/errors.js';

export type GpuEntry = z.infer<typeof gpuEntrySchema>;

export const GPUS = (catalog as { gpus: GpuEntry[] }).gpus;

export function gpuSpec(entry: GpuEntry): GpuSpec {
  return { id: entry.id, name: entry.name, memoryBytes: entry.reportedMiB * MIB };
}

export function findGpu(name: string): GpuEntry {
  const needle = name.toLowerCase();
  const entry = GPUS.find((g) => g.id === needle || g.aliases.includes(needle));
  if (entry) return entry;
  const suggestion = closestName(
    needle,
    GPUS.flatMap((g) => [g.id, ...g.aliases]),
  );
  throw new UserError(
    `--gpu: unknown GPU "${name}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}; run \`vram gpus\` for the list`,
  );
}
