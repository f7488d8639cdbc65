/**
 * Every architecture family: KV cache by the formulas of REFERENCES.md ("KV cache": MQA, MLA,
 * sliding windows), active parameters of MoE models, and --config reading each family.
 */
import { describe, expect, it } from 'vitest';
import { kvCacheBytes, kvElementsPerToken } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { PRESETS } from '../../src/model/presets.js';
import { presetArch, runJson } from '../helpers.js';

describe('KV cache by family', () => {
  it('MLA (DeepSeek-V3) caches the latent: 61 layers × (512 + 64) elements per token', () => {
    expect(kvElementsPerToken(presetArch('deepseek-v3'))).toBe(61 * (512 + 64));
  });

  it('MQA (Falcon-7B): one K/V head of 64: 2 × 32 × 1 × 64 per token', () => {
    expect(kvCacheBytes(presetArch('falcon-7b'), 'bf16', 8192, 1)).toBe(2 * 32 * 1 * 64 * 8192 * 2);
  });

  it('sliding window for every layer (Mistral-7B v0.1, 4,096): capped, or full with --sliding-window full', () => {
    const arch = presetArch('mistral-7b-v0.1');
    expect(kvCacheBytes(arch, 'bf16', 8192, 1, 'cap')).toBe(2 * 32 * 8 * 128 * 4096 * 2);
    expect(kvCacheBytes(arch, 'bf16', 8192, 1, 'full')).toBe(2 * 32 * 8 * 128 * 8192 * 2);
    expect(kvCacheBytes(arch, 'bf16', 2048, 1, 'cap')).toBe(2 * 32 * 8 * 128 * 2048 * 2);
  });

  it('hybrid Gemma 2 (21 window layers of 4,096 + 21 global) and Gemma 3 (every 6th layer global)', () => {
    expect(kvCacheBytes(presetArch('gemma-2-9b'), 'bf16', 8192, 1)).toBe(2 * 8 * 256 * 2 * (21 * 4096 + 21 * 8192));
    const gemma3 = presetArch('gemma-3-1b');
    expect(gemma3.layers.map((g) => [g.count, g.attention.window])).toEqual([[22, 512], [4, null]]);
    expect(kvCacheBytes(gemma3, 'bf16', 8192, 1)).toBe(2 * 1 * 256 * 2 * (22 * 512 + 4 * 8192));
  });

  it('gpt-oss alternates 128-token window and full layers', () => {
    expect(kvCacheBytes(presetArch('gpt-oss-20b'), 'bf16', 8192, 1)).toBe(2 * 8 * 64 * 2 * (12 * 128 + 12 * 8192));
  });

  it('T5 caches decoder self-attention and cross-attention over the encoder input', () => {
    expect(kvCacheBytes(presetArch('t5-base'), 'bf16', 8192, 1)).toBe(2 * (2 * 12 * 12 * 64 * 8192 * 2));
  });

  it('Qwen2.5 reads use_sliding_window: false as no window', () => {
    expect(presetArch('qwen2.5-7b').layers[0]!.attention.window).toBeNull();
  });
});

describe('MoE: total and active parameters', () => {
  it.each([
    // Mistral AI: Mixtral 8x7B "12.9B active parameters"; DeepSeek-V3 paper (arXiv:2412.19437):
    // "671B total parameters with 37B activated", the activated count including the embeddings.
    ['mixtral-8x7b', 46_702_792_704, 12_879_925_248],
    ['deepseek-v3', 671_026_419_200, 37_552_297_472],
  ])('%s: %d total, %d active', (id, total, active) => {
    const counts = countParameters(presetArch(id));
    expect(counts.totalCount).toBe(total);
    expect(counts.activeCount).toBe(active);
  });

  it('gpt-oss-20b: OpenAI\'s "3.6B active" leaves out the embedding table', () => {
    // OpenAI model card: 20.9B total, 3.6B active; Ollama general.parameter_count 20,914,757,184.
    const counts = countParameters(presetArch('gpt-oss-20b'));
    expect(counts.totalCount).toBe(20_914_757_184);
    expect(counts.activeCount - counts.embeddingCount).toBe(3_608_307_264);
  });
});

describe('--config reads every family', () => {
  const families = new Map<string, (typeof PRESETS)[number]>();
  for (const preset of PRESETS) if (!families.has(String(preset.config.model_type))) families.set(String(preset.config.model_type), preset);

  it.each([...families.entries()])('%s (from preset %s) through --config -', async (_type, preset) => {
    const { code, json } = await runJson(['estimate', '--config', '-', '--ctx', '512'], { stdin: JSON.stringify(preset.config) });
    expect(code).toBe(0);
    expect(json.model.parameterCount).toBe(countParameters(presetArch(preset.id)).totalCount);
  });
});
