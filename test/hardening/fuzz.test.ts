/**
 * The fuzz suite (issue 11): hundreds of distinct bad or extreme inputs over every input surface —
 * flags with bad numbers and prototype keys, mutated and oversized config files, special files,
 * truncated and corrupted safetensors and GGUF files written here, and a hostile HTTP server on
 * 127.0.0.1 — each checked for the same contract:
 *   exit 0, 2 or 3, never 1 (an internal error) and never a crash;
 *   on exit 2: one `error: …` line on stderr of at most MAX_LINE characters, and nothing on stdout;
 *   no stack trace and no secret (the HF_TOKEN given, a URL password) anywhere in the output;
 *   done within MAX_MS.
 * `npm test` runs the fixed cases (over 500); `npm run fuzz` (VRAM_FUZZ_LONG=1) adds ten times as
 * many random variants drawn by fast-check from a fixed seed.
 */
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_LLAMA_CONFIG, TINY_LLAMA_GGUF_META, ggufFile, safetensorsFile } from '../fixtures/writers.js';
import { run } from '../helpers.js';

const LONG = process.env.VRAM_FUZZ_LONG === '1';
const MAX_LINE = 1_200;
const MAX_MS = 10_000;
const SECRET_TOKEN = 'hf_fuzzsecrettoken123456';
const URL_PASSWORD = 'fuzzpassword987';
const DIR = mkdtempSync(join(tmpdir(), 'vram-fuzz-'));

interface FuzzCase {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  /** The documented outcome when there is only one: a bad value must be refused (exit 2). */
  refused?: boolean;
}

/** Counts per surface, printed at the end (the closing note reports them). */
const counts = new Map<string, number>();

/** Runs one case and checks the contract; returns the exit code. */
async function check(surface: string, c: FuzzCase): Promise<number> {
  counts.set(surface, (counts.get(surface) ?? 0) + 1);
  const started = Date.now();
  const result = await run(c.argv, { env: { NO_COLOR: '1', ...c.env } });
  const elapsed = Date.now() - started;
  const output = result.stdout + result.stderr;
  const label = `${surface}: ${c.name}`;
  expect([0, 2, 3], `${label}\n${result.stderr.slice(0, 300)}`).toContain(result.code);
  if (c.refused) expect(result.code, `${label} must be refused`).toBe(2);
  expect(elapsed, label).toBeLessThan(MAX_MS);
  expect(output, label).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(output, label).not.toContain(SECRET_TOKEN);
  expect(output, label).not.toContain(URL_PASSWORD);
  if (result.code === 2) {
    expect(result.stdout, label).toBe('');
    expect(result.stderr, label).toMatch(/^error: [^\n]+\n$/);
    expect(result.stderr.length, label).toBeLessThanOrEqual(MAX_LINE);
  }
  for (const line of result.stderr.split('\n')) expect(line.length, label).toBeLessThanOrEqual(MAX_LINE);
  return result.code;
}

async function checkAll(surface: string, cases: FuzzCase[]): Promise<void> {
  for (const c of cases) await check(surface, c);
}

/** Random strings for the long mode, from a fixed seed so a failure can be replayed. */
function randomValues(count: number, seed: number): string[] {
  if (!LONG) return [];
  return fc.sample(
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('__proto__', 'constructor', 'toString').chain((k) => fc.string().map((s) => k + s)),
    ),
    { numRuns: count, seed },
  );
}

const BAD_NUMBERS = [
  '-1',
  '0',
  '-0',
  '+5',
  '1.5',
  '1e999',
  '1e-999',
  'NaN',
  'Infinity',
  '0x10',
  '0b11',
  '1_000',
  '١٢٣',
  '9'.repeat(400),
  '1k1',
  '32kk',
  '',
  ' ',
  '\u0000',
  '__proto__',
  'constructor',
  '😀',
];
/** Never a number in any flag: each must be refused. */
const NEVER_NUMBERS = new Set([
  'NaN',
  'Infinity',
  '0x10',
  '0b11',
  '1_000',
  '١٢٣',
  '',
  ' ',
  '\u0000',
  '__proto__',
  'constructor',
  '😀',
  '1k1',
  '32kk',
  '1e999',
  '9'.repeat(400),
]);
const NUMERIC_FLAGS: [string[], string][] = [
  [['estimate', '--model', 'llama-7b'], '--ctx'],
  [['estimate', '--model', 'llama-7b'], '--users'],
  [['estimate', '--model', 'llama-7b'], '--prompt-tokens'],
  [['estimate', '--model', 'llama-7b'], '--gpus'],
  [['estimate', '--model', 'llama-7b'], '--tp'],
  [['estimate', '--model', 'llama-7b'], '--gpu-memory'],
  [['estimate', '--model', 'llama-7b', '--train'], '--batch'],
  [['estimate', '--model', 'llama-7b', '--train'], '--grad-accum'],
  [['estimate', '--model', 'llama-7b', '--train'], '--lora-rank'],
  [['estimate', '--model', 'llama-7b', '--train'], '--zero'],
  [['estimate', '--model', 'llama-7b', '--train', '--zero', '3', '--gpus', '8'], '--zero-bucket-size'],
  [['capacity', '--model', 'llama-7b', '--gpu', 'h100'], '--gpu-memory-utilization'],
  [['capacity', '--model', 'llama-7b', '--gpu', 'h100'], '--max-num-seqs'],
  [['capacity', '--model', 'llama-7b', '--gpu', 'h100'], '--sweep-ctx'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp', '--gpu', 'rtx-4090'], '--gpu-layers'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--batch-size'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--ubatch-size'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp', '--gpu', 'rtx-4090', '--gpus', '2'], '--tensor-split'],
];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
const HOSTILE_STRINGS = ['', 'A'.repeat(20_000), '\u001b[31mred\u001b[0m', '../../etc/passwd', 'a\nb', 'ok\u0000'];
const CHOICE_FLAGS: [string[], string][] = [
  [['estimate', '--model', 'llama-7b'], '--dtype'],
  [['estimate', '--model', 'llama-7b'], '--kv-dtype'],
  [['estimate', '--model', 'llama-7b'], '--mode'],
  [['estimate', '--model', 'llama-7b'], '--attention'],
  [['estimate', '--model', 'llama-7b'], '--format'],
  [['estimate', '--model', 'llama-7b'], '--units'],
  [['estimate', '--model', 'llama-7b'], '--gpu'],
  [['estimate'], '--model'],
  [['estimate', '--model', 'llama-7b', '--train'], '--optimizer'],
  [['estimate', '--model', 'llama-7b', '--train'], '--precision'],
  [['estimate', '--model', 'llama-7b', '--train'], '--grad-checkpointing'],
  [['estimate', '--model', 'llama-7b', '--train', '--gpus', '4'], '--fsdp'],
  [['estimate', '--model', 'llama-7b', '--train', '--lora-rank', '8'], '--lora-targets'],
  [['estimate', '--model', 'llama-7b', '--train'], '--without'],
  [['capacity', '--model', 'llama-7b', '--gpu', 'h100'], '--engine'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--front-end'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--k-dtype'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--v-dtype'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--split-mode'],
  [['estimate', '--model', 'llama-7b', '--engine', 'llama.cpp'], '--kv-unified'],
  [['estimate', '--model', 'llama-7b'], '--set'],
];

describe('fuzz: flags', () => {
  it('bad numbers in every numeric flag', async () => {
    const values = [...BAD_NUMBERS, ...randomValues(10 * BAD_NUMBERS.length, 1)];
    await checkAll(
      'numeric flags',
      NUMERIC_FLAGS.flatMap(([base, flag]) =>
        values.map((v) => ({
          name: `${flag} ${JSON.stringify(v)}`,
          argv: [...base, flag, v],
          refused: NEVER_NUMBERS.has(v),
        })),
      ),
    );
  }, 600_000);

  it('prototype keys and hostile strings in every choice flag', async () => {
    const values = [...PROTOTYPE_KEYS, ...HOSTILE_STRINGS, ...randomValues(10 * 12, 2)];
    await checkAll(
      'choice flags',
      CHOICE_FLAGS.flatMap(([base, flag]) =>
        values.map((v, i) => ({
          name: `${flag} ${JSON.stringify(v.slice(0, 40))}`,
          argv: [...base, flag, v],
          refused: i < 12,
        })),
      ),
    );
  }, 600_000);
});

const BASE_CONFIG = { ...TINY_LLAMA_CONFIG, torch_dtype: 'bfloat16' };
const CONFIG_FIELDS = [
  'model_type',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'vocab_size',
  'max_position_embeddings',
  'head_dim',
  'torch_dtype',
  'rope_scaling',
  'sliding_window',
  'num_local_experts',
  'quantization_config',
  'tie_word_embeddings',
  'layer_types',
  'text_config',
];
const deep = (depth: number): unknown => (depth === 0 ? 1 : [deep(depth - 1)]);
const BAD_FIELD_VALUES: unknown[] = [
  null,
  -1,
  0,
  1.5,
  'x',
  [],
  {},
  true,
  1e308,
  2 ** 53,
  2 ** 31,
  deep(100),
  'y'.repeat(100_000),
  PROTOTYPE_KEYS,
  { __proto__: { polluted: true } },
];

describe('fuzz: config files', () => {
  it('every field replaced by every bad value', async () => {
    const cases: FuzzCase[] = [];
    const values = [...BAD_FIELD_VALUES, ...(LONG ? randomValues(150, 3).map((v) => v) : [])];
    for (const field of CONFIG_FIELDS) {
      values.forEach((value, index) => {
        const path = join(DIR, `config-${field}-${index}.json`);
        writeFileSync(path, JSON.stringify({ ...BASE_CONFIG, [field]: value }));
        cases.push({ name: `${field} = ${JSON.stringify(value)?.slice(0, 40)}`, argv: ['estimate', '--config', path] });
      });
    }
    await checkAll('config fields', cases);
  }, 600_000);

  it('files that are not configs: empty, binary, not UTF-8, huge, deep, special files', async () => {
    const files: [string, string | Uint8Array][] = [
      ['empty.json', ''],
      ['binary.json', new Uint8Array([0, 1, 2, 255, 254, 0, 7])],
      ['latin1.json', new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d])],
      ['array.json', '[1,2,3]'],
      ['number.json', '42'],
      ['deep-object.json', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`],
      ['bom.json', `\ufeff${JSON.stringify(BASE_CONFIG)}`],
      ['duplicate-keys.json', '{"model_type":"llama","model_type":"constructor"}'],
    ];
    const cases: FuzzCase[] = files.map(([name, body]) => {
      writeFileSync(join(DIR, name), body);
      return { name, argv: ['estimate', '--config', join(DIR, name)] };
    });
    const big = join(DIR, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 17 * 1024 * 1024);
    cases.push({ name: 'a 17 MiB config', argv: ['estimate', '--config', big] });
    const fifo = join(DIR, 'fifo.json');
    spawnSync('mkfifo', [fifo]);
    for (const path of [fifo, DIR, '/dev/null', '/dev/zero', join(DIR, 'missing.json')])
      cases.push(
        { name: path, argv: ['estimate', '--config', path] },
        { name: `model ${path}`, argv: ['estimate', '--model', path] },
      );
    await checkAll('config files', cases);
  }, 600_000);
});

const TINY_TENSORS = [
  { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] },
  { name: 'model.layers.0.mlp.down_proj.weight', dtype: 'BF16', shape: [256, 512] },
];

/** A copy of `bytes` cut at `length`, or with the byte at `at` replaced. */
function mutated(bytes: Uint8Array, kind: 'cut' | 'flip', at: number, value = 0xff): Uint8Array {
  if (kind === 'cut') return bytes.slice(0, at);
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

describe('fuzz: checkpoints written here', () => {
  it('safetensors directories: truncated and corrupted headers', async () => {
    const good = safetensorsFile(TINY_TENSORS);
    const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));
    const variants: [string, Uint8Array][] = [];
    const points = LONG ? 300 : 30;
    for (let i = 0; i < points; i++) {
      const at = Math.floor((i * headerEnd) / points);
      variants.push([`cut at ${at}`, mutated(good, 'cut', at)]);
      variants.push([`byte ${at} flipped`, mutated(good, 'flip', at, (i * 37) % 256)]);
    }
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    variants.push(['header length 2^62', huge]);
    const cases: FuzzCase[] = variants.map(([name, bytes], index) => {
      const dir = join(DIR, `st-${index}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(BASE_CONFIG));
      writeFileSync(join(dir, 'model.safetensors'), bytes);
      return { name, argv: ['estimate', '--model', dir] };
    });
    await checkAll('safetensors', cases);
  }, 600_000);

  it('GGUF files: truncated and corrupted', async () => {
    const good = ggufFile(TINY_LLAMA_GGUF_META, [
      { name: 'token_embd.weight', shape: [256, 1000], type: 12 },
      { name: 'blk.0.ffn_down.weight', shape: [512, 256], type: 14 },
    ]);
    const points = LONG ? 300 : 30;
    const cases: FuzzCase[] = [];
    for (let i = 0; i < points; i++) {
      const at = Math.floor((i * good.length) / points);
      for (const [kind, bytes] of [
        ['cut', mutated(good, 'cut', at)],
        ['flip', mutated(good, 'flip', at, (i * 53) % 256)],
      ] as const) {
        const path = join(DIR, `fuzz-${kind}-${i}.gguf`);
        writeFileSync(path, bytes);
        cases.push({ name: `${kind} at ${at}`, argv: ['estimate', '--model', path] });
      }
    }
    // A count field claiming 2^40 metadata entries in a tiny file.
    const lying = good.slice();
    new DataView(lying.buffer).setBigUint64(16, 2n ** 40n, true);
    const lyingPath = join(DIR, 'lying.gguf');
    writeFileSync(lyingPath, lying);
    cases.push({ name: 'metadata count 2^40', argv: ['estimate', '--model', lyingPath] });
    await checkAll('gguf', cases);
  }, 600_000);
});

describe('fuzz: a hostile Hub on 127.0.0.1', () => {
  let server: Server;
  let endpoint: string;
  const GOOD = new TextEncoder().encode(JSON.stringify(BASE_CONFIG));
  beforeAll(async () => {
    server = createServer((request, response) => {
      const [, , behaviour = ''] = (request.url ?? '').split('/');
      const status = /^status-(\d{3})$/.exec(behaviour)?.[1];
      if (status) return void response.writeHead(Number(status)).end('nope');
      if (behaviour === 'html')
        return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      if (behaviour === 'short') return void response.writeHead(200, { 'content-length': 5000 }).end(GOOD.slice(0, 50));
      if (behaviour === 'long') return void response.writeHead(200, { 'content-length': 10 }).end(GOOD);
      if (behaviour === 'stall') return void response.writeHead(200, { 'content-length': 1000 }).write('{');
      if (behaviour === 'redirect') return void response.writeHead(302, { location: request.url ?? '/' }).end();
      if (behaviour === 'offsite') return void response.writeHead(302, { location: 'http://127.0.0.1:9/x' }).end();
      if (behaviour === 'empty') return void response.writeHead(200).end();
      if (behaviour === 'echo-auth') return void response.writeHead(500).end(String(request.headers.authorization));
      if (behaviour === 'huge') {
        response.writeHead(200);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 20; i++) response.write(chunk);
        return void response.end();
      }
      if (request.url?.endsWith('config.json')) return void response.writeHead(200).end(GOOD);
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('every misbehaviour is one line, never a token or a password', async () => {
    const behaviours = ['html', 'short', 'long', 'stall', 'redirect', 'offsite', 'empty', 'echo-auth', 'huge', 'good'];
    const statuses = [301, 400, 401, 403, 404, 408, 410, 429, 500, 502, 503, 504].map((s) => `status-${s}`);
    const cases: FuzzCase[] = [];
    for (const behaviour of [...behaviours, ...statuses]) {
      const env = {
        HF_ENDPOINT: endpoint,
        HF_TOKEN: SECRET_TOKEN,
        XDG_CACHE_HOME: join(DIR, `cache-${behaviour}`),
        VRAM_HUB_TIMEOUT_MS: '400',
      };
      cases.push({ name: `hf: ${behaviour}`, argv: ['estimate', '--model', `hf:fuzz/${behaviour}`], env });
      cases.push({
        name: `gguf url: ${behaviour}`,
        argv: ['estimate', '--model', `${endpoint}/fuzz/${behaviour}/m.gguf`],
        env,
      });
      cases.push({
        name: `password url: ${behaviour}`,
        argv: [
          'estimate',
          '--model',
          `http://user:${URL_PASSWORD}@127.0.0.1:${new URL(endpoint).port}/fuzz/${behaviour}/m.gguf`,
        ],
        env,
      });
    }
    await checkAll('hub', cases);
  }, 600_000);

  it('the cache stays healthy: after every misbehaviour, the good answer is read online and offline', async () => {
    const env = { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: join(DIR, 'cache-shared'), VRAM_HUB_TIMEOUT_MS: '400' };
    for (const behaviour of ['html', 'short', 'empty', 'huge'])
      await check('hub', { name: behaviour, argv: ['estimate', '--model', `hf:fuzz/${behaviour}`], env });
    expect(await check('hub', { name: 'good', argv: ['estimate', '--model', 'hf:fuzz/good'], env })).toBe(0);
    expect(
      await check('hub', { name: 'good offline', argv: ['estimate', '--model', 'hf:fuzz/good', '--offline'], env }),
    ).toBe(0);
  }, 60_000);
});

describe('fuzz: totals', () => {
  it('ran at least 500 distinct inputs (10 times as many with VRAM_FUZZ_LONG=1)', () => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${total} inputs (${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    expect(total).toBeGreaterThanOrEqual(LONG ? 5_000 : 500);
  });
});
