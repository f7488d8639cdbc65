/**
 * The rows of `vram models` and `vram gpus`: each preset counted and measured (parameters, layers,
 * heads, KV bytes per token at 16 bits) and each catalog GPU with its memory in bytes.
 */
import { type AttentionSpec, allLayerGroups, layerCount, leadAttention } from '../core/architecture.js';
import { dtypeBytes } from '../core/dtype.js';
import { kvElementsPerToken } from '../core/kvCache.js';
import { countParameters } from '../core/parameters.js';
import { MIB } from '../core/units.js';
import { GPUS, type GpuEntry } from '../model/gpus.js';
import { readHfConfig } from '../model/hfConfig.js';
import { PRESETS } from '../model/presets.js';

export interface ModelRow {
  id: string;
  aliases: string[];
  name: string;
  family: string;
  parameterCount: number;
  activeParameterCount: number;
  layerCount: number;
  hiddenSize: number;
  attentionHeadCount: number;
  /** K/V heads of standard attention; MLA caches one shared latent, shown as 1. */
  kvHeadCount: number;
  maxContextTokens: number;
  kvCacheBytesPerToken: number;
  source: string;
}

export type GpuRow = GpuEntry & { memoryBytes: number };

function kvHeads(attention: AttentionSpec | null): number {
  if (attention === null) return 0;
  return attention.kind === 'standard' ? attention.kvHeadCount : 1;
}

/**
 * The rows of the bundled presets, computed by scripts/build.mjs and written into the CLI bundle
 * (reading and counting 59 configs took about a third of `vram models`' start-up); undefined in the
 * library and the tests, which compute them. test/e2e/bundle.test.ts checks the two agree.
 */
declare const __VRAM_MODEL_ROWS__: ModelRow[] | undefined;

export function modelRows(): ModelRow[] {
  if (typeof __VRAM_MODEL_ROWS__ !== 'undefined') return __VRAM_MODEL_ROWS__;
  return countedModelRows();
}

function countedModelRows(): ModelRow[] {
  return PRESETS.map((preset) => {
    const arch = readHfConfig(preset.config, `preset ${preset.id}`);
    const counts = countParameters(arch);
    return {
      id: preset.id,
      aliases: preset.aliases,
      name: preset.name,
      family: preset.family,
      parameterCount: counts.totalCount,
      activeParameterCount: counts.activeCount,
      layerCount: layerCount(allLayerGroups(arch)),
      hiddenSize: arch.hiddenSize,
      attentionHeadCount: leadAttention(arch)?.headCount ?? 0,
      kvHeadCount: kvHeads(leadAttention(arch)),
      maxContextTokens: arch.maxPositionCount,
      kvCacheBytesPerToken: dtypeBytes(kvElementsPerToken(arch), 'bf16'),
      source: preset.source,
    };
  });
}

export function gpuRows(): GpuRow[] {
  return GPUS.map((gpu) => ({ ...gpu, memoryBytes: gpu.reportedMiB * MIB }));
}
