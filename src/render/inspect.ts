/** `vram inspect`: where a model came from, its shape, its parameters by part and its KV bytes per token. */
import { countParameters } from '../core/parameters.js';
import { formatLabel } from '../core/quantization.js';
import { weightMatrices } from '../core/weightMatrices.js';
import { formatInt } from '../core/units.js';
import { visionParameterCount } from '../core/visionTower.js';
import type { Format, UnitSystem } from '../plan/common.js';
import { type ModelInspection, inspectModel } from '../plan/inspect.js';
import type { LoadedModel } from '../plan/model.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { architectureSummary, groupText } from './architectureSummary.js';
import { formatBytes, formatShare } from './bytes.js';
import { grid } from './grid.js';

export function inspectJson(inspection: ModelInspection) {
  const { model, counts } = inspection;
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    model: {
      id: model.id,
      name: model.name,
      source: model.source,
      sourceKind: model.sourceKind,
      modelType: model.arch.modelType,
      layout: model.arch.layout,
    },
    architecture: {
      summary: architectureSummary(model.arch),
      layerCount: inspection.layerCount,
      hiddenSize: model.arch.hiddenSize,
      vocabSize: model.arch.vocabSize,
      maxContextTokens: model.arch.maxPositionCount,
      layers: model.arch.layers,
      encoderLayers: model.arch.encoderLayers,
    },
    parameters: {
      embeddingCount: counts.embeddingCount,
      attentionCount: counts.attentionCount,
      recurrentCount: counts.recurrentCount,
      mlpCount: counts.mlpCount,
      normCount: counts.normCount,
      headCount: counts.headCount,
      totalCount: counts.totalCount,
      activeCount: counts.activeCount,
      visionCount: model.arch.vision ? visionParameterCount(model.arch.vision) : 0,
      publishedCount: model.publishedParameterCount,
    },
    kvCache: { elementsPerToken: inspection.kvElementsPerToken, bytesPerToken16Bit: inspection.kvBytesPerToken16Bit },
    recurrentState: { bytesPerSequence16Bit: inspection.stateBytesPerSequence16Bit },
    layerKinds: inspection.layerKinds.map((kind) => ({
      stack: kind.stack,
      layerCount: kind.group.count,
      summary: groupText(kind.group),
      kvBytesPerToken16Bit: kind.kvBytesPerToken16Bit,
      stateBytesPerSequence16Bit: kind.stateBytesPerSequence16Bit,
    })),
    quantization: model.quantization,
    checkpoint: model.checkpoint,
    warnings: model.warnings,
  };
}

export function renderInspect(model: LoadedModel, format: Format, units: UnitSystem, color: boolean): string {
  const inspection = inspectModel(model);
  if (format === 'json') return `${JSON.stringify(inspectJson(inspection), null, 2)}\n`;
  const lines = summaryLines(inspection, units);
  const kinds = inspection.layerKinds.length > 1 ? layerKindsTable(inspection, units, format, color) : null;
  if (format === 'markdown') {
    // Markdown: the summary as a list, each table after a blank line (or it would join the paragraph).
    const list = lines.map(([label, value]) => `- **${label}**: ${value}`);
    const tables = [parametersTable(inspection, format, color), ...(kinds ? [kinds] : [])];
    return `${[list.join('\n'), ...tables].join('\n\n')}\n`;
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  const summary = lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
  return `${summary}\n${parametersTable(inspection, format, color)}\n${kinds ? `${kinds}\n` : ''}`;
}

/** The labelled lines above the tables: source, shape, context, KV and state, quantization, checkpoint. */
function summaryLines(inspection: ModelInspection, units: UnitSystem): [string, string][] {
  const { model } = inspection;
  const kvPerToken = inspection.kvBytesPerToken16Bit;
  const lines: [string, string][] = [
    ['source', `${model.source} (${model.sourceKind})`],
    ['architecture', `${model.arch.modelType}, ${model.arch.layout}: ${architectureSummary(model.arch)}`],
    ['trained context', `${formatInt(model.arch.maxPositionCount)} tokens`],
    [
      'KV cache per token',
      model.arch.layout === 'encoder'
        ? '0 (encoder)'
        : kvPerToken === 0
          ? '0 (no attention layers)'
          : `${formatBytes(kvPerToken, units)} at 16-bit (${formatInt(kvPerToken)} B)`,
    ],
  ];
  if (inspection.stateBytesPerSequence16Bit > 0) {
    const state = inspection.stateBytesPerSequence16Bit;
    lines.push([
      'state per sequence',
      `${formatBytes(state, units)} at 16-bit (${formatInt(state)} B), whatever the context`,
    ]);
  }
  if (model.quantization) lines.push(['quantization', formatLabel(model.quantization)]);
  if (model.checkpoint) {
    const stored = Object.entries(model.checkpoint.bytesByType).sort((a, b) => b[1] - a[1]);
    const total = stored.reduce((sum, [, b]) => sum + b, 0);
    lines.push([
      'checkpoint',
      `${model.checkpoint.tensorCount} tensors in ${model.checkpoint.files.length} ${model.checkpoint.format} file(s): ${formatBytes(total, units)} = ${stored.map(([type, b]) => `${formatBytes(b, units)} ${type}`).join(' + ')}`,
    ]);
  }
  return lines;
}

/** Parameters by part, the total, the vision tower, active per token and the published count. */
function parametersTable(inspection: ModelInspection, format: Format, color: boolean): string {
  const { model, counts } = inspection;
  const parts: [string, number][] = [
    ['embeddings', counts.embeddingCount],
    ['attention', counts.attentionCount],
    ...(counts.recurrentCount > 0
      ? [['recurrent (SSM / linear attention)', counts.recurrentCount] as [string, number]]
      : []),
    [inspection.hasExperts ? 'MLP (all experts)' : 'MLP', counts.mlpCount],
    ['norms', counts.normCount],
    ['head', counts.headCount],
  ];
  const table: string[][] = [];
  const share = (count: number) => formatShare(count, counts.totalCount);
  for (const [label, count] of parts) table.push([label, formatInt(count), share(count)]);
  table.push([model.arch.vision ? 'total (language model)' : 'total', formatInt(counts.totalCount), '100.0%']);
  if (model.arch.vision) {
    const vision = visionParameterCount(model.arch.vision);
    table.push(['vision tower + projector', formatInt(vision), share(vision)]);
    table.push(['total with the tower', formatInt(counts.totalCount + vision), share(counts.totalCount + vision)]);
  }
  if (counts.activeCount !== counts.totalCount)
    table.push(['active per token', formatInt(counts.activeCount), share(counts.activeCount)]);
  if (model.publishedParameterCount !== null)
    table.push([
      'published',
      formatInt(model.publishedParameterCount),
      model.publishedParameterCount === counts.totalCount ? 'matches' : 'differs',
    ]);
  return grid(['part', 'parameters', 'share'], table, ['left', 'right', 'right'], format, color);
}

/** One row per kind of layer: how many, what they are, KV per token and state per sequence at 16 bits. */
function layerKindsTable(inspection: ModelInspection, units: UnitSystem, format: Format, color: boolean): string {
  const table: string[][] = [];
  for (const kind of inspection.layerKinds) {
    const prefix = inspection.model.arch.encoderLayers.length > 0 ? `${kind.stack}: ` : '';
    table.push([
      String(kind.group.count),
      `${prefix}${groupText(kind.group).replace(/^\d+ × /, '')}`,
      kind.kvBytesPerToken16Bit > 0 ? formatBytes(kind.kvBytesPerToken16Bit, units) : '—',
      kind.stateBytesPerSequence16Bit > 0 ? formatBytes(kind.stateBytesPerSequence16Bit, units) : '—',
    ]);
  }
  return grid(
    ['layers', 'kind', 'KV / token', 'state / sequence'],
    table,
    ['right', 'left', 'right', 'right'],
    format,
    color,
  );
}

/**
 * --explain: where the parameter count comes from. Every weight matrix, grouped by kind and shape
 * (count × in × out, the counts exact), then what is not in a matrix (norms, biases, routers,
 * position tables) as the rest of the total.
 */
export function renderInspectWorking(model: LoadedModel, format: Format): string {
  const rows = new Map<string, { kind: string; inFeatures: number; outFeatures: number; count: number }>();
  for (const m of weightMatrices(model.arch)) {
    const key = `${m.kind}|${m.inFeatures}|${m.outFeatures}${m.expert ? '|expert' : ''}`;
    const row = rows.get(key) ?? {
      kind: m.expert ? `${m.kind} (experts)` : m.kind,
      inFeatures: m.inFeatures,
      outFeatures: m.outFeatures,
      count: 0,
    };
    row.count += m.count;
    rows.set(key, row);
  }
  const total = countParameters(model.arch).totalCount;
  let inMatrices = 0;
  const lines = [...rows.values()].map((row) => {
    const params = row.count * row.inFeatures * row.outFeatures;
    inMatrices += params;
    return [
      row.kind,
      `${formatInt(row.count)} × ${formatInt(row.inFeatures)} × ${formatInt(row.outFeatures)}`,
      formatInt(params),
    ];
  });
  lines.push([
    'norms, biases, routers, positions',
    `${formatInt(total)} − ${formatInt(inMatrices)}`,
    formatInt(total - inMatrices),
  ]);
  lines.push(['total', '', formatInt(total)]);
  const table = grid(['weights', 'count × in × out', 'parameters'], lines, ['left', 'right', 'right'], format, false);
  const heading =
    format === 'markdown'
      ? '**Working: the parameters, matrix by matrix**\n'
      : 'Working: the parameters, matrix by matrix';
  return `\n${heading}\n${table}\n`;
}
