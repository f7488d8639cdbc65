/**
 * The GPU a plan is checked against: a catalog entry (--gpu <id>), a custom size (--gpu-memory), or
 * every catalog GPU (--gpu all). Engines that size their pools from the CUDA-visible total
 * (torch.cuda.mem_get_info: vLLM, SGLang, TensorRT-LLM) use the catalog's cudaTotalMiB where it has a
 * sighting, else nvidia-smi's total; everything else uses nvidia-smi's total.
 */
import { UserError } from '../core/errors.js';
import type { GpuSpec } from '../core/fit.js';
import type { Engine } from '../core/serving/types.js';
import { MIB, formatInt } from '../core/units.js';
import { GPUS, type GpuEntry, findGpu } from '../model/gpus.js';

/** Smallest --gpu-memory accepted. */
export const MIN_GPU_MEMORY_BYTES = 2 ** 20;

/** Engines that size their pools from the CUDA-visible total, not nvidia-smi's. */
export const CUDA_TOTAL_ENGINES: readonly Engine[] = ['vllm', 'sglang', 'tensorrt-llm'];

export interface GpuTarget extends GpuSpec {
  /** The catalog entry; null for --gpu-memory. */
  entry: GpuEntry | null;
}

export interface GpuChoice {
  gpu?: string | undefined;
  gpuMemory?: number | undefined;
}

/** The memory an engine sizes from: CUDA's total where the catalog has a sighting, else nvidia-smi's. */
export function engineMemoryBytes(entry: GpuEntry, engine: Engine | null): number {
  const cuda = engine !== null && CUDA_TOTAL_ENGINES.includes(engine) ? entry.cudaTotalMiB : undefined;
  return (cuda ?? entry.reportedMiB) * MIB;
}

export function catalogTarget(entry: GpuEntry, engine: Engine | null): GpuTarget {
  return { id: entry.id, name: entry.name, memoryBytes: engineMemoryBytes(entry, engine), entry };
}

/** Checks --gpu / --gpu-memory; true when they name one GPU type (not all, not none). */
export function checkGpuChoice(choice: GpuChoice): boolean {
  if (choice.gpuMemory !== undefined) {
    if (choice.gpu === 'all') throw new UserError('--gpu-memory: cannot be combined with --gpu all');
    if (choice.gpu !== undefined)
      throw new UserError(`--gpu-memory: cannot be combined with --gpu ${choice.gpu}; give one of them`);
    if (choice.gpuMemory < MIN_GPU_MEMORY_BYTES) {
      throw new UserError(
        `--gpu-memory: ${formatInt(choice.gpuMemory)} B is less than 1 MiB; give a size such as 94GiB`,
      );
    }
    return true;
  }
  return choice.gpu !== undefined && choice.gpu !== 'all';
}

/** The one GPU type chosen, or null for none / all. */
export function gpuTarget(choice: GpuChoice, engine: Engine | null): GpuTarget | null {
  if (!checkGpuChoice(choice)) return null;
  if (choice.gpuMemory !== undefined)
    return { id: 'custom', name: 'custom GPU', memoryBytes: choice.gpuMemory, entry: null };
  return catalogTarget(findGpu(choice.gpu ?? ''), engine);
}

/** Every catalog GPU, for --gpu all. */
export function catalogTargets(engine: Engine | null): GpuTarget[] {
  return GPUS.map((entry) => catalogTarget(entry, engine));
}

/** The note capacity adds on how an engine's pool is sized, or null. */
export function cudaTotalNote(target: GpuTarget, engine: Engine): string | null {
  const entry = target.entry;
  if (entry === null || !CUDA_TOTAL_ENGINES.includes(engine)) return null;
  if (entry.cudaTotalMiB !== undefined) {
    return `${engine} sizes its pool from the CUDA-visible total, ${formatInt(entry.cudaTotalMiB)} MiB on ${entry.id} (nvidia-smi shows ${formatInt(entry.reportedMiB)} MiB; the driver reserves the rest)`;
  }
  return `${engine} sizes its pool from the CUDA-visible total, which is 266–768 MiB below nvidia-smi's ${formatInt(entry.reportedMiB)} MiB on the GPUs where both were seen; none was found for ${entry.id}, so nvidia-smi's is used (a pool up to ~0.7 GiB too large)`;
}
