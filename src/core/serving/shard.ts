/**
 * What one of N tensor-parallel GPUs holds: Megatron-style sharding splits attention heads and
 * MLP widths (every expert's too) over the GPUs; K/V heads are replicated once N exceeds them;
 * hidden size and vocabulary stay whole (vLLM gathers logits). Used for activation peaks; weights
 * and KV use their exact per-GPU functions.
 */
import {
  type AttentionSpec,
  type LayerGroup,
  type ModelArchitecture,
  type StandardAttention,
  leadAttention,
} from '../architecture.js';
import { ceilDiv } from '../units.js';

function shardStandardAttention(attention: StandardAttention, n: number): StandardAttention {
  return { ...attention, headCount: ceilDiv(attention.headCount, n), kvHeadCount: ceilDiv(attention.kvHeadCount, n) };
}

function shardAttention(attention: AttentionSpec, n: number): AttentionSpec {
  if (attention.kind === 'latent') return { ...attention, headCount: ceilDiv(attention.headCount, n) };
  return shardStandardAttention(attention, n);
}

function shardGroup(group: LayerGroup, n: number): LayerGroup {
  return {
    ...group,
    attention: shardAttention(group.attention, n),
    crossAttention: group.crossAttention ? shardStandardAttention(group.crossAttention, n) : null,
    mlp: {
      ...group.mlp,
      intermediateSize: ceilDiv(group.mlp.intermediateSize, n),
      experts: group.mlp.experts
        ? { ...group.mlp.experts, sharedIntermediateSize: ceilDiv(group.mlp.experts.sharedIntermediateSize, n) }
        : null,
    },
  };
}

export function shardForTensorParallel(arch: ModelArchitecture, n: number): ModelArchitecture {
  if (n === 1) return arch;
  return {
    ...arch,
    layers: arch.layers.map((g) => shardGroup(g, n)),
    encoderLayers: arch.encoderLayers.map((g) => shardGroup(g, n)),
  };
}

/**
 * Valid tensor-parallel degrees: divisors of the attention heads whose K/V heads split evenly or
 * replicate evenly (n_kv % N = 0 or N % n_kv = 0), as vLLM's QKVParallelLinear and SGLang require.
 */
export function tensorParallelDegrees(arch: ModelArchitecture, max: number): number[] {
  const attention = leadAttention(arch);
  const heads = attention.headCount;
  const kv = attention.kind === 'standard' ? attention.kvHeadCount : heads;
  const degrees: number[] = [];
  for (let n = 1; n <= Math.min(max, heads); n++)
    if (heads % n === 0 && (kv % n === 0 || n % kv === 0)) degrees.push(n);
  return degrees;
}
