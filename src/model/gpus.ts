/**
 * The GPU catalog (presets/gpus.json): memory as the driver reports it, with a source per GPU.
 */
import * as z from 'zod/mini';
import type { GpuSpec } from '../core/fit.js';
import { closestName } from '../core/suggest.js';
import { MIB } from '../core/units.js';
import catalog from '../../presets/gpus.json';
import { UserError } from './errors.js';

export const gpuEntrySchema = z.strictObject({
  /** Lower-case id used with --gpu. */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]*$/)),
  aliases: z.array(z.string()),
  name: z.string().check(z.minLength(1)),
  /** Size as marketed, e.g. "80 GB" (decimal, loosely). */
  marketedSize: z.string().check(z.minLength(1)),
  /** Total memory as nvidia-smi / rocm-smi reports it, MiB. */
  reportedMiB: z.int().check(z.positive()),
  /** True when no reported figure was found and reportedMiB is the marketed size. */
  memoryIsMarketed: z.boolean(),
  /** Where reportedMiB was seen (quoted). */
  source: z.string().check(z.minLength(1)),
  note: z.string(),
});
export const gpuCatalogSchema = z.strictObject({ $comment: z.string(), gpus: z.array(gpuEntrySchema) });
export type GpuEntry = z.infer<typeof gpuEntrySchema>;

export const GPUS = (catalog as { gpus: GpuEntry[] }).gpus;

export function gpuSpec(entry: GpuEntry): GpuSpec {
  return { id: entry.id, name: entry.name, memoryBytes: entry.reportedMiB * MIB };
}

export function findGpu(name: string): GpuEntry {
  const needle = name.toLowerCase();
  const entry = GPUS.find((g) => g.id === needle || g.aliases.includes(needle));
  if (entry) return entry;
  const suggestion = closestName(needle, GPUS.flatMap((g) => [g.id, ...g.aliases]));
  throw new UserError(
    `--gpu: unknown GPU "${name}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}; run \`vram gpus\` for the list`,
  );
}
