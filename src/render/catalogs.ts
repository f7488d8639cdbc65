/**
 * `vram models` and `vram gpus`: the presets and the GPU catalog as tables, markdown or JSON rows.
 */
import Table from 'cli-table3';
import type { Format, UnitSystem } from '../cli/choices.js';
import { type AttentionSpec, allLayerGroups, layerCount, leadAttention } from '../core/architecture.js';
import { dtypeBytes } from '../core/dtype.js';
import { kvElementsPerToken } from '../core/kvCache.js';
import { countParameters } from '../core/parameters.js';
import { MIB } from '../core/units.js';
import { GPUS } from '../model/gpus.js';
import { readHfConfig } from '../model/hfConfig.js';
import { PRESETS } from '../model/presets.js';
import { formatBytes, formatCount } from './bytes.js';
import { COMPACT_ROWS } from './estimateText.js';

/** KV heads of standard attention; MLA caches one shared latent, shown as 1. */
function kvHeads(attention: AttentionSpec): number {
  return attention.kind === 'standard' ? attention.kvHeadCount : 1;
}

export function modelRows(): Record<string, unknown>[] {
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
      attentionHeadCount: leadAttention(arch).headCount,
      kvHeadCount: kvHeads(leadAttention(arch)),
      maxContextTokens: arch.maxPositionCount,
      kvCacheBytesPerToken: dtypeBytes(kvElementsPerToken(arch), 'bf16'),
      source: preset.source,
    };
  });
}

export function gpuRows(): Record<string, unknown>[] {
  return GPUS.map((gpu) => ({ ...gpu, memoryBytes: gpu.reportedMiB * MIB }));
}

function renderRows(head: string[], rows: string[][], format: Format, color: boolean): string {
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return `${[line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')}\n`;
  }
  const table = new Table({ head, chars: COMPACT_ROWS, style: { head: color ? ['cyan'] : [], border: color ? ['gray'] : [] } });
  table.push(...rows);
  return `${table.toString()}\n`;
}

export function renderModels(format: Format, units: UnitSystem, color: boolean): string {
  const rows = modelRows();
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, models: rows }, null, 2)}\n`;
  const head = ['id', 'aliases', 'family', 'params', 'layers', 'hidden', 'heads / kv', 'max ctx', 'KV / token (16-bit)'];
  const body = rows.map((r) => [
    String(r.id),
    (r.aliases as string[]).join(', '),
    String(r.family),
    r.activeParameterCount === r.parameterCount ? formatCount(r.parameterCount as number) : `${formatCount(r.parameterCount as number)} (${formatCount(r.activeParameterCount as number)} active)`,
    String(r.layerCount),
    (r.hiddenSize as number).toLocaleString('en-US'),
    `${r.attentionHeadCount} / ${r.kvHeadCount}`,
    (r.maxContextTokens as number).toLocaleString('en-US'),
    r.kvCacheBytesPerToken === 0 ? '0 (encoder)' : formatBytes(r.kvCacheBytesPerToken as number, units),
  ]);
  return renderRows(head, body, format, color);
}

export function renderGpus(format: Format, units: UnitSystem, color: boolean): string {
  const rows = gpuRows();
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, gpus: rows }, null, 2)}\n`;
  const head = ['id', 'name', 'marketed', 'reported (MiB)', 'memory', 'aliases'];
  const body = rows.map((r) => [
    String(r.id),
    String(r.name),
    String(r.marketedSize),
    `${(r.reportedMiB as number).toLocaleString('en-US')}${r.memoryIsMarketed ? ' (marketed)' : ''}`,
    formatBytes(r.memoryBytes as number, units),
    (r.aliases as string[]).join(', '),
  ]);
  return renderRows(head, body, format, color);
}
