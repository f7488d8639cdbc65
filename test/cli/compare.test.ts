/**
 * `vram compare` (issue 13): one estimate per combination of the lists, the same numbers as
 * `vram estimate` for each, and the fewest GPUs as `plan`'s search finds them.
 */
import { describe, expect, it } from 'vitest';
import { run, runJson } from '../helpers.js';

describe('vram compare', () => {
  it('one row per model × dtype × context × users × GPU, each equal to vram estimate with those settings', async () => {
    const argv = ['compare', '--model', 'llama-3.1-8b,qwen2.5-7b', '--dtype', 'bf16,int4', '--ctx', '4k,32k'];
    const { code, json } = await runJson([...argv, '--gpu', 'l4']);
    expect(code).toBe(0);
    expect(json.rows).toHaveLength(8);
    for (const row of json.rows.slice(0, 3)) {
      const one = await runJson(['estimate', '--model', row.model, '--dtype', row.dtype, '--ctx', String(row.ctx)]);
      expect(row.totalBytes).toBe(one.json.totalBytes);
      expect(row.weightsBytes + row.kvCacheBytes + row.activationsBytes + row.otherBytes).toBe(row.totalBytes);
      expect(row.deployment?.gpu).toBe('l4');
    }
  });

  it('prints a table, one line of each warning, and refuses more than 64 rows or a bad item with the flag', async () => {
    const table = await run([
      'compare',
      '--model',
      'llama-70b',
      '--dtype',
      'bf16,fp8',
      '--ctx',
      '32k',
      '--gpu',
      'h100-80gb',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ llama-2-70b │ bf16 +│ bf16 +│ 32,768 │ .* 3 × h100-80gb \(tp 1 × pp 3\) │/);
    expect(table.stderr.trimEnd().split('\n')).toHaveLength(1); // the context warning, once for both rows
    const many = await run([
      'compare',
      '--model',
      'llama-3.1-8b',
      '--ctx',
      '1k,2k,3k,4k,5k,6k,7k,8k,9k',
      '--users',
      '1,2,3,4,5,6,7,8',
    ]);
    expect(many.code).toBe(2);
    expect(many.stderr).toBe(
      'error: compare: 72 combinations (the product of the lists) is more than 64; shorten a list\n',
    );
    const bad = await run(['compare', '--model', 'llama-3.1-8b', '--ctx', '4k,-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --ctx: "-1" is not a token count/);
  });
});
