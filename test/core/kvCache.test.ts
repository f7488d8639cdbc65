import { describe, expect, it } from 'vitest';
import { kvCacheBytes, kvCacheComponent, kvElementsPerToken } from '../../src/core/kvCache.js';
import { GIB, MIB } from '../../src/core/units.js';
import { TINY_LLAMA, presetArch, tiny } from '../helpers.js';

describe('KV cache = 2 × L × n_kv × d × bytes × tokens', () => {
  it.each([
    // [dtype, tokens, bytes]: tiny model has 2·2·2·2 = 16 elements per token
    ['fp32', 1, 64],
    ['bf16', 1, 32],
    ['fp16', 10, 320],
    ['fp8', 10, 160],
    ['int8', 3, 48],
    ['int4', 3, 24],
    ['int4', 1, 8],
  ] as const)('tiny model, %s × %d tokens = %d B', (dtype, tokens, bytes) => {
    expect(kvElementsPerToken(TINY_LLAMA)).toBe(16);
    expect(kvCacheBytes(TINY_LLAMA, dtype, tokens, 1)).toBe(bytes);
  });

  it('Llama-2-70B at 32k × 10 users is 100 GiB with its 8 KV heads', () => {
    expect(kvCacheBytes(presetArch('llama-70b'), 'fp16', 32_768, 10)).toBe(107_374_182_400);
    expect(107_374_182_400 / GIB).toBe(100);
  });

  it('matches llama.cpp: LLaMA-7B f16 at n_ctx 8192 -> "kv self size = 4096.00 MB" (MiB; REFERENCES.md)', () => {
    expect(kvCacheBytes(presetArch('llama-7b'), 'fp16', 8192, 1)).toBe(4096 * MIB);
  });

  it('is linear in tokens', () => {
    const arch = presetArch('mistral-7b');
    const one = kvCacheBytes(arch, 'bf16', 1, 1);
    for (const tokens of [1, 7, 1000, 32_768, 1_000_000])
      expect(kvCacheBytes(arch, 'bf16', tokens, 1)).toBe(one * tokens);
    for (const sequences of [1, 3, 64])
      expect(kvCacheBytes(arch, 'bf16', 1000, sequences)).toBe(one * 1000 * sequences);
  });

  it('encoders keep no cache and say so', () => {
    const component = kvCacheComponent(presetArch('bert-base'), 'bf16', 512, 8);
    expect(component.bytes).toBe(0);
    expect(component.formula).toMatch(/encoder/);
  });

  it('substitutes the numbers into the formula', () => {
    expect(kvCacheComponent(presetArch('llama-70b'), 'fp16', 32_768, 10).formula).toBe(
      '2 × 80 layers × 8 kv-heads × 128 head-dim × 2 B (fp16) × 32,768 tokens × 10 sequences',
    );
  });

  it('sliding-window layers cache at most the window under cap, every token under full', () => {
    const windowed = tiny({ window: 16 });
    expect(kvCacheBytes(windowed, 'bf16', 32, 1, 'cap')).toBe(32 * 16);
    expect(kvCacheBytes(windowed, 'bf16', 32, 1, 'full')).toBe(32 * 32);
    expect(kvCacheBytes(windowed, 'bf16', 8, 1, 'cap')).toBe(32 * 8);
    expect(kvCacheComponent(windowed, 'bf16', 32, 1).notes.join(' ')).toMatch(/16-token sliding window/);
  });
});
