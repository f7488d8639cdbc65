/** The GPU catalog format (presets/gpus.json), validated by test/presets.test.ts. */
import * as z from 'zod/mini';

export const gpuEntrySchema = z.strictObject({
  /** Lower-case id used with --gpu. */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]*$/)),
  aliases: z.array(z.string()),
  name: z.string().check(z.minLength(1)),
  /** Size as marketed, e.g. "80 GB" (decimal, loosely). */
  marketedSize: z.string().check(z.minLength(1)),
  /**
   * Total memory as nvidia-smi / rocm-smi reports it, MiB. For Apple silicon: Metal's
   * recommendedMaxWorkingSetSize (see unifiedMemoryMiB).
   */
  reportedMiB: z.int().check(z.positive()),
  /** True when no reported figure was found and reportedMiB is the marketed size. */
  memoryIsMarketed: z.boolean(),
  /**
   * Apple silicon only: the Mac's total RAM, MiB, which CPU and GPU share. reportedMiB is then Metal's
   * recommendedMaxWorkingSetSize, the default GPU wired limit (what llama.cpp logs at startup and warns
   * past), not this total. `sudo sysctl iogpu.wired_limit_mb=N` changes that limit; then give
   * `--gpu-memory NMiB`.
   */
  unifiedMemoryMiB: z.optional(z.int().check(z.positive())),
  /**
   * Total memory CUDA reports to a process (torch.cuda.mem_get_info, what vLLM, SGLang and
   * TensorRT-LLM size their pools from): nvidia-smi's total less the driver's reserve. Only where a
   * sighting was found; logs print GiB with two decimals, so ±5 MiB.
   */
  cudaTotalMiB: z.optional(z.int().check(z.positive())),
  /** Where cudaTotalMiB was seen (quoted). */
  cudaTotalSource: z.optional(z.string().check(z.minLength(1))),
  /** Where reportedMiB was seen (quoted). */
  source: z.string().check(z.minLength(1)),
  note: z.string(),
});
export const gpuCatalogSchema = z.strictObject({ $comment: z.string(), gpus: z.array(gpuEntrySchema) });
