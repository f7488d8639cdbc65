/**
 * --format markdown through a real parser (marked, GitHub-flavoured; issue 13): every command's
 * tables parse as tables with as many cells per row as headings, summaries are lists rather than
 * lines run together into one paragraph, and no table row is left as paragraph text.
 */
import { type Token, type Tokens, lexer } from 'marked';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

const COMMANDS: string[][] = [
  ['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'],
  [
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
    '--explain',
  ],
  ['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100-80gb', '--gpus', '8', '--zero', '3'],
  ['capacity', '--model', 'llama-3.1-8b', '--gpu', 'l40s', '--engine', 'vllm', '--sweep-ctx', '4k,8k,32k'],
  ['capacity', '--model', 'llama-70b', '--ctx', '8k'],
  ['capacity', '--model', 'llama-70b', '--gpu', 'h100-80gb', '--gpus', '4', '--engine', 'vllm', '--explain'],
  ['plan', '--model', 'llama-70b', '--ctx', '8k', '--users', '4', '--top', '3'],
  ['inspect', 'jamba-1.5-mini'],
  ['inspect', 'llama-70b', '--explain'],
  ['models'],
  ['gpus'],
  ['explain', 'zero'],
  ['compare', '--model', 'llama-3.1-8b,qwen2.5-7b', '--ctx', '8k', '--gpu', 'l4'],
];

function walk(tokens: Token[], visit: (token: Token) => void): void {
  for (const token of tokens) {
    visit(token);
    const children = (token as { tokens?: Token[] }).tokens;
    if (children) walk(children, visit);
  }
}

describe('--format markdown parses as markdown', () => {
  it.each(COMMANDS)('%s', async (...argv) => {
    const { code, stdout } = await run([...argv, '--format', 'markdown']);
    expect(code).toBe(0);
    const tokens = lexer(stdout);
    let tables = 0;
    walk(tokens, (token) => {
      if (token.type === 'table') {
        tables++;
        const table = token as Tokens.Table;
        for (const row of table.rows) expect(row.length, argv.join(' ')).toBe(table.header.length);
      }
      if (token.type === 'paragraph')
        for (const line of token.raw.split('\n')) expect(line.trimStart().startsWith('|'), line).toBe(false);
    });
    // explain's sections are headings over preformatted text; every other command has a table.
    if (argv[0] === 'explain') expect(tokens.map((token) => token.type)).toEqual(['heading', 'code']);
    else expect(tables, argv.join(' ')).toBeGreaterThan(0);
  });

  it("capacity's summary is a list, one item per figure, not one run-on paragraph", async () => {
    const { stdout } = await run([...(COMMANDS[3] as string[]), '--format', 'markdown']);
    const list = lexer(stdout).find((token) => token.type === 'list') as Tokens.List | undefined;
    expect(list?.items.map((item) => item.text.replace(/\*\*/g, '').split(':')[0])).toEqual([
      'KV pool',
      'max concurrency at 131,072 tokens',
      'max context for 1 user',
      'verdict',
      'fewest GPUs',
    ]);
  });
});
