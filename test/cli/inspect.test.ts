import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safetensorsFile } from '../fixtures/writers.js';
import { run, runJson } from '../helpers.js';

describe('vram inspect', () => {
  it('a preset: parameters by part summing to the total, active for MoE, KV bytes per token', async () => {
    const { code, stdout } = await run(['inspect', 'mixtral-8x7b', '--format', 'json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    const p = json.parameters;
    expect(p.embeddingCount + p.attentionCount + p.mlpCount + p.normCount + p.headCount).toBe(p.totalCount);
    expect(p).toMatchObject({
      totalCount: 46_702_792_704,
      activeCount: 12_879_925_248,
      publishedCount: 46_702_792_704,
    });
    expect(json.kvCache).toEqual({ elementsPerToken: 2 * 32 * 8 * 128, bytesPerToken16Bit: 131_072 });
    expect(json.model).toMatchObject({ sourceKind: 'preset', modelType: 'mixtral' });
  });

  it('a model directory shows what its checkpoint stores', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'vram-inspect-')), 'model');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        model_type: 'llama',
        hidden_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 128,
        vocab_size: 100,
        max_position_embeddings: 256,
      }),
    );
    writeFileSync(join(dir, 'model.safetensors'), safetensorsFile([{ name: 'w', dtype: 'BF16', shape: [100, 64] }]));
    const { code, stdout } = await run(['inspect', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/checkpoint +1 tensors in 1 safetensors file\(s\): 12\.50 KiB = 12\.50 KiB BF16/);
    expect(stdout).toMatch(/\(directory\)/);
  });

  it('needs a model, and says so in one line', async () => {
    const { code, stderr } = await run(['inspect']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: inspect: no model given/);
  });

  it('an unknown preset suggests the nearest', async () => {
    const { code, stderr } = await run(['inspect', 'mixtral-8x7']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown model "mixtral-8x7" \(did you mean mixtral-8x7b/);
  });
});

describe('inspect --explain (issue 13)', () => {
  it.each(['llama-70b', 'deepseek-v3', 'jamba-1.5-mini', 'gpt-oss-20b'])(
    '%s: every matrix (count × in × out) plus the rest adds up to the total',
    async (model) => {
      const { code, stdout } = await run(['inspect', model, '--explain']);
      expect(code).toBe(0);
      const working = stdout.slice(stdout.indexOf('Working: the parameters, matrix by matrix'));
      const rows = [...working.matchAll(/^│ (.+?) +│ +(.*?) +│ +([\d,]+) │$/gm)].map((m) => ({
        name: m[1] ?? '',
        shape: m[2] ?? '',
        params: Number((m[3] ?? '').replaceAll(',', '')),
      }));
      const total = rows.find((row) => row.name === 'total')?.params ?? 0;
      const parts = rows.filter((row) => row.name !== 'total');
      expect(parts.reduce((sum, row) => sum + row.params, 0)).toBe(total);
      for (const row of parts.filter((r) => / × .* × /.test(r.shape))) {
        const [count, inFeatures, outFeatures] = row.shape.split(' × ').map((n) => Number(n.replaceAll(',', '')));
        expect(row.params, row.name).toBe((count ?? 0) * (inFeatures ?? 0) * (outFeatures ?? 0));
      }
      const json = await runJson(['inspect', model]);
      expect(total).toBe(json.json.parameters.totalCount);
    },
  );

  it('llama-70b: grouped-query K/V projections are 8,192 × 1,024', async () => {
    const { stdout } = await run(['inspect', 'llama-70b', '--explain']);
    expect(stdout).toMatch(/│ attn_k +│ +80 × 8,192 × 1,024 │ +671,088,640 │/);
  });
});
