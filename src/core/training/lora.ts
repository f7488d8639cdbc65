/**
 * LoRA (Hu et al. 2021, arXiv:2106.09685) as PEFT counts it: each adapted linear layer of shape
 * in × out gains A (r × in) and B (out × r), so r × (in + out) trainable parameters; the base stays
 * frozen. Targets use transformers' module names; "all-linear" is every linear layer but the
 * output head (PEFT's rule), experts included, routers not.
 * Check: Llama-2-7b, r 16, all-linear -> "trainable params: 39,976,960" (PEFT print_trainable_parameters).
 * Names map to matrix kinds, not to one family's modules: a LLaMA name on a T5 model adapts T5's
 * matching matrices, where PEFT would report "Target modules not found". MoE routers (Mixtral's
 * `gate`, an nn.Linear in transformers 4.x) are left out of all-linear, which PEFT includes.
 */
import type { ModelArchitecture } from '../architecture.js';
import { type MatrixKind, type WeightMatrix, weightMatrices } from '../weightMatrices.js';
import { ownValue } from '../ownKey.js';

/** transformers module names -> vram matrix kinds (LLaMA naming; fused names map to all parts). */
export const LORA_TARGET_NAMES: Readonly<Record<string, readonly MatrixKind[]>> = {
  q_proj: ['attn_q', 'attn_q_a', 'attn_q_b'],
  k_proj: ['attn_k'],
  v_proj: ['attn_v'],
  o_proj: ['attn_output'],
  qkv_proj: ['attn_q', 'attn_k', 'attn_v'],
  query_key_value: ['attn_q', 'attn_k', 'attn_v'],
  kv_a_proj_with_mqa: ['attn_kv_a'],
  kv_b_proj: ['attn_kv_b'],
  gate_proj: ['ffn_gate'],
  up_proj: ['ffn_up'],
  down_proj: ['ffn_down'],
  gate_up_proj: ['ffn_gate', 'ffn_up'],
  fc1: ['ffn_up'],
  fc2: ['ffn_down'],
  dense_h_to_4h: ['ffn_up'],
  dense_4h_to_h: ['ffn_down'],
  // BERT/RoBERTa attention, T5 attention and MLP, Mixtral experts.
  query: ['attn_q'],
  key: ['attn_k'],
  value: ['attn_v'],
  q: ['attn_q'],
  k: ['attn_k'],
  v: ['attn_v'],
  o: ['attn_output'],
  wi: ['ffn_up'],
  wi_0: ['ffn_gate'],
  wi_1: ['ffn_up'],
  wo: ['ffn_down'],
  w1: ['ffn_gate'],
  w2: ['ffn_down'],
  w3: ['ffn_up'],
};

const ALL_LINEAR: readonly MatrixKind[] = [
  'attn_q',
  'attn_k',
  'attn_v',
  'attn_output',
  'attn_q_a',
  'attn_q_b',
  'attn_kv_a',
  'attn_kv_b',
  'ffn_gate',
  'ffn_up',
  'ffn_down',
];

export interface LoraSpec {
  rank: number;
  /** Matrix kinds adapted. */
  targets: readonly MatrixKind[];
}

/** Resolves target names ("q_proj,v_proj" or "all-linear") to matrix kinds; null names an unknown target. */
export function loraTargets(names: readonly string[]): { kinds: MatrixKind[]; unknown: string | null } {
  if (names.length === 1 && names[0] === 'all-linear') return { kinds: [...ALL_LINEAR], unknown: null };
  const kinds = new Set<MatrixKind>();
  for (const name of names) {
    const mapped = ownValue(LORA_TARGET_NAMES, name);
    if (!mapped) return { kinds: [], unknown: name };
    for (const kind of mapped) kinds.add(kind);
  }
  return { kinds: [...kinds], unknown: null };
}

/** The adapted matrices of a model. */
export function loraMatrices(arch: ModelArchitecture, lora: LoraSpec): WeightMatrix[] {
  return weightMatrices(arch).filter(
    (m) => m.kind !== 'token_embd' && m.kind !== 'output' && lora.targets.includes(m.kind),
  );
}

/** Trainable LoRA parameters: Σ adapted matrices × r × (in + out). */
export function loraParameterCount(arch: ModelArchitecture, lora: LoraSpec): number {
  return loraMatrices(arch, lora).reduce((total, m) => total + m.count * lora.rank * (m.inFeatures + m.outFeatures), 0);
}
