/**
 * What one of N tensor-parallel GPUs holds: Megatron-style sharding splits attention heads and
 * MLP widths (every expert's too) over the GPUs; K/V heads are replicated once N exceeds them;
 * hidden size and vocabulary stay whole (vLLM gathers logits). Used for activation peaks; weights
 * and KV use their exact per-GPU functions.
 */
import type {
  AttentionSpec,
  LayerGroup,
  MlpSpec,
  ModelArchitecture,
  RecurrentMixer,
  StandardAttention,
} from '../architecture.js';
import { perArchitectureAndKey } from '../perArchitecture.js';
import { ceilDiv } from '../units.js';

function shardStandardAttention(attention: StandardAttention, n: number): StandardAttention {
  return { ...attention, headCount: ceilDiv(attention.headCount, n), kvHeadCount: ceilDiv(attention.kvHeadCount, n) };
}

function shardAttention(attention: AttentionSpec, n: number): AttentionSpec {
  if (attention.kind === 'latent') return { ...attention, headCount: ceilDiv(attention.headCount, n) };
  return shardStandardAttention(attention, n);
}

/** A recurrent mixer's share of one GPU: its heads and channels split (vLLM shards them like attention heads). */
function shardRecurrent(mixer: RecurrentMixer, n: number): RecurrentMixer {
  switch (mixer.kind) {
    case 'rwkv4':
      return { ...mixer, attentionSize: ceilDiv(mixer.attentionSize, n) };
    case 'lightning':
      return { ...mixer, headCount: ceilDiv(mixer.headCount, n) };
    case 'mamba':
      return { ...mixer, innerSize: ceilDiv(mixer.innerSize, n) };
    case 'mamba2':
      return {
        ...mixer,
        headCount: ceilDiv(mixer.headCount, n),
        innerSize: ceilDiv(mixer.innerSize, n),
        groupCount: mixer.groupCount % n === 0 ? mixer.groupCount / n : 1,
      };
    case 'gated_deltanet':
      return {
        ...mixer,
        keyHeadCount: ceilDiv(mixer.keyHeadCount, n),
        valueHeadCount: ceilDiv(mixer.valueHeadCount, n),
      };
  }
}

function shardMlp(mlp: MlpSpec, n: number): MlpSpec {
  return {
    ...mlp,
    intermediateSize: ceilDiv(mlp.intermediateSize, n),
    experts: mlp.experts
      ? { ...mlp.experts, sharedIntermediateSize: ceilDiv(mlp.experts.sharedIntermediateSize, n) }
      : null,
  };
}

function shardGroup(group: LayerGroup, n: number): LayerGroup {
  return {
    ...group,
    attention: group.attention ? shardAttention(group.attention, n) : null,
    recurrent: group.recurrent ? shardRecurrent(group.recurrent, n) : null,
    crossAttention: group.crossAttention ? shardStandardAttention(group.crossAttention, n) : null,
    mlp: group.mlp ? shardMlp(group.mlp, n) : null,
  };
}

/** The architecture one of n tensor-parallel GPUs holds (built once per architecture and degree). */
export function shardForTensorParallel(arch: ModelArchitecture, n: number): ModelArchitecture {
  return n === 1 ? arch : shardOnce(arch, n);
}

const shardOnce = perArchitectureAndKey(shardArchitecture);

function shardArchitecture(arch: ModelArchitecture, n: number): ModelArchitecture {
  return {
    ...arch,
    layers: arch.layers.map((g) => shardGroup(g, n)),
    encoderLayers: arch.encoderLayers.map((g) => shardGroup(g, n)),
  };
}

/** Whether N GPUs split this attention: heads divide, K/V heads split or replicate evenly (QKVParallelLinear). */
function attentionSplits(attention: AttentionSpec, n: number): boolean {
  const heads = attention.headCount;
  const kv = attention.kind === 'standard' ? attention.kvHeadCount : heads;
  return heads % n === 0 && (kv % n === 0 || n % kv === 0);
}

/** Whether N GPUs split this mixer: its heads (Mamba-1: its channels) divide (vLLM MambaMixer2 asserts num_heads % tp == 0). */
function recurrentSplits(mixer: RecurrentMixer, n: number): boolean {
  switch (mixer.kind) {
    case 'rwkv4':
      return mixer.attentionSize % n === 0;
    case 'lightning':
      return mixer.headCount % n === 0;
    case 'mamba':
      return mixer.innerSize % n === 0;
    case 'mamba2':
      return mixer.headCount % n === 0;
    case 'gated_deltanet':
      return mixer.keyHeadCount % n === 0 && mixer.valueHeadCount % n === 0;
  }
}

/**
 * Valid tensor-parallel degrees: those that split every attention (heads divide; K/V heads split
 * or replicate evenly, as vLLM's QKVParallelLinear and SGLang require) and every recurrent mixer.
 */
export const tensorParallelDegrees: (arch: ModelArchitecture, max: number) => readonly number[] =
  perArchitectureAndKey(validDegrees);

function validDegrees(arch: ModelArchitecture, max: number): number[] {
  const groups = arch.layers;
  const degrees: number[] = [];
  // A degree divides every attention's head count, so none is above the smallest: stop there.
  const heads = groups.map((g) => g.attention?.headCount ?? Number.POSITIVE_INFINITY);
  const last = Math.min(max, ...heads);
  for (let n = 1; n <= last; n++) {
    const splits = groups.every(
      (g) =>
        (g.attention === null || attentionSplits(g.attention, n)) &&
        (g.recurrent === null || recurrentSplits(g.recurrent, n)),
    );
    if (splits) degrees.push(n);
  }
  return degrees;
}
