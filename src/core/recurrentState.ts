/**
 * Recurrent state: what a state-space or linear-attention layer keeps per sequence between steps.
 * It is fixed in size (it does not grow with the context), so it is its own component beside the
 * KV cache. Per layer and sequence:
 *   Mamba-1         conv d_inner × (d_conv − 1)                  + SSM d_inner × d_state
 *   Mamba-2         conv (d_inner + 2·g·d_state) × (d_conv − 1)  + SSM n_heads × d_head × d_state
 *   Gated DeltaNet  conv (2·n_k·d_k + n_v·d_v) × (d_conv − 1)    + recurrent n_v × d_k × d_v
 *   lightning       K^T·V state heads × d × d (MiniMaxCache linear_cache), no conv state
 *   RWKV-4          token shifts 2·h                             + WKV num, den, max 3·h
 *                   (transformers RwkvForCausalLM's five h-wide states; it assumes the attention
 *                   width equals h, which the reader checks)
 *   bytes = Σ layers (conv elements × conv bytes + state elements × state bytes) × sequences
 * The shapes are vLLM's (vllm/model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator:
 * mamba1_state_shape, mamba2_state_shape, gated_delta_net_state_shape) and llama.cpp's
 * (llama_hparams::n_embd_r / n_embd_s) and SGLang's. transformers' cache keeps d_conv columns, one
 * more, and its SSM state in float32 (transformers 5.18 MambaCache, checked on a CPU run).
 * Under tensor parallelism the channels and heads split over the GPUs; Mamba-2's B/C groups are
 * replicated when there are fewer groups than GPUs (vLLM extra_groups_for_head_shards).
 */
import type { LayerGroup, ModelArchitecture, RecurrentMixer } from './architecture.js';
import { type Component, component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { ceilDiv, exact, formatInt } from './units.js';

/** The dtypes an engine keeps the conv state and the SSM / recurrent state in. */
export interface StateDtypes {
  conv: Dtype;
  ssm: Dtype;
}

/** One layer's state elements on one of `gpuCount` tensor-parallel GPUs. */
export interface StateElements {
  conv: number;
  ssm: number;
}

/** Mamba-2 B/C groups on one GPU: split when they divide over the GPUs, else replicated to one per GPU. */
function groupsPerGpu(groups: number, gpuCount: number): number {
  return groups % gpuCount === 0 ? groups / gpuCount : 1;
}

export function stateElements(mixer: RecurrentMixer, gpuCount = 1): StateElements {
  if (mixer.kind === 'lightning')
    return { conv: 0, ssm: ceilDiv(mixer.headCount, gpuCount) * mixer.headDim * mixer.headDim };
  if (mixer.kind === 'rwkv4') {
    const width = ceilDiv(mixer.attentionSize, gpuCount);
    return { conv: 2 * width, ssm: 3 * width };
  }
  const history = mixer.convKernel - 1;
  switch (mixer.kind) {
    case 'mamba': {
      const inner = ceilDiv(mixer.innerSize, gpuCount);
      return { conv: inner * history, ssm: inner * mixer.stateSize };
    }
    case 'mamba2': {
      const heads = ceilDiv(mixer.headCount, gpuCount);
      const inner = ceilDiv(mixer.innerSize, gpuCount);
      const convDim = inner + 2 * groupsPerGpu(mixer.groupCount, gpuCount) * mixer.stateSize;
      return { conv: convDim * history, ssm: heads * mixer.headDim * mixer.stateSize };
    }
    case 'gated_deltanet': {
      const keyHeads = ceilDiv(mixer.keyHeadCount, gpuCount);
      const valueHeads = ceilDiv(mixer.valueHeadCount, gpuCount);
      const convDim = 2 * keyHeads * mixer.keyHeadDim + valueHeads * mixer.valueHeadDim;
      return { conv: convDim * history, ssm: valueHeads * mixer.keyHeadDim * mixer.valueHeadDim };
    }
  }
}

/** The conv and SSM state shapes of one mixer, in words. */
function stateText(mixer: RecurrentMixer): string {
  if (mixer.kind === 'rwkv4')
    return `2 × ${formatInt(mixer.attentionSize)} token shifts + 3 × ${formatInt(mixer.attentionSize)} WKV`;
  if (mixer.kind === 'lightning') return `${mixer.headCount} heads × ${mixer.headDim} × ${mixer.headDim} K·V state`;
  const history = mixer.convKernel - 1;
  switch (mixer.kind) {
    case 'mamba':
      return `${formatInt(mixer.innerSize)} × ${history} conv + ${formatInt(mixer.innerSize)} × ${mixer.stateSize} SSM`;
    case 'mamba2': {
      const convDim = mixer.innerSize + 2 * mixer.groupCount * mixer.stateSize;
      return `${formatInt(convDim)} × ${history} conv + ${mixer.headCount} heads × ${mixer.headDim} × ${mixer.stateSize} SSM`;
    }
    case 'gated_deltanet': {
      const convDim = 2 * mixer.keyHeadCount * mixer.keyHeadDim + mixer.valueHeadCount * mixer.valueHeadDim;
      return `${formatInt(convDim)} × ${history} conv + ${mixer.valueHeadCount} heads × ${mixer.keyHeadDim} × ${mixer.valueHeadDim} recurrent`;
    }
  }
}

const MIXER_NAMES: Record<RecurrentMixer['kind'], string> = {
  mamba: 'Mamba',
  mamba2: 'Mamba-2',
  gated_deltanet: 'Gated DeltaNet',
  rwkv4: 'RWKV-4',
  lightning: 'lightning-attention',
};

function recurrentGroups(arch: ModelArchitecture): (LayerGroup & { recurrent: RecurrentMixer })[] {
  return arch.layers.filter((group): group is LayerGroup & { recurrent: RecurrentMixer } => group.recurrent !== null);
}

/** Whether any layer keeps a recurrent state. */
export function hasRecurrentState(arch: ModelArchitecture): boolean {
  return recurrentGroups(arch).length > 0;
}

/** Bytes of one sequence's state on one of `gpuCount` tensor-parallel GPUs (0 for models without recurrent layers). */
export function recurrentStateBytesPerSequence(arch: ModelArchitecture, dtypes: StateDtypes, gpuCount = 1): number {
  let bytes = 0;
  for (const group of recurrentGroups(arch)) {
    const elements = stateElements(group.recurrent, gpuCount);
    bytes += group.count * (dtypeBytes(elements.conv, dtypes.conv) + dtypeBytes(elements.ssm, dtypes.ssm));
  }
  return exact(bytes, 'recurrent state bytes');
}

/** Bytes of `sequenceCount` sequences' state on one of `gpuCount` tensor-parallel GPUs. */
export function recurrentStateBytes(
  arch: ModelArchitecture,
  dtypes: StateDtypes,
  sequenceCount: number,
  gpuCount = 1,
): number {
  return exact(recurrentStateBytesPerSequence(arch, dtypes, gpuCount) * sequenceCount, 'recurrent state bytes');
}

function dtypeText(dtypes: StateDtypes): string {
  return dtypes.conv === dtypes.ssm
    ? `${bytesPerElementLabel(dtypes.conv)} (${dtypes.conv})`
    : `conv ${bytesPerElementLabel(dtypes.conv)} (${dtypes.conv}), state ${bytesPerElementLabel(dtypes.ssm)} (${dtypes.ssm})`;
}

/** The recurrent_state component, or null for models without recurrent layers. */
export function recurrentStateComponent(
  arch: ModelArchitecture,
  dtypes: StateDtypes,
  sequenceCount: number,
): Component | null {
  const groups = recurrentGroups(arch);
  if (groups.length === 0) return null;
  const figures = {
    id: 'recurrent_state' as const,
    label: 'Recurrent state',
    bytes: recurrentStateBytes(arch, dtypes, sequenceCount),
    expression: 'Σ recurrent layers × (conv + SSM state) × bytes × users',
    basis: 'exact' as const,
    range: null,
  };
  return component(figures, () => {
    const sequences = `${formatInt(sequenceCount)} ${sequenceCount === 1 ? 'sequence' : 'sequences'}`;
    const terms = groups.map(
      (group) => `${group.count} ${MIXER_NAMES[group.recurrent.kind]} layers × (${stateText(group.recurrent)})`,
    );
    const layers = groups.reduce((total, group) => total + group.count, 0);
    return {
      formula: `${terms.join(' + ')} × ${dtypeText(dtypes)} × ${sequences}`,
      notes: [
        `${layers} recurrent layers keep a fixed state per sequence that does not grow with the context (${formatInt(recurrentStateBytesPerSequence(arch, dtypes))} B per sequence)`,
      ],
    };
  });
}
