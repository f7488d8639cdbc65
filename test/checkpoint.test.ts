import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../src/checkpoint/byteSource.js';
import { fileSource } from '../src/checkpoint/fileSource.js';
import { GGML_TYPES, ggmlBitsPerWeight } from '../src/checkpoint/ggmlTypes.js';
import { readGgufHeader } from '../src/checkpoint/gguf.js';
import { parseSafetensorsHeader, safetensorsHeaderLength } from '../src/checkpoint/safetensors.js';
import { UserError } from '../src/core/errors.js';
import { ggufFile, safetensorsFile } from './fixtures/writers.js';

const dir = mkdtempSync(join(tmpdir(), 'vram-checkpoint-'));

async function readSafetensors(bytes: Uint8Array, label = 'model.safetensors') {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  writeFileSync(path, bytes);
  const source = fileSource(path);
  try {
    const length = safetensorsHeaderLength(await source.read(0, 8), label);
    return parseSafetensorsHeader(await source.read(8, length), label);
  } finally {
    source.close();
  }
}

describe('safetensors header', () => {
  it('reads the stored bytes of every tensor from a real file', async () => {
    const header = await readSafetensors(
      safetensorsFile([
        { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [32, 8] },
        { name: 'model.layers.0.self_attn.q_proj.qweight', dtype: 'I32', shape: [1, 8] },
        { name: 'model.layers.0.self_attn.q_proj.scales', dtype: 'F16', shape: [1, 8] },
        { name: 'lm_head.weight', dtype: 'F32', shape: [32, 8] },
      ]),
    );
    expect(header.tensors.map((t) => [t.dtype, t.bytes])).toEqual([
      ['BF16', 512],
      ['I32', 32],
      ['F16', 16],
      ['F32', 1024],
    ]);
    expect(header.dataBytes).toBe(512 + 32 + 16 + 1024);
    expect(header.metadata).toEqual({ format: 'pt' });
  });

  it.each([
    ['a 3-byte file', new Uint8Array(3), /truncated safetensors file/],
    [
      'an absurd header length',
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      })(),
      /header length .* outside/,
    ],
    ['a zero header length', new Uint8Array(16), /header length 0/],
  ])('rejects %s with one line', async (_what, bytes, message) => {
    await expect(readSafetensors(bytes)).rejects.toThrow(message);
    await expect(readSafetensors(bytes)).rejects.toBeInstanceOf(UserError);
  });

  it('rejects a non-JSON header, an unknown dtype and inconsistent offsets', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(() => parseSafetensorsHeader(text('not json'), 'x')).toThrow(/not UTF-8 JSON/);
    expect(() => parseSafetensorsHeader(text('[1]'), 'x')).toThrow(/not a JSON object/);
    expect(() => parseSafetensorsHeader(text('{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}'), 'x')).toThrow(
      /dtype "Q4"/,
    );
    expect(() => parseSafetensorsHeader(text('{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,3]}}'), 'x')).toThrow(
      /stores 3 bytes for 2 F16/,
    );
    expect(() => parseSafetensorsHeader(text('{"w":{"dtype":"F16","shape":[-2],"data_offsets":[0,4]}}'), 'x')).toThrow(
      /shape/,
    );
  });
});

describe('GGUF header', () => {
  const tensors = [
    { name: 'token_embd.weight', shape: [4096, 32000], type: 12 }, // Q4_K
    { name: 'blk.0.attn_v.weight', shape: [4096, 1024], type: 14 }, // Q6_K
    { name: 'blk.0.attn_norm.weight', shape: [4096], type: 0 }, // F32
    { name: 'output.weight', shape: [4096, 32000], type: 8 }, // Q8_0
  ];
  const metadata = [
    ['general.architecture', 'string', 'llama'],
    ['general.parameter_count', 'u64', 8_030_261_248],
    ['llama.block_count', 'u32', 32],
    ['llama.attention.head_count', 'u32', 32],
    ['llama.rope.freq_base', 'f32', 500000],
    ['tokenizer.ggml.tokens', 'string[]', ['<s>', '</s>', 'hello']],
  ] as const;

  it('reads metadata and the exact bytes of each tensor from a real file', async () => {
    const path = join(dir, 'model.gguf');
    writeFileSync(
      path,
      ggufFile(
        metadata.map((m) => [...m]),
        tensors,
      ),
    );
    const source = fileSource(path);
    const header = await readGgufHeader(source);
    source.close();
    expect(header.version).toBe(3);
    expect(header.metadata.get('general.architecture')).toBe('llama');
    expect(header.metadata.get('general.parameter_count')).toBe(8_030_261_248n);
    expect(header.metadata.get('llama.block_count')).toBe(32);
    expect(header.metadata.get('tokenizer.ggml.tokens')).toEqual(['<s>', '</s>', 'hello']);
    expect(header.tensors.map((t) => [t.type.name, t.bytes])).toEqual([
      ['Q4_K', ((4096 * 32000) / 256) * 144],
      ['Q6_K', ((4096 * 1024) / 256) * 210],
      ['F32', 4096 * 4],
      ['Q8_0', ((4096 * 32000) / 32) * 34],
    ]);
  });

  it.each([
    ['Q4_0', 4.5],
    ['Q4_K', 4.5],
    ['Q5_K', 5.5],
    ['Q6_K', 6.5625],
    ['Q8_0', 8.5],
    ['IQ4_XS', 4.25],
    ['Q2_K', 2.625],
  ])('%s stores %d bits per weight', (name, bits) => {
    const type = Object.values(GGML_TYPES).find((t) => t.name === name)!;
    expect(ggmlBitsPerWeight(type)).toBe(bits);
  });

  it.each([
    ['wrong magic', ggufFile([], [], { magic: 0x12345678 }), /not a GGUF file \(wrong magic/],
    ['an unsupported version', ggufFile([], [], { version: 1 }), /GGUF version 1 is not supported/],
    ['a tiny file', new Uint8Array(10), /not a GGUF file \(10 bytes\)/],
    [
      'a truncated header',
      ggufFile([['general.architecture', 'string', 'llama']], tensors).subarray(0, 60),
      /truncated/,
    ],
    [
      'an absurd string length',
      (() => {
        const b = ggufFile([['k', 'string', 'v']], []);
        new DataView(b.buffer).setBigUint64(24, 2n ** 50n, true);
        return b;
      })(),
      /metadata key length .* larger than/,
    ],
    [
      'an absurd tensor count',
      (() => {
        const b = ggufFile([], []);
        new DataView(b.buffer).setBigUint64(8, 2n ** 40n, true);
        return b;
      })(),
      /tensor count .* larger than/,
    ],
    ['an unknown tensor type', ggufFile([], [{ name: 'w', shape: [32], type: 99 }]), /unknown ggml type 99/],
  ])('rejects %s with one line', async (_what, bytes, message) => {
    await expect(readGgufHeader(memorySource(bytes, 'bad.gguf'))).rejects.toThrow(message);
  });
});

describe('multi-token-prediction layers in a checkpoint', () => {
  it('are left out of the weights (engines load them only for speculative decoding), and said so', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { safetensorsFile } = await import('./fixtures/writers.js');
    const { runJson } = await import('./helpers.js');
    const dir = mkdtempSync(join(tmpdir(), 'vram-mtp-'));
    const config = {
      model_type: 'llama',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      vocab_size: 100,
      max_position_embeddings: 256,
      num_nextn_predict_layers: 1,
      torch_dtype: 'bfloat16',
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const layer = (i: number) => ({ name: `model.layers.${i}.mlp.up_proj.weight`, dtype: 'BF16', shape: [128, 64] });
    writeFileSync(join(dir, 'model.safetensors'), safetensorsFile([layer(0), layer(1), layer(2)]));
    const { json } = await runJson(['estimate', '--model', dir, '--ctx', '256']);
    const weights = json.components.find((c: { id: string }) => c.id === 'weights');
    expect(weights.bytes).toBe(2 * 128 * 64 * 2);
    expect(weights.notes.join(' ')).toMatch(
      /16,384 B in 1 tensors of the multi-token-prediction layers \(model\.layers\.2\+\) are stored but not loaded/,
    );
  });
});
