/**
 * `vram explain [topic]` (issue 13): the interview cheat-sheet. Its figures are the plans' own, so
 * they are checked against what `estimate` and `capacity` print for the same question.
 */
import { describe, expect, it } from 'vitest';
import { run, runJson } from '../helpers.js';

describe('vram explain', () => {
  it("training: 16Φ = 2 + 2 + 12 for mixed-precision AdamW, 8Φ pure bf16, with vram's bytes for the model", async () => {
    const { code, stdout } = await run(['explain', 'training', '--model', 'llama-7b']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Model states in training: 16 bytes per parameter/);
    expect(stdout).toMatch(/mixed \+ adamw +16 B = 2 \+ 2 \+ 12 +100\.41 GiB/); // 16 × 6,738,415,616 B
    expect(stdout).toMatch(/bf16 \+ adamw +8 B = 2 \+ 2 \+ 4 /);
    expect(stdout).toMatch(/arXiv:1910\.02054/);
  });

  it('kv-cache and concurrency agree with vram estimate', async () => {
    const sheet = (await runJson(['explain', '--model', 'llama-70b'])).json;
    expect(sheet.topics.map((t: { topic: string }) => t.topic)).toEqual([
      'training',
      'zero',
      'kv-cache',
      'activations',
      'concurrency',
      'rules-of-thumb',
    ]);
    expect(sheet.figures.kv.totalBytes).toBe(100 * 2 ** 30); // 2 × 80 × 8 × 128 × 2 B × 32,768 × 10
    const c = sheet.figures.concurrency;
    const estimate = await runJson([
      'estimate',
      '--model',
      'llama-70b',
      '--ctx',
      String(c.contextTokens),
      '--dtype',
      'bf16',
      '--gpu',
      c.gpu,
      '--gpus',
      String(c.gpuCount),
    ]);
    expect(c.users).toBe(estimate.json.fit.maxUsers);
    expect(c.estimateUsers).toBe(estimate.json.fit.maxUsers);
    expect(sheet.figures.zero.map((z: { bytesPerGpu: number }) => z.bytesPerGpu)).toEqual(
      [...sheet.figures.zero.map((z: { bytesPerGpu: number }) => z.bytesPerGpu)].sort((a, b) => b - a),
    );
  });

  it('markdown sections, and a bad topic is one line with a suggestion', async () => {
    const md = await run(['explain', 'rules-of-thumb', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^## Rules of thumb/);
    expect(md.stdout).toContain('```text');
    const bad = await run(['explain', 'kvcache']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: explain: "kvcache" is not a topic; .*\(did you mean kv-cache\?\)\n$/);
  });
});
