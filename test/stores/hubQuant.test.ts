/**
 * `--model hf:<org>/<repo>[@revision]:<quant>` against a real HTTP server on 127.0.0.1 (HF_ENDPOINT
 * points at it): the repository's files listed through the Hub's tree API (pages followed), the
 * quant's GGUF file picked by name and only its header read with Range requests; a split read
 * from all its parts; no match or several is one line and exit 2.
 * Weights are checked under `--engine generic`, whose weights component is the whole tensor table.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_BYTES, tinyGguf, tinySplit } from '../fixtures/stores.js';
import { componentBytes, run, runJson } from '../helpers.js';

const TINY = tinyGguf();
const SPLIT = tinySplit();
/** Repository → path → bytes. */
const REPOS: Record<string, Record<string, Uint8Array>> = {
  'org/Tiny-GGUF': {
    'README.md': new TextEncoder().encode('# tiny'),
    'Tiny-Q4_K_M.gguf': TINY,
    'Tiny-Q8_0.gguf': TINY,
    'Tiny-BF16.gguf': TINY,
    'Tiny-F16.gguf': TINY,
    'mmproj-Tiny-f16.gguf': TINY,
    'Q2_K/Tiny-Q2_K-00001-of-00003.gguf': SPLIT[0]!,
    'Q2_K/Tiny-Q2_K-00002-of-00003.gguf': SPLIT[1]!,
    'Q2_K/Tiny-Q2_K-00003-of-00003.gguf': SPLIT[2]!,
    'Q3_K/Tiny-Q3_K-00001-of-00003.gguf': SPLIT[0]!,
    'Q3_K/Tiny-Q3_K-00003-of-00003.gguf': SPLIT[2]!,
  },
  'org/Twice-GGUF': { 'a-Q4_K_M.gguf': TINY, 'b-Q4_K_M.gguf': TINY },
};

let server: Server;
let endpoint: string;
const requests: { url: string; range: string | undefined; auth: string | undefined }[] = [];

/** The tree listing of a repository, two entries a page, the next page in a Link header (as the Hub pages). */
function listing(repo: string, cursor: number): { body: unknown[]; next: string | null } {
  const paths = Object.keys(REPOS[repo] ?? {});
  const dirs = [...new Set(paths.filter((path) => path.includes('/')).map((path) => path.split('/')[0]))];
  const entries = [
    ...dirs.map((path) => ({ type: 'directory', path, oid: 'x', size: 0 })),
    ...paths.map((path) => {
      const size = (REPOS[repo] as Record<string, Uint8Array>)[path]!.length;
      return path.endsWith('.gguf')
        ? { type: 'file', path, oid: 'x', size, lfs: { oid: 'y', size, pointerSize: 134 } }
        : { type: 'file', path, oid: 'x', size };
    }),
  ];
  const page = entries.slice(cursor, cursor + 2);
  const next = cursor + 2 < entries.length ? `/api/models/${repo}/tree/main?recursive=true&cursor=${cursor + 2}` : null;
  return { body: page, next };
}

function serveFile(body: Uint8Array, range: string | undefined, response: import('node:http').ServerResponse) {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
  if (!match) return void response.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body));
  const start = Number(match[1]);
  const end = Math.min(Number(match[2]), body.length - 1);
  response.writeHead(206, {
    'content-range': `bytes ${start}-${end}/${body.length}`,
    'content-length': end - start + 1,
  });
  response.end(Buffer.from(body.subarray(start, end + 1)));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '', 'http://127.0.0.1');
    requests.push({ url: request.url ?? '', range: request.headers.range, auth: request.headers.authorization });
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/main$/.exec(url.pathname);
    if (tree?.[1] === 'org/Gated-GGUF' && request.headers.authorization !== 'Bearer secret')
      return void response.writeHead(401).end('{"error":"gated"}');
    if (tree && REPOS[tree[1]!] && url.searchParams.get('recursive') === 'true') {
      const { body, next } = listing(tree[1]!, Number(url.searchParams.get('cursor') ?? 0));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (next) headers.link = `<${endpoint}${next}>; rel="next"`;
      return void response.writeHead(200, headers).end(JSON.stringify(body));
    }
    const file = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    const body = file ? REPOS[file[1]!]?.[decodeURIComponent(file[2]!)] : undefined;
    if (!body) return void response.writeHead(404).end('{"error":"not found"}');
    serveFile(body, request.headers.range, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  REPOS['org/Gated-GGUF'] = { 'Gated-Q4_K_M.gguf': TINY };
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const env = (extra: Record<string, string> = {}) => ({ NO_COLOR: '1', HF_ENDPOINT: endpoint, ...extra });

async function expectError(spec: string, message: RegExp, extra: string[] = [], environment = env()) {
  const { code, stdout, stderr } = await run(['estimate', '--model', spec, ...extra], { env: environment });
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(message);
}

describe('hf:<org>/<repo>:<quant>', () => {
  it('lists the files (every page), picks the quant and reads only its header with Range requests', async () => {
    requests.length = 0;
    const { code, json, stderr } = await runJson(
      ['estimate', '--engine', 'generic', '--model', 'hf:org/Tiny-GGUF:Q4_K_M'],
      { env: env() },
    );
    expect(code).toBe(0);
    expect(json.model.id).toBe('hf:org/Tiny-GGUF:Q4_K_M');
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    const pages = requests.filter((r) => r.url.startsWith('/api/models/org/Tiny-GGUF/tree/main'));
    expect(pages.length).toBe(7);
    const reads = requests.filter((r) => r.url.includes('/resolve/'));
    expect(reads.map((r) => r.url)).toEqual(['/org/Tiny-GGUF/resolve/main/Tiny-Q4_K_M.gguf']);
    expect(reads.every((r) => r.range !== undefined)).toBe(true);
    expect(stderr).toBe(
      "warning: hf:org/Tiny-GGUF:Q4_K_M: the repository has a vision projector (mmproj-Tiny-f16.gguf) that llama.cpp's -hf also downloads and loads; it is not counted\n",
    );
  });

  it.each([
    ['q8_0', 'Tiny-Q8_0.gguf'],
    ['F16', 'Tiny-F16.gguf'],
    ['bf16', 'Tiny-BF16.gguf'],
  ])('matches :%s case-insensitively between separators (%s)', async (quant, file) => {
    requests.length = 0;
    const { code } = await runJson(['estimate', '--engine', 'generic', '--model', `hf:org/Tiny-GGUF:${quant}`], {
      env: env(),
    });
    expect(code).toBe(0);
    expect(new Set(requests.filter((r) => r.url.includes('/resolve/')).map((r) => r.url))).toEqual(
      new Set([`/org/Tiny-GGUF/resolve/main/${file}`]),
    );
  });

  it('a split quant in its own folder is read from all its parts', async () => {
    const { code, json } = await runJson(['estimate', '--engine', 'generic', '--model', 'hf:org/Tiny-GGUF:Q2_K'], {
      env: env(),
    });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(json.components[0].formula).toMatch(/stored in 3 gguf files/);
  });

  it('sends HF_TOKEN to the listing and the file', async () => {
    requests.length = 0;
    const { code } = await runJson(['estimate', '--engine', 'generic', '--model', 'hf:org/Gated-GGUF:Q4_K_M'], {
      env: env({ HF_TOKEN: 'secret' }),
    });
    expect(code).toBe(0);
    expect(requests.every((r) => r.auth === 'Bearer secret')).toBe(true);
  });

  it('without :<quant> a repository is read as before (config.json, then safetensors headers)', async () => {
    requests.length = 0;
    await run(['estimate', '--model', 'hf:org/Tiny-GGUF'], { env: env({ XDG_CACHE_HOME: '/nonexistent-cache' }) });
    expect(requests[0]?.url).toBe('/org/Tiny-GGUF/resolve/main/config.json');
    expect(requests.some((r) => r.url.startsWith('/api/'))).toBe(false);
  });
});

describe('hf:<org>/<repo>:<quant> errors are one line and exit 2', () => {
  it.each([
    [
      'hf:org/Tiny-GGUF:Q5_K_M',
      /hf:org\/Tiny-GGUF:Q5_K_M: no GGUF file for quant Q5_K_M; the quants there: BF16, F16, Q2_K, Q3_K, Q4_K_M, Q8_0$/m,
    ],
    [
      'hf:org/Twice-GGUF:Q4_K_M',
      /hf:org\/Twice-GGUF:Q4_K_M: 2 GGUF models match quant Q4_K_M \(a-Q4_K_M\.gguf, b-Q4_K_M\.gguf\); pass one file's URL/,
    ],
    [
      'hf:org/Tiny-GGUF:Q3_K',
      /hf:org\/Tiny-GGUF:Q3_K: part 2 of 3 \(Q3_K\/Tiny-Q3_K-00002-of-00003\.gguf\) is missing from the repository/,
    ],
    [
      'hf:org/Missing-GGUF:Q4_K_M',
      /hf:org\/Missing-GGUF:Q4_K_M: no such repository or revision on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/,
    ],
    [
      'hf:org/Gated-GGUF:Q4_K_M',
      /access denied \(HTTP 401\) to the file list: the model is gated or private; set HF_TOKEN/,
    ],
    ['hf:org/Tiny-GGUF:Q4 K', /is not hf:<org>\/<name>\[@revision\]\[:<quant>\]/],
  ])('%s', async (spec, message) => {
    await expectError(spec, message);
  });

  it('--offline refuses, since the listing needs the Hub', async () => {
    requests.length = 0;
    await expectError(
      'hf:org/Tiny-GGUF:Q4_K_M',
      /picking a quant lists the repository's files on the Hub, and --offline forbids fetching/,
      ['--offline'],
    );
    expect(requests).toEqual([]);
  });

  it('an unreachable Hub says so', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expectError(
      'hf:org/Tiny-GGUF:Q4_K_M',
      /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      [],
      env({ HF_ENDPOINT: dead }),
    );
  });
});
