/**
 * State-space and linear-attention readers (mamba, falcon_mamba, mamba2, nemotron_h, jamba,
 * granitemoehybrid, falcon_h1, qwen3_next). The parameter counts are pinned to what transformers
 * 5.18.0 builds from the same configs (sum of parameters on the meta device, checked formula by
 * formula against modeling_<type>.py) and, where one is published, to the published figure:
 *   Qwen3-Next-80B-A3B: 79,674,391,296 = the checkpoint's 81,324,862,720 tensors less its
 *     1,650,471,424-parameter MTP block (Qwen/Qwen3-Next-80B-A3B-Instruct; "80B in total")
 *   Mamba-Codestral-7B (the Mamba2Config defaults): 7,285,403,648 (model card)
 *   Jamba (v0.1 / 1.5 Mini shape, the JambaConfig defaults): 51,570,323,328 ("52B total")
 *   Falcon-Mamba-7B: 7,272,665,088 ("7B")
 *   RWKV-4 169M (RWKV/rwkv-4-169m-pile shape): 169,342,464
 * The configs are written down from Hub config.json files and transformers' configuration
 * defaults (not fetched here: no network). State bytes are hand-computed from vLLM's
 * MambaStateShapeCalculator shapes (conv (d_conv − 1) × channels, SSM heads × head dim × state).
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { recurrentStateBytesPerSequence } from '../../src/core/recurrentState.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { stateDtypesFor } from '../../src/plan/inference.js';
import { SMALL_DEEPSEEK_V32, SMALL_FALCON_H1, SMALL_MINIMAX_M2 } from '../fixtures/smallConfigs.js';
import { componentBytes, runJson } from '../helpers.js';

const arch = (config: object) => readModelConfig(config, 'config.json').arch;
const params = (config: object) => countParameters(arch(config)).totalCount;
const BF16 = { conv: 'bf16', ssm: 'bf16' } as const;

const QWEN3_NEXT_80B = {
  architectures: ['Qwen3NextForCausalLM'],
  model_type: 'qwen3_next',
  decoder_sparse_step: 1,
  full_attention_interval: 4,
  head_dim: 256,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 5120,
  linear_conv_kernel_dim: 4,
  linear_key_head_dim: 128,
  linear_num_key_heads: 16,
  linear_num_value_heads: 32,
  linear_value_head_dim: 128,
  max_position_embeddings: 262144,
  mlp_only_layers: [],
  moe_intermediate_size: 512,
  norm_topk_prob: true,
  num_attention_heads: 16,
  num_experts: 512,
  num_experts_per_tok: 10,
  num_hidden_layers: 48,
  num_key_value_heads: 2,
  partial_rotary_factor: 0.25,
  shared_expert_intermediate_size: 512,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

describe('qwen3_next: Gated DeltaNet + gated attention', () => {
  it('Qwen3-Next-80B-A3B: 79,674,391,296 parameters, 12 attention layers, 36 DeltaNet layers', () => {
    const a = arch(QWEN3_NEXT_80B);
    expect(countParameters(a).totalCount).toBe(79_674_391_296);
    expect(a.layers.map((g) => [g.count, g.attention !== null, g.recurrent?.kind ?? null])).toEqual([
      [36, false, 'gated_deltanet'],
      [12, true, null],
    ]);
    // KV: 12 layers × 2 × 2 KV heads × 256 × 2 B per token.
    expect(kvCacheBytes(a, 'bf16', 32768, 1)).toBe(12 * 2 * 2 * 256 * 2 * 32768);
    // State: 36 × ((2·16·128 + 32·128) × 3 conv + 32 × 128 × 128) × 2 B.
    expect(recurrentStateBytesPerSequence(a, BF16)).toBe(36 * ((2 * 16 * 128 + 32 * 128) * 3 + 32 * 128 * 128) * 2);
  });

  it('sparse step, mlp_only_layers, a shorter interval and attention biases (q bias doubled by the gate)', () => {
    const small = {
      ...QWEN3_NEXT_80B,
      hidden_size: 1024,
      num_hidden_layers: 8,
      num_experts: 8,
      num_experts_per_tok: 2,
      decoder_sparse_step: 2,
      mlp_only_layers: [3],
      full_attention_interval: 2,
      attention_bias: true,
      intermediate_size: 5632,
    };
    expect(params(small)).toBe(562_256_640);
  });

  it('layer_types overrides the interval and is checked', () => {
    const types = Array.from({ length: 48 }, (_, i) => (i < 24 ? 'full_attention' : 'linear_attention'));
    expect(arch({ ...QWEN3_NEXT_80B, layer_types: types }).layers[1]?.count).toBe(24);
    expect(() => arch({ ...QWEN3_NEXT_80B, layer_types: ['full_attention'] })).toThrow(/one per layer/);
  });
});

const MAMBA = { model_type: 'mamba', hidden_size: 768, num_hidden_layers: 32, vocab_size: 50280 };

describe('mamba, falcon_mamba, mamba2', () => {
  it('MambaConfig defaults and the mamba-2.8b shape (tied head, d_inner = 2h, dt_rank ⌈h/16⌉)', () => {
    expect(params(MAMBA)).toBe(159_308_544);
    expect(params({ ...MAMBA, hidden_size: 2560, num_hidden_layers: 64 })).toBe(2_768_345_600);
    const biased = {
      ...MAMBA,
      num_hidden_layers: 4,
      use_bias: true,
      use_conv_bias: false,
      tie_word_embeddings: false,
      time_step_rank: 40,
    };
    expect(params(biased)).toBe(92_228_352);
  });

  it('a config intermediate_size is ignored (MambaConfig recomputes expand × h)', () => {
    expect(params({ ...MAMBA, intermediate_size: 99 })).toBe(159_308_544);
  });

  it('Falcon-Mamba-7B: 7,272,665,088 (its B/C/dt norms have no weights)', () => {
    const falcon = {
      ...MAMBA,
      model_type: 'falcon_mamba',
      hidden_size: 4096,
      num_hidden_layers: 64,
      vocab_size: 65024,
      tie_word_embeddings: false,
    };
    expect(params(falcon)).toBe(7_272_665_088);
  });

  it('Mamba-Codestral-7B (Mamba2Config defaults): 7,285,403,648; state per sequence', () => {
    const codestral = { model_type: 'mamba2', hidden_size: 4096, num_hidden_layers: 64, vocab_size: 32768 };
    const a = arch(codestral);
    expect(countParameters(a).totalCount).toBe(7_285_403_648);
    expect(kvCacheBytes(a, 'bf16', 32768, 1)).toBe(0);
    // 64 × ((8192 + 2·8·128) × 3 + 128 × 64 × 128) × 2 B.
    expect(recurrentStateBytesPerSequence(a, BF16)).toBe(64 * ((8192 + 2 * 8 * 128) * 3 + 128 * 64 * 128) * 2);
    const small = {
      ...codestral,
      hidden_size: 768,
      num_heads: 24,
      head_dim: 64,
      n_groups: 1,
      num_hidden_layers: 3,
      use_bias: true,
      tie_word_embeddings: true,
    };
    expect(params(small)).toBe(36_474_912);
  });

  it('no max_position_embeddings: vLLM max_model_len 2,048', () => {
    expect(arch(MAMBA).maxPositionCount).toBe(2048);
  });
});

describe('rwkv (RWKV-4)', () => {
  const RWKV = { model_type: 'rwkv', hidden_size: 768, num_hidden_layers: 12, vocab_size: 50277, context_length: 1024 };

  it('RWKV-4 169M: 169,342,464; five h-wide states per layer, no KV', () => {
    const a = arch(RWKV);
    expect(countParameters(a).totalCount).toBe(169_342_464);
    expect(kvCacheBytes(a, 'bf16', 1024, 1)).toBe(0);
    // 12 layers × (2 × 768 token shifts in bf16 + 3 × 768 WKV values in fp32).
    expect(recurrentStateBytesPerSequence(a, { conv: 'bf16', ssm: 'fp32' })).toBe(12 * (2 * 768 * 2 + 3 * 768 * 4));
  });

  it('a tied head and another channel-mixing width', () => {
    const odd = {
      ...RWKV,
      hidden_size: 512,
      num_hidden_layers: 3,
      attention_hidden_size: 512,
      intermediate_size: 1000,
      tie_word_embeddings: true,
    };
    expect(params(odd)).toBe(32_764_928);
    expect(() => arch({ ...odd, attention_hidden_size: 256 })).toThrow(/attention_hidden_size/);
  });
});

describe('minimax (MiniMax-Text-01 / M1): lightning attention with softmax every 8th layer', () => {
  const M1 = {
    model_type: 'minimax_m1',
    architectures: ['MiniMaxM1ForCausalLM'],
    hidden_size: 6144,
    head_dim: 128,
    intermediate_size: 9216,
    num_attention_heads: 64,
    num_key_value_heads: 8,
    num_hidden_layers: 80,
    num_local_experts: 32,
    num_experts_per_tok: 2,
    vocab_size: 200064,
    max_position_embeddings: 10240000,
    shared_intermediate_size: 0,
    tie_word_embeddings: false,
    attn_type_list: Array.from({ length: 80 }, (_, i) => ((i + 1) % 8 === 0 ? 1 : 0)),
  };

  it('MiniMax-M1: 456,089,655,296 ("456B"), 45.9B active without embedding and head', () => {
    const a = arch(M1);
    const counts = countParameters(a);
    expect(counts.totalCount).toBe(456_089_655_296);
    expect(counts.activeCount - 2 * 200064 * 6144).toBe(45_944_920_064);
    // 10 softmax layers cache 2 × 8 × 128 per token; 70 lightning layers keep 64 × 128 × 128 each.
    expect(kvCacheBytes(a, 'bf16', 1, 1)).toBe(40_960);
    expect(recurrentStateBytesPerSequence(a, BF16)).toBe(70 * 64 * 128 * 128 * 2);
  });

  it('attn_type_list is checked; transformers-style layer_types read too', () => {
    expect(() => arch({ ...M1, attn_type_list: [0, 1] })).toThrow(/attn_type_list/);
    const { attn_type_list: _list, ...rest } = M1;
    const types = M1.attn_type_list.map((k) => (k === 1 ? 'full_attention' : 'linear_attention'));
    expect(params({ ...rest, model_type: 'minimax', layer_types: types })).toBe(456_089_655_296);
  });
});

const NEMOTRON_DEFAULTS = {
  model_type: 'nemotron_h',
  hidden_size: 4096,
  vocab_size: 131072,
  max_position_embeddings: 4096,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  intermediate_size: 21504,
  mamba_num_heads: 128,
  mamba_head_dim: 64,
  n_groups: 8,
  ssm_state_size: 128,
  n_routed_experts: 8,
  moe_intermediate_size: 7688,
  moe_shared_expert_intermediate_size: 7688,
  num_experts_per_tok: 2,
  hybrid_override_pattern: 'ME*-',
};

describe('nemotron_h: one block per layer (M, *, -, E)', () => {
  it('NemotronHConfig defaults (pattern M E * -): 1,968,355,712 + 8 score-correction biases', () => {
    expect(params(NEMOTRON_DEFAULTS)).toBe(1_968_355_712 + 8);
  });

  it('a pattern with biases and a dense relu² MLP', () => {
    const config = {
      ...NEMOTRON_DEFAULTS,
      hybrid_override_pattern: 'M-M*-ME',
      hidden_size: 1024,
      intermediate_size: 3072,
      mamba_num_heads: 32,
      n_routed_experts: 4,
      moe_intermediate_size: 256,
      moe_shared_expert_intermediate_size: 512,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      mlp_bias: true,
      use_bias: true,
    };
    expect(params(config)).toBe(312_161_152 + 4);
  });

  it('the SSM state is float32 unless mamba_ssm_cache_dtype says otherwise; only * layers cache K/V', () => {
    const a = arch({ ...NEMOTRON_DEFAULTS, hybrid_override_pattern: 'M-M-M*-' });
    expect(a.layers.find((g) => g.recurrent)?.recurrent?.stateDtype).toBe('fp32');
    expect(kvCacheBytes(a, 'bf16', 1000, 1)).toBe(1 * 2 * 8 * 128 * 2 * 1000);
    expect(arch({ ...NEMOTRON_DEFAULTS, mamba_ssm_cache_dtype: 'bfloat16' }).layers[0]?.recurrent?.stateDtype).toBe(
      'bf16',
    );
  });

  it('refuses latent MoE projections and an unknown block', () => {
    expect(() => arch({ ...NEMOTRON_DEFAULTS, moe_latent_size: 256 })).toThrow(/moe_latent_size/);
    expect(() => arch({ ...NEMOTRON_DEFAULTS, hybrid_override_pattern: 'MX' })).toThrow(/"X"/);
  });
});

const JAMBA = {
  model_type: 'jamba',
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  vocab_size: 65536,
  max_position_embeddings: 262144,
  attn_layer_offset: 4,
  attn_layer_period: 8,
  expert_layer_offset: 1,
  expert_layer_period: 2,
  num_experts: 16,
  num_experts_per_tok: 2,
  mamba_d_conv: 4,
  mamba_d_state: 16,
  mamba_dt_rank: 256,
  mamba_expand: 2,
  mamba_conv_bias: true,
  mamba_proj_bias: false,
  tie_word_embeddings: false,
};

describe('jamba: Mamba-1 and attention every 8th layer, MoE every 2nd', () => {
  it('Jamba v0.1 / 1.5 Mini: 51,570,323,328; 4 attention layers cache K/V', () => {
    const a = arch(JAMBA);
    expect(countParameters(a).totalCount).toBe(51_570_323_328);
    expect(kvCacheBytes(a, 'bf16', 1000, 1)).toBe(4 * 2 * 8 * 128 * 2 * 1000);
    // 28 Mamba layers × (8192 × 3 conv + 8192 × 16 SSM) × 2 B.
    expect(recurrentStateBytesPerSequence(a, BF16)).toBe(28 * (8192 * 3 + 8192 * 16) * 2);
  });

  it('smaller shapes, biases, a single expert (dense everywhere)', () => {
    const small = {
      ...JAMBA,
      hidden_size: 1024,
      num_hidden_layers: 8,
      intermediate_size: 2048,
      num_experts: 4,
      mamba_dt_rank: 'auto',
      mamba_proj_bias: true,
      mamba_conv_bias: false,
    };
    expect(params(small)).toBe(309_387_936);
    expect(params({ ...small, num_experts: 1, mamba_proj_bias: false, mamba_conv_bias: true })).toBe(233_852_576);
  });
});

const GRANITE = {
  model_type: 'granitemoehybrid',
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  vocab_size: 32000,
  max_position_embeddings: 2048,
};

describe('granitemoehybrid: Mamba-2 or attention, a shared MLP, optional experts', () => {
  it('GraniteMoeHybridConfig defaults (all Mamba, 8 experts): 38,601,064,448', () => {
    expect(params(GRANITE)).toBe(38_601_064_448);
  });

  it('a hybrid MoE with biases and a tied head; a dense one with num_local_experts 0', () => {
    const moe = {
      ...GRANITE,
      hidden_size: 1536,
      num_hidden_layers: 6,
      layer_types: ['mamba', 'mamba', 'attention', 'mamba', 'mamba', 'attention'],
      num_local_experts: 32,
      intermediate_size: 512,
      shared_intermediate_size: 1024,
      num_attention_heads: 12,
      num_key_value_heads: 4,
      mamba_n_heads: 48,
      mamba_d_head: 64,
      mamba_d_state: 128,
      mamba_n_groups: 1,
      attention_bias: true,
      mamba_proj_bias: true,
      tie_word_embeddings: true,
      vocab_size: 100352,
      position_embedding_type: 'rope',
    };
    expect(params(moe)).toBe(706_945_280);
    const dense = {
      ...GRANITE,
      hidden_size: 1536,
      num_hidden_layers: 4,
      layer_types: ['mamba', 'attention', 'mamba', 'attention'],
      num_local_experts: 0,
      shared_intermediate_size: 4096,
      num_attention_heads: 12,
      num_key_value_heads: 4,
      mamba_n_heads: 48,
      mamba_d_head: 64,
    };
    expect(params(dense)).toBe(216_472_352);
  });
});

const FALCON_H1 = {
  model_type: 'falcon_h1',
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  vocab_size: 128000,
  max_position_embeddings: 8192,
};

describe('falcon_h1: attention and Mamba-2 in parallel in every layer', () => {
  it('FalconH1Config defaults (mamba_d_ssm 1024): 8,514,961,408', () => {
    expect(params(FALCON_H1)).toBe(8_514_961_408);
  });

  it('Falcon-H1-0.5B shape: 521,411,104; every layer caches K/V and keeps a state', () => {
    const half = {
      ...FALCON_H1,
      hidden_size: 1024,
      num_hidden_layers: 36,
      intermediate_size: 2048,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      head_dim: 64,
      mamba_d_ssm: 1536,
      mamba_n_heads: 24,
      mamba_d_head: 64,
      mamba_d_state: 128,
      mamba_n_groups: 1,
      vocab_size: 32784,
    };
    const a = arch(half);
    expect(countParameters(a).totalCount).toBe(521_411_104);
    expect(kvCacheBytes(a, 'bf16', 100, 1)).toBe(36 * 2 * 2 * 64 * 2 * 100);
    expect(recurrentStateBytesPerSequence(a, BF16)).toBe(36 * ((1536 + 2 * 128) * 3 + 24 * 64 * 128) * 2);
  });

  it('norm and biases: gated norm with mamba_rms_norm, out_proj bias from projectors_bias', () => {
    const config = {
      ...FALCON_H1,
      hidden_size: 1024,
      num_hidden_layers: 3,
      mamba_rms_norm: true,
      projectors_bias: true,
      mamba_proj_bias: true,
      attention_bias: true,
      mlp_bias: true,
      mamba_d_ssm: 2048,
      mamba_n_heads: 32,
      mamba_n_groups: 2,
      tie_word_embeddings: true,
    };
    expect(params(config)).toBe(293_350_272);
  });
});

describe('Qwen3-Next through the CLI (issue 9: done when)', () => {
  it('estimate at 32k for 10 users: KV of the 12 attention layers, state of 10 sequences', async () => {
    const { code, json } = await runJson([
      'estimate',
      '--model',
      'qwen3-next-80b-a3b',
      '--ctx',
      '32k',
      '--users',
      '10',
    ]);
    expect(code).toBe(0);
    expect(componentBytes(json, 'kv_cache')).toBe(12 * 2 * 2 * 256 * 2 * 32768 * 10);
    expect(componentBytes(json, 'recurrent_state')).toBe(
      10 * 36 * ((2 * 16 * 128 + 32 * 128) * 3 + 32 * 128 * 128) * 2,
    );
  });

  it('capacity holds more users than the same model with full attention in every layer', async () => {
    const argv = [
      'capacity',
      '--config',
      '-',
      '--gpu',
      'h200',
      '--gpus',
      '2',
      '--engine',
      'vllm',
      '--ctx',
      '32k',
      '--format',
      'json',
    ];
    const hybrid = await runJson(argv, { stdin: JSON.stringify(QWEN3_NEXT_80B) });
    const full = await runJson(argv, { stdin: JSON.stringify({ ...QWEN3_NEXT_80B, full_attention_interval: 1 }) });
    const users = (result: typeof hybrid) => result.json.maxConcurrency as number;
    expect(users(hybrid)).toBeGreaterThan(3 * users(full));
  });

  it('each engine keeps the state in its own dtypes', () => {
    const a = arch(QWEN3_NEXT_80B);
    expect(stateDtypesFor('vllm', a, 'bf16')).toEqual({ conv: 'bf16', ssm: 'bf16' });
    expect(stateDtypesFor('sglang', a, 'bf16')).toEqual({ conv: 'bf16', ssm: 'fp32' });
    expect(stateDtypesFor('llama.cpp', a, 'bf16')).toEqual({ conv: 'fp32', ssm: 'fp32' });
    expect(stateDtypesFor('transformers', a, 'bf16')).toEqual({ conv: 'bf16', ssm: 'fp32' });
    const nemotron = arch(NEMOTRON_DEFAULTS);
    expect(stateDtypesFor('vllm', nemotron, 'bf16')).toEqual({ conv: 'bf16', ssm: 'fp32' });
  });
});

describe('gemma3n_text: KV shared across layers, per-layer embeddings', () => {
  // google/gemma-3n-E4B's text_config as written down (its values are Gemma3nTextConfig's defaults).
  const E4B = {
    model_type: 'gemma3n_text',
    hidden_size: 2048,
    hidden_size_per_layer_input: 256,
    intermediate_size: Array.from({ length: 35 }, () => 16384),
    num_hidden_layers: 35,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 256,
    vocab_size: 262400,
    vocab_size_per_layer_input: 262144,
    max_position_embeddings: 32768,
    sliding_window: 512,
    layer_types: Array.from({ length: 35 }, (_, i) => ((i + 1) % 5 === 0 ? 'full_attention' : 'sliding_attention')),
    num_kv_shared_layers: 15,
    laurel_rank: 64,
    altup_num_inputs: 4,
  };

  it('E4B text: 6,835,235,568 (transformers 5.18), 2,348,810,240 of them the per-layer embedding table', () => {
    expect(params(E4B)).toBe(6_835_235_568);
    expect(262144 * 35 * 256).toBe(2_348_810_240);
  });

  it('only layers 0–19 cache: 4 full layers per token, 16 sliding layers at most 512 tokens', () => {
    const a = arch(E4B);
    expect(kvCacheBytes(a, 'bf16', 8192, 1)).toBe((4 * 8192 + 16 * 512) * 2 * 2 * 256 * 2);
  });

  it('the gemma3n wrapper says its vision and audio towers are not counted', () => {
    const read = readModelConfig({ model_type: 'gemma3n', text_config: E4B, vision_config: {}, audio_config: {} }, 'c');
    expect(read.warnings[0]).toMatch(/the vision and audio towers are not/);
  });
});

describe('capacity of an attention-free model (Mamba-2)', () => {
  const codestral = JSON.stringify({
    model_type: 'mamba2',
    hidden_size: 4096,
    num_hidden_layers: 64,
    vocab_size: 32768,
  });

  it('concurrency comes from the state per sequence; the generic max context is bounded by the prefill peak', async () => {
    const argv = [
      'capacity',
      '--config',
      '-',
      '--gpu',
      'h100-80gb',
      '--engine',
      'generic',
      '--ctx',
      '2048',
      '--format',
      'json',
    ];
    const { json } = await runJson(argv, { stdin: codestral });
    expect(json.kvBytesPerTokenPerGpu).toBe(0);
    expect(json.maxConcurrency).toBeGreaterThan(100);
    // The prefill grows with the context searched, so a longer context stops fitting well before 2^24.
    expect(json.maxContextTokens).toBeLessThan(2 ** 24);
  });
});

describe('settings the new readers do not model are refused, not estimated as something else', () => {
  it('Falcon-H1 with attention in only some layers, or without MLPs', () => {
    const base = SMALL_FALCON_H1;
    expect(() => arch({ ...base, attn_layer_indices: [0] })).toThrow(/attn_layer_indices/);
    expect(() => arch({ ...base, mamba_use_mlp: false })).toThrow(/mamba_use_mlp/);
  });

  it('MiniMax-M2 with per-head q/k norms; DeepSeek-V3.2 without q_lora_rank', () => {
    const m2 = SMALL_MINIMAX_M2;
    expect(() => arch({ ...m2, qk_norm_type: 'per_head' })).toThrow(/qk_norm_type: "per_head" is not modelled/);
    const { q_lora_rank: _, ...v32 } = SMALL_DEEPSEEK_V32;
    expect(() => arch(v32)).toThrow(/q_lora_rank: deepseek_v32 needs one/);
  });

  it('a LLaVA whose tower is not CLIP is not counted as CLIP; "full" features keep the CLS token', () => {
    const llava = {
      model_type: 'llava',
      text_config: { model_type: 'llama' },
      vision_config: { model_type: 'siglip_vision_model', hidden_size: 1152 },
    };
    const read = readModelConfig(llava, 'c');
    expect(read.arch.vision).toBeNull();
    expect(read.warnings[0]).toMatch(/the vision tower is not \(vision_config siglip_vision_model is not modelled\)/);
    const full = readModelConfig(
      {
        ...llava,
        vision_config: {
          model_type: 'clip_vision_model',
          hidden_size: 1024,
          intermediate_size: 4096,
          num_hidden_layers: 24,
          num_attention_heads: 16,
          image_size: 336,
          patch_size: 14,
        },
        vision_feature_select_strategy: 'full',
      },
      'c',
    );
    expect(full.arch.vision?.tokensPerImage).toBe(577);
  });
});
