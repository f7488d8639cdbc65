/** One-line descriptions of an architecture, for --explain, `vram models` and `vram inspect`. */
import {
  type AttentionSpec,
  type LayerGroup,
  type ModelArchitecture,
  allLayerGroups,
  layerCount,
} from '../core/architecture.js';
import { formatInt } from '../core/units.js';

/** "64 heads (8 KV, head dim 128)" or "128 heads, MLA (latent 512 + rope 64)". */
export function attentionText(attention: AttentionSpec): string {
  if (attention.kind === 'latent')
    return `${attention.headCount} heads, MLA (latent ${attention.kvLoraRank} + rope ${attention.qkRopeHeadDim})`;
  const window =
    attention.window === null ? '' : `, ${attention.chunked ? 'chunk' : 'window'} ${formatInt(attention.window)}`;
  return `${attention.headCount} heads (${attention.kvHeadCount} KV, head dim ${attention.headDim}${window})`;
}

function mlpText(group: LayerGroup): string {
  const { mlp } = group;
  const kind = mlp.gated ? 'gated MLP' : 'MLP';
  if (mlp.experts === null) return `${kind} ${formatInt(mlp.intermediateSize)}`;
  const shared =
    mlp.experts.sharedIntermediateSize > 0 ? ` + shared ${formatInt(mlp.experts.sharedIntermediateSize)}` : '';
  return `${mlp.experts.expertCount} experts × ${kind} ${formatInt(mlp.intermediateSize)} (${mlp.experts.activeExpertCount} per token)${shared}`;
}

function groupText(group: LayerGroup): string {
  const cross = group.crossAttention ? ' + cross-attention' : '';
  return `${group.count} × [${attentionText(group.attention)}${cross}, ${mlpText(group)}]`;
}

/** e.g. "80 layers, hidden 8,192: 80 × [64 heads (8 KV, head dim 128), gated MLP 28,672], vocab 32,000". */
export function architectureSummary(arch: ModelArchitecture): string {
  const stacks =
    arch.encoderLayers.length > 0
      ? `encoder ${arch.encoderLayers.map(groupText).join(' + ')}; decoder ${arch.layers.map(groupText).join(' + ')}`
      : arch.layers.map(groupText).join(' + ');
  return `${layerCount(allLayerGroups(arch))} layers, hidden ${formatInt(arch.hiddenSize)}: ${stacks}, vocab ${formatInt(arch.vocabSize)}`;
}
