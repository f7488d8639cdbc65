/**
 * Never silently wrong: a config that declares a memory-changing feature its reader does not model
 * is refused (exit 2) with the feature named. Walks a list of such keys on the generic fallback and
 * on a known reader, and minimal configs shaped like the families that were accepted and wrong.
 */
import { describe, expect, it } from 'vitest';
import { countParameters } from '../../src/core/parameters.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { PRESETS } from '../../src/model/presets.js';
import { run } from '../helpers.js';

const LLAMA_LIKE = {
  hidden_size: 64,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 128,
  vocab_size: 100,
  max_position_embeddings: 256,
};

/** [key, a value that declares the feature] */
const MEMORY_KEYS: [string, unknown][] = [
  ['hybrid_override_pattern', 'M-M*-'],
  ['mamba_d_state', 128],
  ['mamba_n_heads', 64],
  ['ssm_state_size', 16],
  ['conv_kernel', 4],
  ['attn_layer_period', 8],
  ['attn_layer_offset', 4],
  ['layers_block_type', ['mamba', 'attention']],
  ['linear_num_value_heads', 32],
  ['linear_key_head_dim', 128],
  ['full_attention_interval', 4],
  ['attn_type_list', [0, 1]],
  ['attention_chunk_size', 8192],
  ['num_kv_shared_layers', 10],
  ['global_head_dim', 256],
  ['interleave_moe_layer_step', 2],
  ['index_n_heads', 64],
  ['index_topk', 2048],
  ['kv_lora_rank', 512],
  ['q_lora_rank', 1536],
  ['first_k_dense_replace', 3],
  ['is_encoder_decoder', true],
  ['encoder_layers', 12],
  ['vision_config', { hidden_size: 1024 }],
  ['audio_config', { d_model: 1280 }],
  ['img_processor', { name: 'clip_vision_model' }],
  ['attention_hidden_size', 2048],
  ['global_attn_every_n_layers', 3],
  ['sliding_window_pattern', 4],
  ['layer_types', ['linear_attention', 'full_attention', 'linear_attention', 'full_attention']],
  ['moe_layer_freq', 1],
  ['n_shared_experts', 2],
  ['embd_layer', { embedding_cls: 'image' }],
  ['mm_vision_tower', 'openai/clip-vit-large-patch14'],
  ['d_conv', 4],
  ['time_step_rank', 256],
  ['num_global_key_value_heads', 4],
  ['intermediate_size_mlp', 16384],
  ['index_head_dim', 128],
  ['decoder_layers', 12],
  ['rescale_every', 6],
  ['local_attention', 128],
  ['num_key_value_heads_per_layer', [8, 8, 4, 4]],
  ['block_configs', [{ attention: { n_heads_in_group: 8 } }]],
  ['cross_attention_layers', [3, 8]],
  ['attn_type_list', [0, 1, 1, 1]],
  ['layer_types', ['mamba', 'attention', 'mamba', 'attention']],
];

function read(config: Record<string, unknown>) {
  return () => readModelConfig(config, 'test');
}

describe('a memory-changing feature the reader does not model is refused, named', () => {
  it.each(MEMORY_KEYS)('%s on the generic fallback', (key, value) => {
    expect(read({ model_type: 'brand_new', ...LLAMA_LIKE, [key]: value })).toThrow(
      new RegExp(`${key}.*does not model`),
    );
  });

  it.each(MEMORY_KEYS)('%s on the llama reader', (key, value) => {
    expect(read({ model_type: 'llama', ...LLAMA_LIKE, [key]: value })).toThrow(
      new RegExp(`${key}.*the llama reader does not model`),
    );
  });

  it('values that declare nothing pass: no shared KV layers, no encoder–decoder, null fields, only full attention', () => {
    for (const extra of [
      { num_kv_shared_layers: 0 },
      { is_encoder_decoder: false },
      { kv_lora_rank: null },
      { layer_types: ['full_attention', 'full_attention', 'full_attention', 'full_attention'] },
    ]) {
      expect(read({ model_type: 'llama', ...LLAMA_LIKE, ...extra })).not.toThrow();
    }
  });

  it('the generic fallback refuses sliding windows and non-causal architectures, and a dense config whose expert count is 0 is not MoE', () => {
    expect(read({ model_type: 'new_swa_model', ...LLAMA_LIKE, sliding_window: 128 })).toThrow(
      /sliding_window 128 .* which ones is unknown/,
    );
    expect(
      read({ model_type: 'new_swa_model', ...LLAMA_LIKE, sliding_window: 128, use_sliding_window: false }),
    ).not.toThrow();
    // A window as long as the context changes nothing.
    expect(read({ model_type: 'new_swa_model', ...LLAMA_LIKE, sliding_window: 256 })).not.toThrow();
    expect(read({ model_type: 'neobert', ...LLAMA_LIKE, architectures: ['NeoBERTForMaskedLM'] })).toThrow(
      /not a causal language model/,
    );
    expect(
      read({ model_type: 'granite', ...LLAMA_LIKE, num_local_experts: 0, architectures: ['GraniteForCausalLM'] }),
    ).not.toThrow();
  });

  it('a known reader keeps what it models: sliding layer types for windowed families, MLA for DeepSeek', () => {
    const sliding = ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention'];
    expect(read({ model_type: 'qwen2', ...LLAMA_LIKE, sliding_window: 64, layer_types: sliding })).not.toThrow();
    expect(read({ model_type: 'llama', ...LLAMA_LIKE, layer_types: sliding })).toThrow(
      /layer_types contains "sliding_attention", which the llama reader does not model/,
    );
  });

  it('every preset still reads', () => {
    for (const preset of PRESETS) expect(() => readModelConfig(preset.config, preset.id)).not.toThrow();
  });
});

describe('families that were accepted and wrong are refused with the feature (issue 9)', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'a Nemotron-H pattern under an unknown model_type',
      { model_type: 'nemotron_h_puzzle', hybrid_override_pattern: 'M-M-M*-', mamba_num_heads: 128 },
      /hybrid Mamba-2/,
    ],
    [
      'Qwen3.5-style dense hybrid',
      {
        model_type: 'qwen3_5',
        layer_types: ['linear_attention', 'linear_attention', 'linear_attention', 'full_attention'],
      },
      /layer_types contains "linear_attention"/,
    ],
    [
      'a sliding pattern on Command R (cohere, which has no sliding layers)',
      { model_type: 'cohere', sliding_window: 4096, sliding_window_pattern: 4 },
      /sliding_window_pattern .* the cohere reader does not model/,
    ],
    [
      'sliding layer types on OLMo 2 (which has no sliding layers)',
      {
        model_type: 'olmo2',
        layer_types: ['sliding_attention', 'sliding_attention', 'sliding_attention', 'full_attention'],
      },
      /layer_types contains "sliding_attention", which the olmo2 reader does not model/,
    ],
    ['Falcon-H1 fields on a llama', { model_type: 'llama', mamba_d_ssm: 1024, mamba_d_state: 256 }, /state-space/],
    [
      'ModernBERT fields under an unknown model_type',
      {
        model_type: 'neobert',
        architectures: ['ModernBertForMaskedLM'],
        global_attn_every_n_layers: 3,
        local_attention: 128,
      },
      /alternating local and global/,
    ],
    [
      'a vision tower without a text_config (Phi-4-multimodal)',
      { model_type: 'phi4mm', vision_config: { depth: 32 } },
      /vision or audio tower/,
    ],
    [
      'Phi-3.5-vision',
      { model_type: 'phi3_v', img_processor: { name: 'clip_vision_model' }, embd_layer: { embedding_cls: 'image' } },
      /vision or audio tower/,
    ],
    [
      'Gemma-4-style dense',
      { model_type: 'gemma4_text', global_head_dim: 512, num_global_key_value_heads: 4 },
      /global-attention layers/,
    ],
    [
      'chunked attention on a LLaMA (only the llama4_text reader models it)',
      { model_type: 'llama', attention_chunk_size: 8192 },
      /attention_chunk_size declares chunked local attention .* the llama reader does not model/,
    ],
    [
      'DeepSeek-V3.2 indexer fields on a deepseek_v3',
      { model_type: 'deepseek_v3', kv_lora_rank: 512, index_n_heads: 64 },
      /indexer/,
    ],
    [
      'Jamba fields on a mistral',
      { model_type: 'mistral', attn_layer_period: 8, attn_layer_offset: 4 },
      /does not model/,
    ],
    [
      'an encoder–decoder under an unknown model_type (Pegasus)',
      { model_type: 'pegasus', is_encoder_decoder: true, encoder_layers: 16, decoder_layers: 16 },
      /encoder–decoder/,
    ],
    [
      'Mamba fields under an unknown model_type',
      { model_type: 'mamba3', state_size: 16, conv_kernel: 4, expand: 2 },
      /state-space/,
    ],
    [
      'RWKV-5 (another model_type)',
      { model_type: 'rwkv5', attention_hidden_size: 2048, rescale_every: 6 },
      /RWKV time-mixing/,
    ],
    [
      'lightning layers on an unknown model_type',
      { model_type: 'minimax_vl_01', attn_type_list: [0, 0, 0, 1] },
      /linear-attention/,
    ],
  ];

  it.each(cases)('%s', (_name, config, reason) => {
    expect(read({ ...LLAMA_LIKE, ...config })).toThrow(reason);
  });

  it.each([
    [
      'ERNIE-4.5 MoE (moe_num_experts)',
      { model_type: 'ernie4_5_moe', moe_num_experts: 64, moe_k: 6 },
      /moe_.* declares experts/,
    ],
    [
      'Phi-2 (a plain GELU MLP)',
      { model_type: 'phi', hidden_act: 'gelu_new' },
      /hidden_act "gelu_new" is not a gated SiLU MLP/,
    ],
    ['Nemotron (ReLU²)', { model_type: 'nemotron', hidden_act: 'relu2' }, /hidden_act "relu2"/],
    [
      'StarCoder2 (GELU, biases)',
      { model_type: 'starcoder2', hidden_act: 'gelu_pytorch_tanh', sliding_window: 4096 },
      /hidden_act/,
    ],
    ['MiMo (multi-token prediction)', { model_type: 'mimo', num_nextn_predict_layers: 1 }, /multi-token-prediction/],
  ] as const)('the generic fallback refuses %s', (_name, config, reason) => {
    expect(read({ ...LLAMA_LIKE, ...config })).toThrow(reason);
  });

  it('a LLaMA-style clone with a gated SiLU MLP and no memory-changing keys is still read (with a warning)', () => {
    const { warnings } = readModelConfig(
      { model_type: 'internlm2', ...LLAMA_LIKE, hidden_act: 'silu', attn_type_list: [1, 1] },
      'x',
    );
    expect(warnings.join(' ')).toMatch(/not one vram knows/);
  });

  it('through the CLI: exit 2, one line naming the feature, nothing on stdout', async () => {
    const config = JSON.stringify({ model_type: 'zamba2', ...LLAMA_LIKE, hybrid_override_pattern: 'M-M*-' });
    const { code, stdout, stderr } = await run(['estimate', '--config', '-'], { stdin: config });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error: stdin: hybrid_override_pattern declares hybrid Mamba-2 \/ attention \/ MLP layers .* does not model; vram refuses rather than estimate it as something else\n$/,
    );
  });
});

describe('a GGUF architecture without a reader is refused (its file carries no config to check)', () => {
  it('falcon-h1 in a GGUF file: exit 2, named', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ggufFile } = await import('../fixtures/writers.js');
    const path = join(mkdtempSync(join(tmpdir(), 'vram-gguf-')), 'falcon-h1.gguf');
    writeFileSync(
      path,
      ggufFile(
        [
          ['general.architecture', 'string', 'falcon-h1'],
          ['falcon-h1.block_count', 'u32', 2],
          ['falcon-h1.embedding_length', 'u32', 64],
          ['falcon-h1.attention.head_count', 'u32', 4],
          ['falcon-h1.ssm.state_size', 'u32', 16],
        ],
        [{ name: 'token_embd.weight', shape: [64, 100], type: 8 }],
      ),
    );
    const { code, stdout, stderr } = await run(['estimate', '--model', path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/GGUF architecture "falcon-h1" is not one vram reads/);
  });
});

describe('multimodal wrappers', () => {
  it("LLaVA-1.5: the text_config leaves Vicuna's dimensions to LlamaConfig's defaults, as transformers does", () => {
    // llava-hf/llava-1.5-7b-hf: text_config gives only model_type, vocab_size, max_position_embeddings…
    const llava = {
      model_type: 'llava',
      text_config: { model_type: 'llama', vocab_size: 32064, max_position_embeddings: 4096, rms_norm_eps: 1e-5 },
      vision_config: { model_type: 'clip_vision_model', hidden_size: 1024 },
      torch_dtype: 'float16',
    };
    const { arch, warnings } = readModelConfig(llava, 'llava-1.5-7b');
    // LLaMA-2-7B's 6,738,415,616 with 64 more vocabulary rows in the embeddings and the head
    expect(countParameters(arch).totalCount).toBe(6_738_415_616 + 2 * 64 * 4096);
    expect(warnings[0]).toMatch(/llava is multimodal: .* and its vision tower \(CLIP ViT/);
  });
});
