// Checkpoints for `npm run bench` (issue 12), written to a temporary folder: a DeepSeek-V3-shaped
// local repository (its config, an index and 163 safetensors shards holding the real checkpoint's
// 91,991 tensor names, each tensor a few bytes) and a GGUF with a 256,000-string vocabulary and
// 1,100 tensors. Both are written by test/fixtures/writers.ts, bundled here by esbuild.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const SHARDS = 163;
const PROJECTIONS = ['q_a_proj', 'q_b_proj', 'kv_a_proj_with_mqa', 'kv_b_proj', 'o_proj'];

/** DeepSeek-V3's tensor names: FP8 matrices with their block scales, norms, routers. */
function deepseekTensorNames(config) {
  const names = ['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight'];
  const fp8 = (prefix) => names.push(`${prefix}.weight`, `${prefix}.weight_scale_inv`);
  for (let layer = 0; layer <= config.num_hidden_layers; layer++) {
    const at = `model.layers.${layer}`;
    for (const projection of PROJECTIONS) fp8(`${at}.self_attn.${projection}`);
    names.push(`${at}.self_attn.q_a_layernorm.weight`, `${at}.self_attn.kv_a_layernorm.weight`);
    names.push(`${at}.input_layernorm.weight`, `${at}.post_attention_layernorm.weight`);
    const mlp = (prefix) => {
      for (const part of ['gate_proj', 'up_proj', 'down_proj']) fp8(`${prefix}.${part}`);
    };
    if (layer < config.first_k_dense_replace) {
      mlp(`${at}.mlp`);
      continue;
    }
    names.push(`${at}.mlp.gate.weight`, `${at}.mlp.gate.e_score_correction_bias`);
    for (let expert = 0; expert < config.n_routed_experts; expert++) mlp(`${at}.mlp.experts.${expert}`);
    mlp(`${at}.mlp.shared_experts`);
  }
  return names;
}

/** test/fixtures/writers.ts bundled by esbuild into `scratch`, so the bench writes files as the tests do. */
async function loadWriters(scratch) {
  const bundle = join(scratch, 'writers.mjs');
  buildSync({
    entryPoints: [join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'writers.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: bundle,
    logLevel: 'warning',
  });
  return import(pathToFileURL(bundle).href);
}

function writeDeepseekRepository(dir, { safetensorsFile }) {
  const preset = join(import.meta.dirname, '..', '..', 'presets', 'models', 'deepseek-v3.json');
  const { config } = JSON.parse(readFileSync(preset, 'utf8'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const names = deepseekTensorNames(config);
  const perShard = Math.ceil(names.length / SHARDS);
  const weightMap = {};
  for (let shard = 0; shard < SHARDS; shard++) {
    const file = `model-${String(shard + 1).padStart(5, '0')}-of-${String(SHARDS).padStart(5, '0')}.safetensors`;
    const part = names.slice(shard * perShard, (shard + 1) * perShard);
    for (const name of part) weightMap[name] = file;
    const tensors = part.map((name) => ({ name, dtype: 'BF16', shape: [2] }));
    writeFileSync(join(dir, file), safetensorsFile(tensors));
  }
  const index = { metadata: { total_size: 4 * names.length }, weight_map: weightMap };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  return names.length;
}

function writeLargeVocabularyGguf(path, { ggufFile }) {
  const vocabulary = Array.from({ length: 256_000 }, (_, i) => `token${i}`);
  // Small tensors: the header is what is read (the table then holds fewer parameters than the metadata says).
  const tensors = [{ name: 'token_embd.weight', shape: [256, 256], type: 1 }];
  const parts = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'];
  for (let layer = 0; layer < 157; layer++)
    for (const part of parts) tensors.push({ name: `blk.${layer}.${part}.weight`, shape: [256, 256], type: 1 });
  tensors.push({ name: 'output_norm.weight', shape: [256], type: 0 });
  const meta = [
    ['general.architecture', 'string', 'llama'],
    ['llama.block_count', 'u32', 157],
    ['llama.embedding_length', 'u32', 256],
    ['llama.feed_forward_length', 'u32', 256],
    ['llama.attention.head_count', 'u32', 4],
    ['llama.attention.head_count_kv', 'u32', 4],
    ['llama.context_length', 'u32', 4096],
    ['llama.vocab_size', 'u32', 256_000],
    ['tokenizer.ggml.tokens', 'string[]', vocabulary],
  ];
  writeFileSync(path, ggufFile(meta, tensors));
  return tensors.length;
}

/** Writes both checkpoints under `scratch`; returns their paths and sizes. */
export async function writeBenchCheckpoints(scratch) {
  const repository = join(scratch, 'deepseek-v3-shaped');
  const writers = await loadWriters(scratch);
  const tensorCount = writeDeepseekRepository(repository, writers);
  const gguf = join(scratch, 'vocabulary-256k.gguf');
  const ggufTensors = writeLargeVocabularyGguf(gguf, writers);
  return { repository, tensorCount, gguf, ggufTensors };
}
