/**
 * `--set` accepts every config field a reader reads (issue 8). The known fields are not a list:
 * readModelConfig reports the fields its reader consulted (ReadConfig.fields), and --set accepts a
 * field the config has or the reader consults. Every preset and a few configs that reach the
 * readers' other branches (Falcon's new decoder, Qwen3-MoE, Qwen2's sliding layers, a multimodal
 * text_config, an unknown LLaMA-like model_type, a quantized config) are read here, and every field
 * consulted is set through the CLI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ReadConfig, SUPPORTED_MODEL_TYPES, readModelConfig } from '../src/model/hfConfig.js';
import { PRESETS } from '../src/model/presets.js';
import { presetReaderFields } from '../src/model/readerFields.js';
import { SMALL_DEEPSEEK_V32, SMALL_FALCON_H1, SMALL_MINIMAX_M2 } from './fixtures/smallConfigs.js';
import { run, runJson } from './helpers.js';

type Config = Record<string, unknown>;

function fixture(name: string): Config {
  return JSON.parse(readFileSync(`test/fixtures/${name}`, 'utf8'));
}

const QWEN3_MOE: Config = {
  model_type: 'qwen3_moe',
  hidden_size: 2048,
  num_hidden_layers: 48,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  moe_intermediate_size: 768,
  num_experts: 128,
  num_experts_per_tok: 8,
  intermediate_size: 6144,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  tie_word_embeddings: false,
};

/** Small configs of the readers added in issue 9 (state-space, linear attention, encoder–decoder…). */
const RECURRENT_CONFIGS: Readonly<Record<string, Config>> = {
  'qwen3_next (small)': {
    model_type: 'qwen3_next',
    hidden_size: 256,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 64,
    linear_num_key_heads: 2,
    linear_num_value_heads: 4,
    linear_key_head_dim: 32,
    linear_value_head_dim: 32,
    num_experts: 4,
    num_experts_per_tok: 2,
    moe_intermediate_size: 64,
    shared_expert_intermediate_size: 64,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'qwen3_5_text (small)': {
    model_type: 'qwen3_5_text',
    hidden_size: 256,
    intermediate_size: 512,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 64,
    linear_num_key_heads: 2,
    linear_num_value_heads: 4,
    linear_key_head_dim: 32,
    linear_value_head_dim: 32,
    mamba_ssm_dtype: 'float32',
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'qwen3_5_moe_text (small)': {
    model_type: 'qwen3_5_moe_text',
    hidden_size: 256,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 64,
    linear_num_key_heads: 2,
    linear_num_value_heads: 4,
    linear_key_head_dim: 32,
    linear_value_head_dim: 32,
    num_experts: 4,
    num_experts_per_tok: 2,
    moe_intermediate_size: 64,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'mamba (small)': { model_type: 'mamba', hidden_size: 64, num_hidden_layers: 2, vocab_size: 100 },
  'falcon_mamba (small)': { model_type: 'falcon_mamba', hidden_size: 64, num_hidden_layers: 2, vocab_size: 100 },
  'mamba2 (small)': {
    model_type: 'mamba2',
    hidden_size: 64,
    num_hidden_layers: 2,
    vocab_size: 100,
    num_heads: 4,
    head_dim: 32,
    n_groups: 1,
  },
  'nemotron_h (small)': {
    model_type: 'nemotron_h',
    hidden_size: 64,
    vocab_size: 100,
    max_position_embeddings: 64,
    hybrid_override_pattern: 'M-*E',
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    intermediate_size: 128,
    mamba_num_heads: 4,
    mamba_head_dim: 32,
    n_groups: 1,
    n_routed_experts: 4,
    moe_intermediate_size: 32,
    moe_shared_expert_intermediate_size: 32,
  },
  'jamba (small)': {
    model_type: 'jamba',
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 8,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_experts: 4,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'granitemoehybrid (small)': {
    model_type: 'granitemoehybrid',
    hidden_size: 64,
    intermediate_size: 32,
    shared_intermediate_size: 64,
    num_hidden_layers: 2,
    layer_types: ['mamba', 'attention'],
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_local_experts: 4,
    mamba_n_heads: 4,
    mamba_d_head: 32,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'deepseek_v32 (small)': SMALL_DEEPSEEK_V32,
  'whisper (small)': {
    model_type: 'whisper',
    d_model: 64,
    encoder_layers: 2,
    decoder_layers: 2,
    encoder_attention_heads: 4,
    decoder_attention_heads: 4,
    encoder_ffn_dim: 128,
    decoder_ffn_dim: 128,
    vocab_size: 100,
  },
  'bart (small)': {
    model_type: 'bart',
    d_model: 64,
    encoder_layers: 2,
    decoder_layers: 2,
    encoder_attention_heads: 4,
    decoder_attention_heads: 4,
    encoder_ffn_dim: 128,
    decoder_ffn_dim: 128,
    vocab_size: 100,
  },
  'mbart (small)': {
    model_type: 'mbart',
    d_model: 64,
    encoder_layers: 2,
    decoder_layers: 2,
    encoder_attention_heads: 4,
    decoder_attention_heads: 4,
    encoder_ffn_dim: 128,
    decoder_ffn_dim: 128,
    vocab_size: 100,
  },
  'modernbert (small)': {
    model_type: 'modernbert',
    hidden_size: 64,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 96,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'minimax (small)': {
    model_type: 'minimax',
    hidden_size: 64,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_local_experts: 4,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'minimax_m1 (small)': {
    model_type: 'minimax_m1',
    hidden_size: 64,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_local_experts: 4,
    vocab_size: 100,
    max_position_embeddings: 64,
    attn_type_list: [0, 1],
  },
  'minimax_text_01 (small)': {
    model_type: 'minimax_text_01',
    hidden_size: 64,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_local_experts: 4,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'gemma3n_text (small)': {
    model_type: 'gemma3n_text',
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 5,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    vocab_size: 100,
    vocab_size_per_layer_input: 100,
    hidden_size_per_layer_input: 8,
    max_position_embeddings: 64,
    num_kv_shared_layers: 2,
  },
  'rwkv (small)': { model_type: 'rwkv', hidden_size: 64, num_hidden_layers: 2, vocab_size: 100 },
  'minimax_m2 (small)': SMALL_MINIMAX_M2,
  'falcon_h1 (small)': SMALL_FALCON_H1,
};

/** Configs beyond the presets, for the branches no preset takes; read from stdin with --config -. */
const EXTRA_CONFIGS: Readonly<Record<string, Config>> = {
  't5-3b (fixture)': fixture('t5-3b.config.json'),
  'llama-4-scout (llama4_text)': {
    model_type: 'llama4_text',
    hidden_size: 5120,
    intermediate_size: 8192,
    intermediate_size_mlp: 16384,
    num_hidden_layers: 4,
    num_attention_heads: 40,
    num_key_value_heads: 8,
    head_dim: 128,
    num_local_experts: 16,
    num_experts_per_tok: 1,
    interleave_moe_layer_step: 1,
    attention_chunk_size: 8192,
    vocab_size: 202048,
    max_position_embeddings: 10485760,
  },
  'glm-4.5 (glm4_moe)': {
    model_type: 'glm4_moe',
    hidden_size: 5120,
    intermediate_size: 12288,
    moe_intermediate_size: 1536,
    num_hidden_layers: 4,
    num_attention_heads: 96,
    num_key_value_heads: 8,
    head_dim: 128,
    n_routed_experts: 160,
    n_shared_experts: 1,
    num_experts_per_tok: 8,
    first_k_dense_replace: 3,
    attention_bias: true,
    use_qk_norm: true,
    vocab_size: 151552,
    max_position_embeddings: 131072,
  },
  'kimi-k2 (kimi_k2)': {
    model_type: 'kimi_k2',
    hidden_size: 7168,
    intermediate_size: 18432,
    moe_intermediate_size: 2048,
    num_hidden_layers: 4,
    num_attention_heads: 64,
    n_shared_experts: 1,
    n_routed_experts: 384,
    num_experts_per_tok: 8,
    first_k_dense_replace: 1,
    kv_lora_rank: 512,
    q_lora_rank: 1536,
    qk_nope_head_dim: 128,
    qk_rope_head_dim: 64,
    v_head_dim: 128,
    vocab_size: 163840,
    max_position_embeddings: 131072,
  },
  'starcoder (gpt_bigcode)': {
    model_type: 'gpt_bigcode',
    n_embd: 6144,
    n_head: 48,
    n_inner: 24576,
    n_layer: 40,
    n_positions: 8192,
    vocab_size: 49152,
    multi_query: true,
  },
  'olmo-2-7b (olmo2)': {
    model_type: 'olmo2',
    hidden_size: 4096,
    intermediate_size: 11008,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    vocab_size: 100352,
    max_position_embeddings: 4096,
  },
  'olmo-3-7b (olmo3)': {
    model_type: 'olmo3',
    hidden_size: 4096,
    intermediate_size: 11008,
    num_hidden_layers: 4,
    num_attention_heads: 32,
    vocab_size: 100278,
    max_position_embeddings: 65536,
    sliding_window: 4096,
    layer_types: ['sliding_attention', 'sliding_attention', 'sliding_attention', 'full_attention'],
  },
  'command-r (cohere)': {
    model_type: 'cohere',
    hidden_size: 8192,
    intermediate_size: 22528,
    num_hidden_layers: 40,
    num_attention_heads: 64,
    vocab_size: 256000,
    max_position_embeddings: 8192,
  },
  'command-a (cohere2)': {
    model_type: 'cohere2',
    hidden_size: 12288,
    intermediate_size: 36864,
    num_hidden_layers: 64,
    num_attention_heads: 96,
    num_key_value_heads: 8,
    vocab_size: 256000,
    max_position_embeddings: 131072,
    sliding_window: 4096,
    sliding_window_pattern: 4,
  },
  'qwen-7b as qwen2, sliding layers': {
    ...fixture('qwen-7b.as-qwen2.config.json'),
    use_sliding_window: true,
    sliding_window: 4096,
    max_window_layers: 16,
  },
  'falcon-40b (new decoder architecture)': {
    model_type: 'falcon',
    hidden_size: 8192,
    num_hidden_layers: 60,
    num_attention_heads: 128,
    num_kv_heads: 8,
    new_decoder_architecture: true,
    parallel_attn: true,
    bias: false,
    vocab_size: 65024,
    torch_dtype: 'bfloat16',
  },
  'qwen3-30b-a3b': QWEN3_MOE,
  'gemma-3-4b (multimodal)': {
    model_type: 'gemma3',
    torch_dtype: 'bfloat16',
    vision_config: { hidden_size: 1152 },
    text_config: {
      model_type: 'gemma3_text',
      hidden_size: 2560,
      num_hidden_layers: 34,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 256,
      intermediate_size: 10240,
      vocab_size: 262208,
      max_position_embeddings: 131072,
      sliding_window: 1024,
    },
  },
  'an unknown LLaMA-like model_type': {
    model_type: 'brand_new',
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    vocab_size: 100,
    max_position_embeddings: 64,
  },
  'a GPTQ llama': {
    model_type: 'llama',
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    vocab_size: 100,
    max_position_embeddings: 64,
    quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128 },
  },
  ...RECURRENT_CONFIGS,
};

interface Case {
  name: string;
  config: Config;
  /** The CLI arguments that load it (before --set). */
  argv: string[];
  stdin?: string;
}

const CASES: Case[] = [
  ...PRESETS.map((preset) => ({ name: `preset ${preset.id}`, config: preset.config, argv: ['inspect', preset.id] })),
  ...Object.entries(EXTRA_CONFIGS).map(([name, config]) => ({
    name,
    config,
    argv: ['inspect', '--config', '-'],
    stdin: JSON.stringify(config),
  })),
];

function read(config: Config): ReadConfig {
  return readModelConfig(config, 'test');
}

/** Values tried for a field the config leaves out, after the config's own values (for aliases). */
const CANDIDATES: readonly unknown[] = [1, true, [], {}, 'relu'];

/** The config's own value of `field`, else a value the reader accepts; null when none is. */
function valueFor(config: Config, field: string): { value: unknown } | null {
  if (Object.hasOwn(config, field)) return { value: config[field] };
  for (const value of [...Object.values(config), ...CANDIDATES]) {
    try {
      read({ ...config, [field]: value });
      return { value };
    } catch {
      // not a value this field takes; try the next
    }
  }
  return null;
}

describe('the config fields --set accepts come from the readers', () => {
  it('the configs read here reach every reader', () => {
    const types = new Set(CASES.map(({ config }) => read(config).arch.modelType));
    expect(SUPPORTED_MODEL_TYPES.filter((type) => !types.has(type))).toEqual([]);
  });

  it.each(CASES)('$name: every field its reader consults can be --set', async ({ config, argv, stdin }) => {
    const fields = [...read(config).fields];
    expect(fields).toContain('model_type');
    const failures: string[] = [];
    for (const field of fields) {
      // A field no value of which reads (an unknown model_type's num_experts is refused as MoE)
      // must still be accepted by --set: the reader's own error follows, not "not a config field".
      const valid = valueFor(config, field);
      const set = `${field}=${JSON.stringify(valid === null ? 1 : valid.value)}`;
      const result = await run([...argv, '--set', set], stdin === undefined ? {} : { stdin });
      if (valid === null ? /not a config field/.test(result.stderr) : result.code !== 0) {
        failures.push(`${set}: ${result.stderr.trim()}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the fields read for the presets include what the hand-kept list missed', () => {
    const known = presetReaderFields();
    for (const field of ['mlp_only_layers', 'num_nextn_predict_layers', 'quantization_config', 'experts_per_token']) {
      expect(known.has(field), field).toBe(true);
    }
    const qwenMoe = PRESETS.find((preset) => preset.id === 'qwen1.5-moe-a2.7b');
    expect(qwenMoe && read(qwenMoe.config).fields).toContain('mlp_only_layers');
  });
});

describe('--set on fields the old list lacked (issue 8)', () => {
  it('qwen1.5-moe-a2.7b: mlp_only_layers=[0] makes layer 0 dense', async () => {
    const base = await runJson(['estimate', '--model', 'qwen1.5-moe-a2.7b']);
    const dense = await runJson(['estimate', '--model', 'qwen1.5-moe-a2.7b', '--set', 'mlp_only_layers=[0]']);
    expect(dense.code).toBe(0);
    expect(dense.json.model.parameterCount).toBeLessThan(base.json.model.parameterCount);
    expect(dense.json.warnings.join('\n')).not.toMatch(/changed nothing/);
  });

  it('deepseek-v2-lite: num_nextn_predict_layers=1 is read (and reported as not counted)', async () => {
    const { code, stderr } = await run(['inspect', 'deepseek-v2-lite', '--set', 'num_nextn_predict_layers=1']);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'warning: deepseek_v2: the 1 multi-token-prediction layer is stored in the checkpoint' +
        ' for speculative decoding (--mtp loads it), and not counted\n',
    );
  });

  it('a field read only once another override picks its branch is accepted (falcon num_kv_heads)', async () => {
    const argv = ['inspect', 'falcon-7b', '--set', 'new_decoder_architecture=true', '--set', 'num_kv_heads=8'];
    const { code, json } = await runJson(argv);
    expect(code).toBe(0);
    // 32 layers × 8 KV heads of 64 (hidden 4544 / 71 heads), K and V.
    expect(json.kvCache.elementsPerToken).toBe(2 * 32 * 8 * 64);
  });

  it('a field only another reader reads is accepted with a warning; one no reader reads is refused', async () => {
    const { code, json } = await runJson(['estimate', '--model', 'llama-7b', '--set', 'sliding_window=4096']);
    expect(code).toBe(0);
    expect(json.warnings).toEqual([expect.stringMatching(/sliding_window=4096 changed nothing: the llama reader/)]);
    const refused = await run(['estimate', '--model', 'llama-7b', '--set', 'xyzzy_field=1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: --set: "xyzzy_field" is not a config field: not in the config, and not a field the llama reader reads\n',
    );
  });

  it('a typo still fails, with a suggestion and the reader named', async () => {
    const { code, stdout, stderr } = await run(['estimate', '--model', 'llama-70b', '--set', 'num_key_valu_heads=8']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: --set: "num_key_valu_heads" is not a config field (did you mean num_key_value_heads?):' +
        ' not in the config, and not a field the llama reader reads\n',
    );
  });

  it('the reserved names and model_type stay refused', async () => {
    const reserved = await run(['inspect', 'llama-7b', '--set', 'constructor=1']);
    expect(reserved.stderr).toBe('error: --set: "constructor" is not a config field\n');
    const modelType = await run(['inspect', 'llama-7b', '--set', 'model_type=bert']);
    expect(modelType.stderr).toMatch(/^error: --set: model_type cannot be changed/);
  });
});
