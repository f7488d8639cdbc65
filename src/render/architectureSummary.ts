/** One-line descriptions of an architecture, for --explain, `vram models` and `vram inspect`. */
import {
  type AttentionSpec,
  type LayerGroup,
  type ModelArchitecture,
  type RecurrentMixer,
  allLayerGroups,
  layerCount,
} from '../core/architecture.js';
import { formatInt } from '../core/units.js';

/** "64 heads (8 KV, head dim 128)" or "128 heads, MLA (latent 512 + rope 64)". */
export function attentionText(attention: AttentionSpec): string {
  if (attention.kind === 'latent')
    return `${attention.headCount} heads, MLA (latent ${attention.kvLoraRank} + rope ${attention.qkRopeHeadDim}${attention.indexer ? `, indexer ${attention.indexer.headCount} × ${attention.indexer.headDim}` : ''})`;
  const window =
    attention.window === null ? '' : `, ${attention.chunked ? 'chunk' : 'window'} ${formatInt(attention.window)}`;
  const shared = attention.sharedKv ? ', K/V shared with an earlier layer' : '';
  return `${attention.headCount} heads (${attention.kvHeadCount} KV, head dim ${attention.headDim}${window}${shared})`;
}

/** "Mamba-2 (128 heads × 64, state 128)" or "Gated DeltaNet (16 key / 32 value heads, 128 × 128)". */
export function recurrentText(mixer: RecurrentMixer): string {
  switch (mixer.kind) {
    case 'lightning':
      return `lightning attention (${mixer.headCount} heads × ${mixer.headDim})`;
    case 'rwkv4':
      return `RWKV-4 time mixing (${formatInt(mixer.attentionSize)} wide)`;
    case 'mamba':
      return `Mamba (inner ${formatInt(mixer.innerSize)}, state ${mixer.stateSize}, conv ${mixer.convKernel})`;
    case 'mamba2':
      return `Mamba-2 (${mixer.headCount} heads × ${mixer.headDim}, state ${mixer.stateSize}, ${mixer.groupCount} groups)`;
    case 'gated_deltanet':
      return `Gated DeltaNet (${mixer.keyHeadCount} key / ${mixer.valueHeadCount} value heads, ${mixer.keyHeadDim} × ${mixer.valueHeadDim})`;
  }
}

function mlpText(group: LayerGroup): string {
  const { mlp } = group;
  if (mlp === null) return 'no MLP';
  const kind = mlp.gated ? 'gated MLP' : 'MLP';
  if (mlp.experts === null) return `${kind} ${formatInt(mlp.intermediateSize)}`;
  const shared =
    mlp.experts.sharedIntermediateSize > 0 ? ` + shared ${formatInt(mlp.experts.sharedIntermediateSize)}` : '';
  return `${mlp.experts.expertCount} experts × ${kind} ${formatInt(mlp.intermediateSize)} (${mlp.experts.activeExpertCount} per token)${shared}`;
}

/** e.g. "80 × [64 heads (8 KV, head dim 128), gated MLP 28,672]". */
export function groupText(group: LayerGroup): string {
  const cross = group.crossAttention ? ' + cross-attention' : '';
  const mixers = [
    ...(group.attention ? [attentionText(group.attention)] : []),
    ...(group.recurrent ? [recurrentText(group.recurrent)] : []),
  ];
  const mixer = mixers.length > 0 ? mixers.join(' ∥ ') : 'no token mixer';
  return `${group.count} × [${mixer}${cross}, ${mlpText(group)}]`;
}

/** e.g. "80 layers, hidden 8,192: 80 × [64 heads (8 KV, head dim 128), gated MLP 28,672], vocab 32,000". */
export function architectureSummary(arch: ModelArchitecture): string {
  const stacks =
    arch.encoderLayers.length > 0
      ? `encoder ${arch.encoderLayers.map(groupText).join(' + ')}; decoder ${arch.layers.map(groupText).join(' + ')}`
      : arch.layers.map(groupText).join(' + ');
  return `${layerCount(allLayerGroups(arch))} layers, hidden ${formatInt(arch.hiddenSize)}: ${stacks}, vocab ${formatInt(arch.vocabSize)}`;
}
