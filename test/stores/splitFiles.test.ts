/**
 * A GGUF model split by gguf-split, given as its first file (`--model ./m-00001-of-00003.gguf`):
 * read from every part, as llama.cpp loads it; a missing part or a misnamed first file is one line
 * and exit 2 rather than an estimate from a third of the tensors.
 * Weights are checked under `--engine generic`, whose weights component is the whole tensor table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_BYTES, tinySplit, writeFile } from '../fixtures/stores.js';
import { componentBytes, run, runJson } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vram-split-'));
const part = (dir: string, index: number) => join(root, dir, `m-Q2_K-0000${index}-of-00003.gguf`);

beforeAll(() => {
  const parts = tinySplit();
  for (const index of [1, 2, 3]) writeFile(part('whole', index), parts[index - 1]!);
  for (const index of [1, 3]) writeFile(part('gap', index), parts[index - 1]!);
  writeFile(join(root, 'renamed', 'm.gguf'), parts[0]!);
});

describe('a split GGUF file', () => {
  it('its first part brings the others: weights = every part’s tensors', async () => {
    const { code, json, stderr } = await runJson(['estimate', '--engine', 'generic', '--model', part('whole', 1)]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(json.components[0].formula).toMatch(/stored in 3 gguf files/);
  });

  it.each([
    ['a missing part', part('gap', 1), /part 2 of 3 of the split model \(.*m-Q2_K-00002-of-00003\.gguf\) is missing/],
    [
      'a later part',
      part('whole', 2),
      /is part 2 of 3 of a split model; pass the first part \(…-00001-of-00003\.gguf\)/,
    ],
    [
      'a first part renamed',
      join(root, 'renamed', 'm.gguf'),
      /says it is the first of 3 parts, but its name is not <name>-00001-of-00003\.gguf/,
    ],
  ])('%s is one line, exit 2', async (_, path, message) => {
    const { code, stdout, stderr } = await run(['estimate', '--model', path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
