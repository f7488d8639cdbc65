/**
 * Model specs for the llama.cpp calibration (run.mjs) and a GGUF v3 writer for them.
 *
 * Each spec has the real shapes of a public model (the config.json it came from is its `source`), the `{arch}.*`
 * metadata llama.cpp's loader reads for that architecture (src/models/<arch>.cpp `load_arch_hparams` and
 * `llama_model_base::load_hparams` in src/llama-model.cpp, llama.cpp v0.4.0 = commit 80fb11ac), the tensors its
 * `load_arch_tensors` creates, and a stand-in SentencePiece ("llama") vocabulary of the real size: `<unk>`, `<s>`,
 * `</s>`, the 256 byte tokens `<0x00>`…`<0xFF>` and then `t259`, `t260`, … with zero scores.
 *
 * `writeGgufFile(path, spec, { data })` writes the header (metadata and tensor infos, alignment 32) and, with
 * `data: true`, extends the file to its full size with ftruncate, so the zero tensor data is a hole that costs no
 * disk. The header bytes are the same either way. Quantized sizes: q8_0 34 B and q4_0 18 B per block of 32, q6_K
 * 210 B per block of 256; f16 and bf16 2 B, f32 4 B per element.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** ggml type id, elements per block and bytes per block (ggml/src/ggml.c `type_traits`). */
export const GGML_TYPES = {
  f32: { id: 0, blockElements: 1, blockBytes: 4 },
  f16: { id: 1, blockElements: 1, blockBytes: 2 },
  q4_0: { id: 2, blockElements: 32, blockBytes: 18 },
  q8_0: { id: 8, blockElements: 32, blockBytes: 34 },
  q6_K: { id: 14, blockElements: 256, blockBytes: 210 },
  bf16: { id: 30, blockElements: 1, blockBytes: 2 },
};

/** llama_ftype (include/llama.h) written as general.file_type. */
const FILE_TYPES = { f16: 1, q4_0: 2, q8_0: 7, bf16: 32 };

const GGUF_ALIGNMENT = 32;
const GGUF_VALUE_TYPES = { u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9 };
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 };

/** Bytes of one tensor's data. */
export function tensorBytes({ shape, type }) {
  const t = GGML_TYPES[type];
  const elements = shape.reduce((a, b) => a * b, 1);
  if (shape[0] % t.blockElements !== 0) {
    throw new Error(`row of ${shape[0]} is not a multiple of the ${type} block (${t.blockElements})`);
  }
  return (elements / t.blockElements) * t.blockBytes;
}

/**
 * Tensors of a llama-style decoder: separate q/k/v, SwiGLU FFN, RMS norms (f32), optional q/k/v biases (f32),
 * Gemma's post-attention and post-FFN norms and per-head q/k norms, and an untied output unless `tied`.
 */
function decoderTensors(c, types) {
  const { embd, ff, heads, kvHeads, headDim, vocab } = c;
  const w = types.weights;
  const norm = (name, n = embd) => ({ name, shape: [n], type: 'f32' });
  const tensors = [];
  if (c.ropeFreqs) tensors.push({ name: 'rope_freqs.weight', shape: [headDim / 2], type: 'f32' });
  tensors.push({ name: 'token_embd.weight', shape: [embd, vocab], type: types.embedding });
  for (let i = 0; i < c.layers; i++) {
    const p = `blk.${i}.`;
    tensors.push(norm(`${p}attn_norm.weight`));
    tensors.push({ name: `${p}attn_q.weight`, shape: [embd, heads * headDim], type: w });
    tensors.push({ name: `${p}attn_k.weight`, shape: [embd, kvHeads * headDim], type: w });
    tensors.push({ name: `${p}attn_v.weight`, shape: [embd, kvHeads * headDim], type: w });
    if (c.qkvBias) {
      tensors.push(norm(`${p}attn_q.bias`, heads * headDim));
      tensors.push(norm(`${p}attn_k.bias`, kvHeads * headDim));
      tensors.push(norm(`${p}attn_v.bias`, kvHeads * headDim));
    }
    if (c.qkNorm) {
      tensors.push(norm(`${p}attn_q_norm.weight`, headDim));
      tensors.push(norm(`${p}attn_k_norm.weight`, headDim));
    }
    tensors.push({ name: `${p}attn_output.weight`, shape: [heads * headDim, embd], type: w });
    if (c.postNorms) tensors.push(norm(`${p}post_attention_norm.weight`));
    tensors.push(norm(`${p}ffn_norm.weight`));
    tensors.push({ name: `${p}ffn_gate.weight`, shape: [embd, ff], type: w });
    tensors.push({ name: `${p}ffn_up.weight`, shape: [embd, ff], type: w });
    tensors.push({ name: `${p}ffn_down.weight`, shape: [ff, embd], type: w });
    if (c.postNorms) tensors.push(norm(`${p}post_ffw_norm.weight`));
  }
  tensors.push(norm('output_norm.weight'));
  if (!c.tied) tensors.push({ name: 'output.weight', shape: [embd, vocab], type: types.output });
  return tensors;
}

/** The metadata every architecture here shares, then its own keys. */
function decoderMetadata(arch, name, c, fileType, extra) {
  return [
    ['general.architecture', 'str', arch],
    ['general.name', 'str', name],
    ['general.file_type', 'u32', FILE_TYPES[fileType]],
    ['general.alignment', 'u32', GGUF_ALIGNMENT],
    ...(fileType.startsWith('q') ? [['general.quantization_version', 'u32', 2]] : []),
    [`${arch}.context_length`, 'u32', c.ctxTrain],
    [`${arch}.embedding_length`, 'u32', c.embd],
    [`${arch}.block_count`, 'u32', c.layers],
    [`${arch}.feed_forward_length`, 'u32', c.ff],
    [`${arch}.attention.head_count`, 'u32', c.heads],
    [`${arch}.attention.head_count_kv`, 'u32', c.kvHeads],
    [`${arch}.attention.layer_norm_rms_epsilon`, 'f32', c.rmsEps],
    [`${arch}.rope.freq_base`, 'f32', c.ropeTheta],
    ...extra,
  ];
}

function model(id, description, source, arch, c, types, extra) {
  return {
    id,
    description,
    source,
    arch,
    metadata: decoderMetadata(arch, id, c, types.fileType, extra),
    vocab: { model: 'llama', size: c.vocab, unk: 0, bos: 1, eos: 2 },
    tensors: decoderTensors(c, types),
  };
}

// https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json
const LLAMA_3_8B = {
  embd: 4096,
  ff: 14336,
  layers: 32,
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  vocab: 128256,
  ctxTrain: 8192,
  rmsEps: 1e-5,
  ropeTheta: 500000,
  tied: false,
};
const LLAMA_3_8B_KEYS = [
  ['llama.rope.dimension_count', 'u32', 128],
  ['llama.vocab_size', 'u32', 128256],
];
// https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json
const QWEN_2_5_7B = {
  embd: 3584,
  ff: 18944,
  layers: 28,
  heads: 28,
  kvHeads: 4,
  headDim: 128,
  vocab: 152064,
  ctxTrain: 32768,
  rmsEps: 1e-6,
  ropeTheta: 1000000,
  tied: false,
  qkvBias: true,
};
// https://huggingface.co/google/gemma-2-9b/blob/main/config.json
const GEMMA_2_9B = {
  embd: 3584,
  ff: 14336,
  layers: 42,
  heads: 16,
  kvHeads: 8,
  headDim: 256,
  vocab: 256000,
  ctxTrain: 8192,
  rmsEps: 1e-6,
  ropeTheta: 10000,
  tied: true,
  postNorms: true,
};
// https://huggingface.co/google/gemma-3-4b-it/blob/main/config.json (text_config)
const GEMMA_3_4B = {
  embd: 2560,
  ff: 10240,
  layers: 34,
  heads: 8,
  kvHeads: 4,
  headDim: 256,
  vocab: 262208,
  ctxTrain: 131072,
  rmsEps: 1e-6,
  ropeTheta: 1000000,
  tied: true,
  postNorms: true,
  qkNorm: true,
};
// https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json
const LLAMA_3_2_1B = {
  embd: 2048,
  ff: 8192,
  layers: 16,
  heads: 32,
  kvHeads: 8,
  headDim: 64,
  vocab: 128256,
  ctxTrain: 131072,
  rmsEps: 1e-5,
  ropeTheta: 500000,
  tied: true,
  ropeFreqs: true,
};

const same = (t) => ({ fileType: t, embedding: t, output: t, weights: t });

/** The seven calibration models. */
export const LLAMA_CPP_CALIBRATION_MODELS = [
  model(
    'llama-3-8b-f16',
    'Llama 3 8B shape, all matrices f16 (GQA 32/8, untied output)',
    'https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json',
    'llama',
    LLAMA_3_8B,
    same('f16'),
    LLAMA_3_8B_KEYS,
  ),
  model(
    'llama-3-8b-q8_0',
    'Llama 3 8B shape, all matrices q8_0 (llama-quantize Q8_0)',
    'https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json',
    'llama',
    LLAMA_3_8B,
    same('q8_0'),
    LLAMA_3_8B_KEYS,
  ),
  model(
    'llama-3-8b-q4_0',
    'Llama 3 8B shape, matrices q4_0 and output.weight q6_K (what llama-quantize Q4_0 writes)',
    'https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json',
    'llama',
    LLAMA_3_8B,
    { fileType: 'q4_0', embedding: 'q4_0', output: 'q6_K', weights: 'q4_0' },
    LLAMA_3_8B_KEYS,
  ),
  model(
    'qwen2.5-7b-f16',
    'Qwen2.5 7B shape, f16, q/k/v biases (f32), GQA 28/4, untied output',
    'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json',
    'qwen2',
    QWEN_2_5_7B,
    same('f16'),
    [],
  ),
  model(
    'gemma-2-9b-q8_0',
    'Gemma 2 9B shape, q8_0: sliding window 4096 on every other layer (iSWA), head_dim 256, soft-capping, tied',
    'https://huggingface.co/google/gemma-2-9b/blob/main/config.json',
    'gemma2',
    GEMMA_2_9B,
    same('q8_0'),
    [
      ['gemma2.attention.key_length', 'u32', 256],
      ['gemma2.attention.value_length', 'u32', 256],
      ['gemma2.attn_logit_softcapping', 'f32', 50],
      ['gemma2.final_logit_softcapping', 'f32', 30],
      ['gemma2.attention.sliding_window', 'u32', 4096],
    ],
  ),
  model(
    'gemma-3-4b-bf16',
    'Gemma 3 4B text shape, bf16: 5 sliding-window (1024) layers per global layer (iSWA), q/k norms, tied',
    'https://huggingface.co/google/gemma-3-4b-it/blob/main/config.json',
    'gemma3',
    GEMMA_3_4B,
    same('bf16'),
    [
      ['gemma3.attention.key_length', 'u32', 256],
      ['gemma3.attention.value_length', 'u32', 256],
      ['gemma3.attention.sliding_window', 'u32', 1024],
      ['gemma3.rope.scaling.type', 'str', 'linear'],
      ['gemma3.rope.scaling.factor', 'f32', 8],
    ],
  ),
  model(
    'llama-3.2-1b-f16',
    'Llama 3.2 1B shape, f16, tied embeddings, llama3 rope scaling (rope_freqs.weight)',
    'https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json',
    'llama',
    LLAMA_3_2_1B,
    same('f16'),
    [
      ['llama.rope.dimension_count', 'u32', 64],
      ['llama.vocab_size', 'u32', 128256],
    ],
  ),
];

class ByteWriter {
  chunks = [];
  length = 0;
  push(buf) {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  value(type, v) {
    if (type === 'str') this.str(v);
    else if (type === 'u32') this.u32(v);
    else if (type === 'i32') this.i32(v);
    else if (type === 'f32') this.f32(v);
    else if (type === 'bool') this.push(Buffer.from([v ? 1 : 0]));
    else throw new Error(`unsupported GGUF value type ${type}`);
  }
  kv(key, type, v) {
    this.str(key);
    this.u32(GGUF_VALUE_TYPES[type]);
    this.value(type, v);
  }
  array(key, elementType, values) {
    this.str(key);
    this.u32(GGUF_VALUE_TYPES.arr);
    this.u32(GGUF_VALUE_TYPES[elementType]);
    this.u64(values.length);
    for (const v of values) this.value(elementType, v);
  }
}

function vocabTokens({ size }) {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.byte);
  }
  for (let i = tokens.length; i < size; i++) {
    tokens.push(`t${i}`);
    types.push(TOKEN_TYPE.normal);
  }
  return { tokens, types };
}

const alignUp = (n) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;

/** The header bytes (up to the end of the tensor infos), where the data starts and the whole file's size. */
export function ggufLayout(spec) {
  const w = new ByteWriter();
  const { tokens, types } = vocabTokens(spec.vocab);
  w.push(Buffer.from('GGUF', 'latin1'));
  w.u32(3);
  w.u64(spec.tensors.length);
  w.u64(spec.metadata.length + 7);
  for (const [key, type, value] of spec.metadata) w.kv(key, type, value);
  w.kv('tokenizer.ggml.model', 'str', spec.vocab.model);
  w.array('tokenizer.ggml.tokens', 'str', tokens);
  w.array('tokenizer.ggml.scores', 'f32', new Array(tokens.length).fill(0));
  w.array('tokenizer.ggml.token_type', 'i32', types);
  w.kv('tokenizer.ggml.unknown_token_id', 'u32', spec.vocab.unk);
  w.kv('tokenizer.ggml.bos_token_id', 'u32', spec.vocab.bos);
  w.kv('tokenizer.ggml.eos_token_id', 'u32', spec.vocab.eos);
  let offset = 0;
  for (const t of spec.tensors) {
    w.str(t.name);
    w.u32(t.shape.length);
    for (const d of t.shape) w.u64(d);
    w.u32(GGML_TYPES[t.type].id);
    w.u64(offset);
    offset = alignUp(offset + tensorBytes(t));
  }
  const dataOffset = alignUp(w.length);
  return { header: Buffer.concat(w.chunks), dataOffset, fileBytes: dataOffset + offset };
}

/** Writes `spec` as a GGUF v3 file: the header only, or with `data: true` the whole file with zero (sparse) data. */
export function writeGgufFile(path, spec, { data }) {
  const { header, fileBytes } = ggufLayout(spec);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    if (data) ftruncateSync(fd, fileBytes);
  } finally {
    closeSync(fd);
  }
  return { headerBytes: header.length, fileBytes };
}
