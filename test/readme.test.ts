/**
 * The README's and docs/' examples stay true: each `console` block is re-run and compared with
 * real output, the JSON examples carry real figures, every link between them resolves, and the
 * README stays short (issue 13: at most about 150 lines; the details live in docs/).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

const ROOT = join(__dirname, '..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((file) => join('docs', file))];
const TEXTS = Object.fromEntries(PAGES.map((page) => [page, readFileSync(join(ROOT, page), 'utf8')]));
const README = TEXTS['README.md'] as string;
/** Every page together, where an example may live in any of them. */
const ALL = Object.values(TEXTS).join('\n');

/** [argv, expected stderr + stdout] for every ```console block starting with `$ npx vram …`. */
function consoleExamples(): [string[], string][] {
  const blocks = [...ALL.matchAll(/```console\n\$ npx vram (.+)\n([\s\S]*?)```/g)];
  return blocks.map((match) => [match[1]!.split(/\s+/), match[2]!]);
}

describe('README', () => {
  it('starts with the two fresh-machine commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)![1]!;
    expect(firstBlock).toMatch(/^npm ci && npx vram estimate --model llama-70b --ctx 32k --users 10/m);
    expect(firstBlock).toMatch(/^npm ci && npm test/m);
  });

  it('has console examples to check', () => {
    expect(consoleExamples().length).toBeGreaterThanOrEqual(2);
  });

  it.each(consoleExamples())('`vram %s` prints what the README shows', async (argv, expected) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(0);
    const shown = expected.trimEnd().split('\n');
    const actual = `${stderr}${stdout}`.trimEnd().split('\n');
    expect(actual.slice(0, shown.length)).toEqual(shown);
  });

  it('the JSON contract example carries the real figures of its scenario', async () => {
    const { stdout } = await run([
      'estimate',
      '--model',
      'llama-70b',
      '--ctx',
      '32k',
      '--users',
      '10',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '4',
      '--format',
      'json',
    ]);
    const json = JSON.parse(stdout);
    for (const value of [
      json.totalBytes,
      json.fit.requiredBytesPerGpu,
      json.fit.headroomBytes,
      json.fit.usableBytesPerGpu,
      json.fit.perGpuFloorBytes,
    ]) {
      expect(ALL).toContain(String(value));
    }
  });

  it('stays short, and every link between the pages resolves', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(150);
    for (const [page, text] of Object.entries(TEXTS)) {
      for (const [, target] of text.matchAll(/\]\(((?!https?:)[^)#\s]+)(?:#[^)]*)?\)/g)) {
        expect(existsSync(join(ROOT, dirname(page), target as string)), `${page} → ${target}`).toBe(true);
      }
    }
  });
});

describe('README: serving capacity', () => {
  const argv = [
    'capacity',
    '--model',
    'llama-70b',
    '--gpu',
    'h100-80gb',
    '--gpus',
    '4',
    '--engine',
    'vllm',
    '--ctx',
    '32k',
    '--users',
    '10',
  ];

  it('the example output is what the command prints', async () => {
    const { stdout } = await run(argv);
    const block =
      /\$ vram capacity --model llama-70b --gpu h100-80gb --gpus 4 --engine vllm --ctx 32k --users 10\n```\n\n```text\n([\s\S]*?)```/.exec(
        ALL,
      )![1]!;
    expect(stdout).toBe(block);
  });

  it('the JSON example carries the real figures', async () => {
    const json = JSON.parse((await run([...argv, '--format', 'json'])).stdout);
    for (const value of [
      json.kvCacheBytes,
      json.kvCacheTokens,
      json.maxConcurrency,
      json.maxContextTokens,
      json.kvBytesPerTokenPerGpu,
      json.gpuMemoryBytes,
    ]) {
      expect(ALL).toContain(String(value));
    }
  });
});
