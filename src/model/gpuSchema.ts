/** The GPU catalog format (presets/gpus.json), validated by test/presets.test.ts. */
import * as z from 'zod/mini';

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

