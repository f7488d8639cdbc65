/**
 * Model sources end to end: a model directory, the Hugging Face Hub (a real HTTP server on
 * 127.0.0.1 serving fixture files with Range support; HF_ENDPOINT points at it), and GGUF files
 * the tests write.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_LLAMA_GGUF_META, ggufFile, safetensorsFile } from './fixtures/writers.js';
import { componentBytes, run, runJson } from './helpers.js';

const CONFIG = {
  model_type: 'llama',
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 128,
  vocab_size: 100,
  max_position_embeddings: 256,
  torch_dtype: 'bfloat16',
};
// A GPTQ-style layer (int32 packs + fp16 scales) next to bf16 embeddings: counted as stored.
const SHARD_1 = safetensorsFile([
  { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [100, 64] },
  { name: 'model.layers.0.mlp.down_proj.qweight', dtype: 'I32', shape: [16, 64] },
  { name: 'model.layers.0.mlp.down_proj.scales', dtype: 'F16', shape: [1, 64] },
]);
const SHARD_2 = safetensorsFile([{ name: 'lm_head.weight', dtype: 'BF16', shape: [100, 64] }]);
const STORED_BYTES = 100 * 64 * 2 + 16 * 64 * 4 + 64 * 2 + 100 * 64 * 2;
const INDEX = {
  metadata: {},
  weight_map: {
    'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
    'model.layers.0.mlp.down_proj.qweight': 'model-00001-of-00002.safetensors',
    'lm_head.weight': 'model-00002-of-00002.safetensors',
  },
};

const root = mkdtempSync(join(tmpdir(), 'vram-sources-'));

describe('a model directory', () => {
  it('reads config.json and the headers of every shard: weights = the stored bytes', async () => {
    const dir = join(root, 'sharded');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(INDEX));
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), SHARD_1);
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), SHARD_2);
    const { code, json } = await runJson(['estimate', '--model', dir, '--ctx', '128']);
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(STORED_BYTES);
    expect(json.components[0].formula).toMatch(/\(BF16\) .* \(I32\) .* \(F16\) stored in 2 safetensors files/);
    expect(json.inputs).toMatchObject({ weights: 'checkpoint', dtype: null });
    // --dtype asks for the nominal size instead of the stored one.
    const nominal = await runJson(['estimate', '--model', dir, '--ctx', '128', '--dtype', 'int4']);
    expect(nominal.json.inputs.weights).toBe('dtype');
  });

  it('an index whose weight_map is not names of files exits 2 with one line (no depth walk, no String())', async () => {
    const bad: [string, unknown][] = [
      ['nested', { weight_map: { 'lm_head.weight': [[['model-00001-of-00002.safetensors']]] } }],
      ['number', { weight_map: { 'lm_head.weight': 7 } }],
      ['array map', { weight_map: ['model-00001-of-00002.safetensors'] }],
    ];
    for (const [name, index] of bad) {
      const dir = join(root, `bad-index-${name.replace(' ', '-')}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
      const result = await run(['estimate', '--model', dir]);
      expect(result.code, name).toBe(2);
      expect(result.stdout, name).toBe('');
      expect(result.stderr, name).toMatch(
        /model\.safetensors\.index\.json: (a weight_map value is not a file name|missing weight_map)\n$/,
      );
    }
  });

  it('without an index it reads every *.safetensors file', async () => {
    const dir = join(root, 'single');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'model.safetensors'), SHARD_2);
    expect(componentBytes((await runJson(['estimate', '--model', dir])).json, 'weights')).toBe(100 * 64 * 2);
  });

  it('bad files exit 2 with one line: truncated, absurd header length, non-JSON header', async () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', SHARD_1.subarray(0, 40), /truncated safetensors/],
      [
        'absurd',
        (() => {
          const b = new Uint8Array(16);
          new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
          return b;
        })(),
        /header length .* outside/,
      ],
      [
        'notjson',
        (() => {
          const b = new Uint8Array(8 + 4);
          new DataView(b.buffer).setBigUint64(0, 4n, true);
          b.set(new TextEncoder().encode('nope'), 8);
          return b;
        })(),
        /not UTF-8 JSON/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
      writeFileSync(join(dir, 'model.safetensors'), bytes);
      const { code, stdout, stderr } = await run(['estimate', '--model', dir]);
      expect(code, name).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });

  it('a path that is neither a directory nor a .gguf file is a one-line error', async () => {
    const { code, stderr } = await run(['estimate', '--model', './no/such/dir']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /--model: "\.\/no\/such\/dir" is not a directory, a \.gguf file, hf:<org>\/<name>, ollama:<name>, lmstudio:<publisher>\/<repo> or a preset/,
    );
  });
});

describe('the Hugging Face Hub over HTTP (local server)', () => {
  let server: Server;
  let endpoint: string;
  const requests: { url: string; range: string | undefined }[] = [];
  const files = new Map<string, Uint8Array>([
    ['/org/model/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG))],
    ['/org/model/resolve/main/model.safetensors.index.json', new TextEncoder().encode(JSON.stringify(INDEX))],
    ['/org/model/resolve/main/model-00001-of-00002.safetensors', SHARD_1],
    ['/org/model/resolve/main/model-00002-of-00002.safetensors', SHARD_2],
    ['/org/gated/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG))],
    ['/org/gated/resolve/main/model.safetensors', SHARD_2],
    ['/org/truncated/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG))],
    ['/org/truncated/resolve/main/model.safetensors', SHARD_1.subarray(0, 30)],
    [
      '/files/model.gguf',
      ggufFile(
        [
          ['general.architecture', 'string', 'llama'],
          ['llama.block_count', 'u32', 2],
          ['llama.embedding_length', 'u32', 64],
          ['llama.feed_forward_length', 'u32', 128],
          ['llama.attention.head_count', 'u32', 4],
          ['llama.attention.head_count_kv', 'u32', 2],
          ['llama.context_length', 'u32', 256],
          ['tokenizer.ggml.tokens', 'string[]', Array.from({ length: 100 }, (_, i) => `t${i}`)],
        ],
        [
          { name: 'token_embd.weight', shape: [64, 100], type: 8 },
          { name: 'output.weight', shape: [64, 100], type: 8 },
        ],
      ),
    ],
  ]);

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = request.url ?? '';
      requests.push({ url, range: request.headers.range });
      if (url.startsWith('/org/slow/')) return; // never answers
      if (url.startsWith('/org/gated/') && request.headers.authorization !== 'Bearer secret') {
        response.writeHead(401).end('unauthorized');
        return;
      }
      const body = files.get(url);
      if (!body) {
        response.writeHead(404).end('not found');
        return;
      }
      const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (match) {
        const start = Number(match[1]);
        const end = Math.min(Number(match[2]), body.length - 1);
        response.writeHead(206, {
          'content-range': `bytes ${start}-${end}/${body.length}`,
          'content-length': end - start + 1,
        });
        response.end(Buffer.from(body.subarray(start, end + 1)));
      } else {
        response.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = (extra: Record<string, string> = {}) => ({
    NO_COLOR: '1',
    HF_ENDPOINT: endpoint,
    XDG_CACHE_HOME: join(root, 'cache'),
    ...extra,
  });

  it('reads config.json, the index and each shard header with one Range request, never the weights', async () => {
    requests.length = 0;
    const { code, json } = await runJson(['estimate', '--model', 'hf:org/model', '--ctx', '128'], { env: env() });
    expect(code).toBe(0);
    expect(json.model.id).toBe('hf:org/model');
    expect(componentBytes(json, 'weights')).toBe(STORED_BYTES);
    // The length prefix and a speculative 256 KiB in one request: these headers fit.
    const shardRequests = requests.filter((r) => r.url.endsWith('.safetensors'));
    expect(shardRequests.length).toBe(2);
    expect(shardRequests.every((r) => r.range !== undefined)).toBe(true);
  });

  it('--offline answers from the cache, and a cache miss is a one-line error', async () => {
    requests.length = 0;
    const cached = await runJson(['estimate', '--model', 'hf:org/model', '--ctx', '128', '--offline'], { env: env() });
    expect(cached.code).toBe(0);
    expect(componentBytes(cached.json, 'weights')).toBe(STORED_BYTES);
    expect(requests).toEqual([]);
    const miss = await run(['estimate', '--model', 'hf:org/other', '--offline'], { env: env() });
    expect(miss.code).toBe(2);
    expect(miss.stderr).toMatch(/hf:org\/other: config\.json is not in the cache .* --offline forbids fetching/);
  });

  it('a gated model: 401 without a token says how to set one; HF_TOKEN is sent and works', async () => {
    const denied = await run(['estimate', '--model', 'hf:org/gated'], {
      env: env({ XDG_CACHE_HOME: join(root, 'cache-gated') }),
    });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(
      /access denied \(HTTP 401\) to config\.json: the model is gated or private; set HF_TOKEN/,
    );
    const allowed = await runJson(['estimate', '--model', 'hf:org/gated'], {
      env: env({ HF_TOKEN: 'secret', XDG_CACHE_HOME: join(root, 'cache-gated') }),
    });
    expect(allowed.code).toBe(0);
    expect(componentBytes(allowed.json, 'weights')).toBe(100 * 64 * 2);
  });

  it('404, a truncated header and a timeout are one-line errors', async () => {
    const notFound = await run(['estimate', '--model', 'hf:org/missing'], { env: env() });
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(/hf:org\/missing: no config\.json/);
    const truncated = await run(['estimate', '--model', 'hf:org/truncated'], { env: env() });
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/truncated safetensors header/);
    const slow = await run(['estimate', '--model', 'hf:org/slow'], { env: env({ VRAM_HUB_TIMEOUT_MS: '300' }) });
    expect(slow.code).toBe(2);
    expect(slow.stderr).toMatch(/config\.json timed out after 0\.3 s/);
  });

  it('a GGUF URL is read with Range requests: weights = the tensor table bytes', async () => {
    // --engine generic: the file's weights as read, not llama.cpp's placement of them (test/llamaCpp/)
    const { code, json } = await runJson(
      ['estimate', '--model', `${endpoint}/files/model.gguf`, '--ctx', '128', '--engine', 'generic'],
      { env: env() },
    );
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe((6400 / 32) * 34 + (6400 / 32) * 34);
  });
});

describe('GGUF files', () => {
  it('architecture from the metadata, weights from the tensor table (Q4_K, Q6_K, F32), tied head when output.weight is absent', async () => {
    const path = join(root, 'tiny.gguf');
    writeFileSync(
      path,
      ggufFile(TINY_LLAMA_GGUF_META, [
        { name: 'token_embd.weight', shape: [256, 1000], type: 12 },
        { name: 'blk.0.ffn_down.weight', shape: [512, 256], type: 14 },
        { name: 'blk.0.attn_norm.weight', shape: [256], type: 0 },
      ]),
    );
    const { code, json } = await runJson(['estimate', '--model', path, '--ctx', '1024', '--engine', 'generic']);
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe((256_000 / 256) * 144 + (131_072 / 256) * 210 + 256 * 4);
    expect(json.model.modelType).toBe('llama');
    expect(json.components[0].formula).toMatch(/\(Q4_K\).*\(Q6_K\).*\(F32\) stored in 1 gguf file/);
  });

  it("a 100,000-token vocabulary is skipped across the reader's buffers and still counted", async () => {
    const path = join(root, 'vocab.gguf');
    // Strings of 1 to 40 bytes, so lengths and strings straddle every buffer boundary.
    const tokens = Array.from({ length: 100_000 }, (_, i) => 'x'.repeat(1 + (i % 40)));
    const meta = TINY_LLAMA_GGUF_META.filter(([key]) => key !== 'llama.vocab_size');
    writeFileSync(
      path,
      ggufFile(
        [...meta, ['tokenizer.ggml.tokens', 'string[]', tokens]],
        [{ name: 'token_embd.weight', shape: [256, 100_000], type: 0 }],
      ),
    );
    const { code, json } = await runJson(['estimate', '--model', path, '--ctx', '1024', '--engine', 'generic']);
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(256 * 100_000 * 4);
    expect(json.model.parameterCount).toBeGreaterThan(256 * 100_000);
  });

  it('a file that is not GGUF exits 2 with one line', async () => {
    const path = join(root, 'fake.gguf');
    writeFileSync(path, new TextEncoder().encode('this is not a gguf file at all, sorry'));
    const { code, stderr } = await run(['estimate', '--model', path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not a GGUF file \(wrong magic/);
  });
});

describe('source hardening', () => {
  it('a config.json that is a directory, and a FIFO named like a checkpoint, are one-line errors', async () => {
    const dir = join(root, 'hardening');
    mkdirSync(join(dir, 'config.json'), { recursive: true });
    const { code, stderr } = await run(['estimate', '--model', dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/config\.json: not a regular file/);
  });

  it('a truncated data section is caught by the file size', async () => {
    const dir = join(root, 'short-data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'model.safetensors'), SHARD_2.subarray(0, SHARD_2.length - 100));
    const { code, stderr } = await run(['estimate', '--model', dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/truncated safetensors file \(its tensors need/);
  });

  it('only transformers-named weight files are read when they exist (no adapters, no duplicates)', async () => {
    const dir = join(root, 'with-adapter');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'model.safetensors'), SHARD_2);
    writeFileSync(join(dir, 'adapter_model.safetensors'), SHARD_1);
    expect(componentBytes((await runJson(['estimate', '--model', dir])).json, 'weights')).toBe(100 * 64 * 2);
  });
});

describe('Hub client robustness (local server)', () => {
  let server: Server;
  let endpoint: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  const files = new Map<string, Uint8Array>([
    ['/org/norange/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG))],
    ['/org/norange/resolve/main/model.safetensors', SHARD_1],
  ]);
  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = request.url ?? '';
      seen.push({ url, auth: request.headers.authorization });
      if (url.startsWith('/org/stall/')) {
        response.writeHead(200, { 'content-length': 1000 });
        response.write('{');
        return; // the body never finishes
      }
      const body = files.get(url);
      if (!body) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body)); // ignores Range
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const env = (extra: Record<string, string> = {}) => ({
    NO_COLOR: '1',
    HF_ENDPOINT: endpoint,
    XDG_CACHE_HOME: join(root, 'cache-robust'),
    ...extra,
  });

  it('a server that ignores Range still yields the right header, and only a good header is cached', async () => {
    const { code, json } = await runJson(['estimate', '--model', 'hf:org/norange'], { env: env() });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(100 * 64 * 2 + 16 * 64 * 4 + 64 * 2);
    expect((await runJson(['estimate', '--model', 'hf:org/norange', '--offline'], { env: env() })).code).toBe(0);
  });

  it('a repository missing at first is found once it exists (404s are not cached)', async () => {
    expect((await run(['estimate', '--model', 'hf:org/later'], { env: env() })).code).toBe(2);
    files.set('/org/later/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG)));
    files.set('/org/later/resolve/main/model.safetensors', SHARD_2);
    expect((await run(['estimate', '--model', 'hf:org/later'], { env: env() })).code).toBe(0);
  });

  it('HF_TOKEN is never sent to a host that is not the Hub', async () => {
    seen.length = 0;
    const other = endpoint.replace('127.0.0.1', 'localhost');
    await run(['estimate', '--model', `${other}/files/model.gguf`], { env: env({ HF_TOKEN: 'secret' }) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.auth === undefined)).toBe(true);
  });

  it.each([
    ['html', '<!doctype html><title>Proxy login</title>'],
    ['empty', ''],
    ['truncated', JSON.stringify(CONFIG).slice(0, 20)],
    ['array', '[1, 2, 3]'],
  ])('a 200 answer that is not a JSON object (%s) is one line and is not cached', async (kind, text) => {
    const path = `/org/bad-${kind}/resolve/main/config.json`;
    files.set(path, new TextEncoder().encode(text));
    const bad = await run(['estimate', '--model', `hf:org/bad-${kind}`], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a JSON object|an empty body/);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    // The server is fixed: the next run reads the good file, not a cached bad one.
    files.set(path, new TextEncoder().encode(JSON.stringify(CONFIG)));
    files.set(`/org/bad-${kind}/resolve/main/model.safetensors`, SHARD_1);
    expect((await run(['estimate', '--model', `hf:org/bad-${kind}`], { env: env() })).code).toBe(0);
  });

  it('a corrupt cached file is fetched again online, and named as corrupt offline', async () => {
    files.set('/org/corrupt/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG)));
    files.set('/org/corrupt/resolve/main/model.safetensors', SHARD_1);
    expect((await run(['estimate', '--model', 'hf:org/corrupt'], { env: env() })).code).toBe(0);
    const cached = join(root, 'cache-robust', 'vram', 'hub', encodeURIComponent(endpoint), 'org', 'corrupt', 'main');
    writeFileSync(join(cached, 'config.json'), '{"model_type": "lla'); // a half-written file
    const offline = await run(['estimate', '--model', 'hf:org/corrupt', '--offline'], { env: env() });
    expect(offline.code).toBe(2);
    expect(offline.stderr).toMatch(/the cached config.json is corrupt/);
    expect((await run(['estimate', '--model', 'hf:org/corrupt'], { env: env() })).code).toBe(0);
    expect((await run(['estimate', '--model', 'hf:org/corrupt', '--offline'], { env: env() })).code).toBe(0);
  });

  it('eight concurrent runs on one empty cache all succeed', async () => {
    files.set('/org/busy/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG)));
    files.set('/org/busy/resolve/main/model.safetensors', SHARD_1);
    const cache = { XDG_CACHE_HOME: join(root, 'cache-concurrent') };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => run(['estimate', '--model', 'hf:org/busy'], { env: env(cache) })),
    );
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
  });

  it.each([
    'hf:ok/..',
    'hf:ok/..@..',
    'hf:../x',
    'hf:ok/name@../../etc',
    'hf:ok/na--me',
    'hf:-ok/name',
    'hf:ok/name@.hidden',
  ])('%s is not a Hub name: refused before any request', async (spec) => {
    seen.length = 0;
    const result = await run(['estimate', '--model', spec], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not hf:<org>\/<name>\[@revision\]/);
    expect(seen).toHaveLength(0);
  });

  it('a body that stalls is a one-line timeout, not an internal error', async () => {
    const { code, stderr } = await run(['estimate', '--model', 'hf:org/stall'], {
      env: env({ VRAM_HUB_TIMEOUT_MS: '300' }),
    });
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/timed out/);
  });
});

describe('a many-shard repository on a slow Hub (local server)', () => {
  let server: Server;
  let endpoint: string;
  let inFlight = 0;
  let mostInFlight = 0;
  let shardRequests = 0;
  let delayMs = 50;
  const SHARDS = 24;
  const shardName = (i: number) =>
    `model-${String(i + 1).padStart(5, '0')}-of-${String(SHARDS).padStart(5, '0')}.safetensors`;
  // One shard's header is over 256 KiB (4,000 tensors): it needs a second request.
  const shard = (i: number) =>
    safetensorsFile(
      Array.from({ length: i === 0 ? 4000 : 2 }, (_, t) => ({
        name: `model.layers.${i}.t${t}.weight`,
        dtype: 'BF16',
        shape: [4, 4],
      })),
    );
  const files = new Map<string, Uint8Array>([
    ['/org/many/resolve/main/config.json', new TextEncoder().encode(JSON.stringify(CONFIG))],
    [
      '/org/many/resolve/main/model.safetensors.index.json',
      new TextEncoder().encode(
        JSON.stringify({
          weight_map: Object.fromEntries(Array.from({ length: SHARDS }, (_, i) => [`w${i}`, shardName(i)])),
        }),
      ),
    ],
    ...Array.from(
      { length: SHARDS },
      (_, i) => [`/org/many/resolve/main/${shardName(i)}`, shard(i)] as [string, Uint8Array],
    ),
  ]);
  beforeAll(async () => {
    server = createServer((request, response) => {
      const body = files.get(request.url ?? '');
      if (!body) return void response.writeHead(404).end();
      if (request.url?.endsWith('.safetensors')) shardRequests++;
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        const range = /bytes=(\d+)-(\d+)/.exec(request.headers.range ?? '');
        if (!range) return void response.writeHead(200).end(Buffer.from(body));
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)];
        response
          .writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}` })
          .end(Buffer.from(body.subarray(start, end + 1)));
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads shard headers eight at a time, one request each unless a header is longer than 256 KiB', async () => {
    const result = await run(['estimate', '--model', 'hf:org/many'], {
      env: { NO_COLOR: '1', HF_ENDPOINT: endpoint, XDG_CACHE_HOME: join(root, 'cache-many') },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(shardRequests).toBe(SHARDS + 1);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(8);
  });

  it('draws one progress line on a terminal, redrawn in place, cleared at the end; none under --format json unless VRAM_PROGRESS=1', async () => {
    delayMs = 150; // about a second in all: the line appears after half of it
    const argv = ['estimate', '--model', 'hf:org/many'];
    const envFor = (name: string, more: Record<string, string> = {}) => ({
      NO_COLOR: '1',
      HF_ENDPOINT: endpoint,
      XDG_CACHE_HOME: join(root, `cache-progress-${name}`),
      ...more,
    });
    try {
      const table = await run(argv, { env: envFor('table'), stderrTty: true });
      expect(table.code, table.stderr).toBe(0);
      // Each draw starts with \r and a line clear; the last clear ends the progress, and what the
      // command writes after it (a warning here) starts on a clean line.
      const segments = table.stderr.split('\r\x1b[K');
      const draws = segments.slice(1, -1);
      expect(draws.length).toBeGreaterThanOrEqual(1);
      for (const line of draws)
        expect(line).toMatch(/^hf:org\/many: (reading .*|\d+ of 24 shard headers read) \(\d+\.\d s\)$/);
      expect(segments.at(-1)).not.toMatch(/[\r]|shard headers read/);
      const json = await run([...argv, '--format', 'json'], { env: envFor('json'), stderrTty: true });
      expect(json.stderr).not.toContain('\r');
      const asked = await run([...argv, '--format', 'json'], {
        env: envFor('asked', { VRAM_PROGRESS: '1' }),
        stderrTty: true,
      });
      expect(asked.stderr).toMatch(/shard headers read|reading/);
      JSON.parse(asked.stdout);
      const piped = await run(argv, { env: envFor('piped') });
      expect(piped.stderr).not.toContain('\r');
    } finally {
      delayMs = 50;
    }
  }, 20_000);
});
