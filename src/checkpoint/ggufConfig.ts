/**
 * A GGUF file's metadata as a Hugging Face-style config, so the same readers count it.
 * Keys follow llama.cpp's gguf naming (`{arch}.block_count`, `{arch}.attention.head_count_kv`…,
 * gguf-py/gguf/constants.py); the vocabulary is the length of tokenizer.ggml.tokens when
 * `{arch}.vocab_size` is absent; the head is tied when the file has no output.weight tensor.
 */
import { UserError } from '../core/errors.js';
import type { GgufHeader, GgufValue } from './gguf.js';
import { ownValue } from '../core/ownKey.js';

/** llama.cpp architecture names -> transformers model_type. */
const MODEL_TYPES: Readonly<Record<string, string>> = {
  llama: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen2moe: 'qwen2_moe',
  gemma: 'gemma',
  gemma2: 'gemma2',
  gemma3: 'gemma3_text',
  phi3: 'phi3',
  falcon: 'falcon',
  gpt2: 'gpt2',
  gptneox: 'gpt_neox',
  bloom: 'bloom',
  deepseek2: 'deepseek_v3',
  'gpt-oss': 'gpt_oss',
  bert: 'bert',
  t5: 't5',
};

function number(value: GgufValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

export function ggufToConfig(header: GgufHeader, label: string): Record<string, unknown> {
  const meta = header.metadata;
  const arch = meta.get('general.architecture');
  if (typeof arch !== 'string' || arch === '')
    throw new UserError(`${label}: the GGUF metadata has no general.architecture, so its shape cannot be read`);
  const key = (name: string) => number(meta.get(`${arch}.${name}`));
  const tokens = meta.get('tokenizer.ggml.tokens');
  const experts = key('expert_count');
  const modelType = ownValue(MODEL_TYPES, arch);
  if (modelType === undefined) {
    // A GGUF file carries no config to check for layers vram does not model (state-space, hybrid,
    // per-layer heads), so an architecture without a reader here is refused, not read as LLaMA.
    throw new UserError(
      `${label}: GGUF architecture "${arch}" is not one vram reads (${Object.keys(MODEL_TYPES).join(', ')}); its layers cannot be checked, so it is refused rather than estimated as something else`,
    );
  }
  for (const name of ['attention.head_count', 'attention.head_count_kv', 'feed_forward_length']) {
    if (Array.isArray(meta.get(`${arch}.${name}`))) {
      throw new UserError(
        `${label}: ${arch}.${name} differs per layer (an array), which vram's ${modelType} reader does not model`,
      );
    }
  }
  const config: Record<string, unknown> = {
    model_type: experts && modelType === 'llama' ? 'mixtral' : modelType,
    hidden_size: key('embedding_length'),
    num_hidden_layers: key('block_count'),
    num_attention_heads: key('attention.head_count'),
    num_key_value_heads: key('attention.head_count_kv'),
    intermediate_size: key('feed_forward_length'),
    max_position_embeddings: key('context_length'),
    vocab_size: key('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
    tie_word_embeddings: !header.tensors.some((t) => t.name === 'output.weight'),
    sliding_window: key('attention.sliding_window'),
    num_local_experts: experts,
    num_experts: experts,
    num_experts_per_tok: key('expert_used_count'),
    moe_intermediate_size: key('expert_feed_forward_length'),
    shared_expert_intermediate_size: key('expert_shared_feed_forward_length'),
  };
  const keyLength = key('attention.key_length');
  if (arch === 'deepseek2') {
    const rope = key('rope.dimension_count') ?? 64;
    // Newer converters store MLA's per-head sizes as *_mla and the latent cache size as key_length.
    const mlaKey = key('attention.key_length_mla') ?? keyLength;
    Object.assign(config, {
      kv_lora_rank: key('attention.kv_lora_rank'),
      q_lora_rank: key('attention.q_lora_rank') || null,
      qk_rope_head_dim: rope,
      qk_nope_head_dim: mlaKey === undefined ? undefined : mlaKey - rope,
      v_head_dim: key('attention.value_length_mla') ?? key('attention.value_length'),
      n_routed_experts: experts,
      n_shared_experts: key('expert_shared_count'),
      first_k_dense_replace: key('leading_dense_block_count'),
    });
  } else if (keyLength !== undefined) {
    config.head_dim = keyLength;
  }
  if (arch === 'falcon') {
    const kvHeads = key('attention.head_count_kv') ?? 1;
    // Falcon-40B/180B ("new decoder architecture") have several K/V heads and two norms per layer.
    Object.assign(
      config,
      kvHeads > 1 ? { new_decoder_architecture: true, num_kv_heads: kvHeads } : { multi_query: true },
    );
  }
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}
