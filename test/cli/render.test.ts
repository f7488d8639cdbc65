import { describe, expect, it } from 'vitest';
import { formatBytes, formatShare } from '../../src/render/bytes.js';
import { run } from '../helpers.js';

describe('units', () => {
  it.each([
    [137_953_296_384, 'gib', '128.48 GiB'],
    [137_953_296_384, 'gb', '137.95 GB'],
    [107_374_182_400, 'gib', '100.00 GiB'],
    [838_860_800_000, 'gib', '781.25 GiB'],
    [1_500_000_000_000, 'gb', '1,500.00 GB'],
    [512 * 2 ** 20, 'gib', '512.00 MiB'],
    [512 * 2 ** 20, 'gb', '536.87 MB'],
    [1023, 'gib', '1023 B'],
    [0, 'gib', '0 B'],
    [-(2 ** 31), 'gib', '-2.00 GiB'],
  ] as const)('%d B in %s = %s', (bytes, units, text) => expect(formatBytes(bytes, units)).toBe(text));

  it('never labels a binary figure GB', () => {
    expect(formatBytes(80 * 2 ** 30, 'gib')).not.toMatch(/ GB$/);
    expect(formatShare(1, 3)).toBe('33.3%');
  });
});

describe('rendered output (colour off)', () => {
  it('table for the design-card scenario', async () => {
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
      '2',
    ]);
    expect(stdout).toMatchInlineSnapshot(`
      "llama-2-70b (68.98B params): inference, 32,768 tokens × 10 users, weights fp16, KV fp16, flash attention
      ┌────────────────────────────┬────────────┬────────┬────────────────────────────────────────┐
      │ Component                  │       Size │  Share │ Formula                                │
      │ Weights                    │ 128.48 GiB │  53.7% │ params × bytes/param                   │
      │ KV cache                   │ 100.00 GiB │  41.8% │ 2 × L × n_kv × d × bytes × ctx × users │
      │ Activations (prefill peak) │   6.75 GiB │   2.8% │ c·e·s·h + max(attention, MLP) + logits │
      │ Allocator cache            │   3.38 GiB │   1.4% │ share × activations                    │
      │ Overhead                   │ 512.00 MiB │   0.2% │ CUDA context                           │
      │ Total                      │ 239.10 GiB │ 100.0% │                                        │
      └────────────────────────────┴────────────┴────────┴────────────────────────────────────────┘
      [WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWKKKKKKKKKKKKKKKKKKKKKKKKKAAc]
       W weights  K kv cache  A activations (prefill peak)  c allocator cache

      Fit: does not fit
        GPUs                        2 × NVIDIA H100 80GB (79.65 GiB each, as the driver reports it)
        required per GPU            124.86 GiB (range 121.93 GiB – 127.36 GiB) (weights ÷ 2, KV cache by head, plus activations and overhead on each)
        headroom per GPU            -45.22 GiB
        max users at 32,768 tokens  0 on 2 GPUs
        fewest GPUs that fit        4 × h100-80gb
      "
    `);
  });

  it('markdown with --units gb', async () => {
    const { stdout } = await run([
      'estimate',
      '--model',
      'llama-7b',
      '--ctx',
      '2k',
      '--format',
      'markdown',
      '--units',
      'gb',
    ]);
    expect(stdout).toMatchInlineSnapshot(`
      "**llama-2-7b (6.74B params): inference, 2,048 tokens × 1 user, weights fp16, KV fp16, flash attention**

      | Component | Size | Bytes | Share | Basis | Formula |
      | --- | ---: | ---: | ---: | --- | --- |
      | Weights | 13.48 GB | 13,476,831,232 | 87.7% | exact | params × bytes/param |
      | KV cache | 1.07 GB | 1,073,741,824 | 7.0% | exact | 2 × L × n_kv × d × bytes × ctx × users |
      | Activations (prefill peak) | 185.79 MB | 185,789,952 | 1.2% | model | c·e·s·h + max(attention, MLP) + logits |
      | Allocator cache | 92.89 MB | 92,894,976 | 0.6% | heuristic, range 18.58 MB – 139.34 MB | share × activations |
      | Overhead | 536.87 MB | 536,870,912 | 3.5% | heuristic, range 287.05 MB – 1.41 GB | CUDA context |
      | **Total** | **15.37 GB** | 15,366,128,896 | 100.0% | | |

      **Fewest GPUs that hold this estimate (vram plan: deployments under a serving engine):**

      | GPUs | GPU | memory | layout | per GPU |
      | ---: | --- | ---: | --- | ---: |
      | 1 × | rtx-4090 | 25.76 GB | tp 1 | 15.37 GB |
      | 1 × | l40s | 48.31 GB | tp 1 | 15.37 GB |
      | 1 × | h100-80gb | 85.52 GB | tp 1 | 15.37 GB |
      | 1 × | a100-80gb | 85.90 GB | tp 1 | 15.37 GB |
      | 1 × | h200 | 150.75 GB | tp 1 | 15.37 GB |
      | 1 × | b200 | 192.27 GB | tp 1 | 15.37 GB |
      | 1 × | mi300x | 206.14 GB | tp 1 | 15.37 GB |

      Add --gpu <id> [--gpus N] for the fit on one deployment; --gpu all checks every catalog GPU.
      "
    `);
  });

  it('--explain shows each formula with the numbers substituted', async () => {
    const { stdout } = await run(['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10', '--explain']);
    expect(stdout).toContain('= 2 × 80 layers × 8 kv-heads × 128 head-dim × 2 B (fp16) × 32,768 tokens × 10 sequences');
    expect(stdout).toContain('= 68,976,648,192 params × 2 B (fp16)');
    expect(stdout).toContain('KV cache: 100.00 GiB = 107,374,182,400 B [exact]');
    expect(stdout).toMatch(/Overhead: .* \[heuristic, range .* – .*\]/);
    expect(stdout).toContain('Assumptions');
  });

  it('colour only on a TTY and never with NO_COLOR', async () => {
    const argv = ['estimate', '--model', 'llama-7b'];
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[`);
    expect((await run(argv, { tty: true, env: {} })).stdout).toMatch(ansi);
    expect((await run(argv, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ansi);
    expect((await run(argv, { tty: false, env: {} })).stdout).not.toMatch(ansi);
    expect((await run([...argv, '--format', 'json'], { tty: true, env: {} })).stdout).not.toMatch(ansi);
  });
});

describe('vram models and vram gpus', () => {
  it('models lists every preset with its KV bytes per token', async () => {
    const { code, stdout } = await run(['models', '--format', 'json']);
    expect(code).toBe(0);
    const { models } = JSON.parse(stdout);
    const llama70 = models.find((m: { id: string }) => m.id === 'llama-2-70b');
    expect(llama70).toMatchObject({
      aliases: ['llama-70b', 'llama2-70b'],
      parameterCount: 68_976_648_192,
      layerCount: 80,
      kvHeadCount: 8,
      maxContextTokens: 4096,
      kvCacheBytesPerToken: 327_680,
    });
    expect(models.find((m: { id: string }) => m.id === 'bert-base-uncased').kvCacheBytesPerToken).toBe(0);
  });

  it('models table', async () => {
    const { stdout } = await run(['models']);
    expect(stdout).toMatch(/llama-2-70b .* llama-70b, llama2-70b .* 68\.98B .* 80 .* 64 \/ 8 .* 4,096 .* 320\.00 KiB/);
    expect(stdout).toMatch(/mixtral-8x7b .* 46\.70B \(12\.88B active\)/);
  });

  it('gpus lists reported memory in bytes with sources', async () => {
    const { code, stdout } = await run(['gpus', '--format', 'json']);
    expect(code).toBe(0);
    const h100 = JSON.parse(stdout).gpus.find((g: { id: string }) => g.id === 'h100-80gb');
    expect(h100).toMatchObject({ reportedMiB: 81_559, memoryBytes: 81_559 * 2 ** 20, memoryIsMarketed: false });
    expect(h100.source).toMatch(/nvidia-smi|MiB/);
    expect((await run(['gpus'])).stdout).toMatch(/h100-80gb .* 81,559 .* 79\.65 GiB/);
  });
});

describe('rounding picks the unit after rounding', () => {
  it.each([
    [2 ** 30 - 1, '1.00 GiB'],
    [2 ** 20 - 1, '1.00 MiB'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
  ])('%d B -> %s', (bytes, text) => expect(formatBytes(bytes, 'gib')).toBe(text));
});

describe('tables fit the terminal (issue 13)', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));
  it.each([
    [['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'], 60, ['128.48 GiB', '239.10 GiB', '53.7%']],
    [['gpus'], 80, ['40.00 GiB', 'h100-80gb']],
    [['models'], 100, ['68.98B', '320.00 KiB']],
    [
      ['capacity', '--model', 'llama-70b', '--gpu', 'h100-80gb', '--gpus', '4', '--engine', 'vllm', '--ctx', '32k'],
      90,
      ['32.12 GiB'],
    ],
    [
      ['compare', '--model', 'llama-70b', '--dtype', 'bf16,int4', '--gpu', 'h100-80gb'],
      100,
      ['131.49 GiB', '2 × h100-80gb (tp 2)'],
    ],
  ] as [string[], number, string[]][])(
    '%j at COLUMNS=%i drops whole columns, never cuts a number',
    async (argv, columns, numbers) => {
      const full = await run(argv);
      const fitted = await run(argv, { env: { NO_COLOR: '1', COLUMNS: String(columns) } });
      expect(fitted.code).toBe(0);
      const tableLines = (text: string) => text.split('\n').filter((line) => /^[┌│└]/.test(line));
      expect(widest(tableLines(full.stdout).join('\n'))).toBeGreaterThan(columns);
      expect(widest(tableLines(fitted.stdout).join('\n'))).toBeLessThanOrEqual(columns);
      for (const number of numbers) expect(fitted.stdout).toContain(number);
    },
  );

  it('markdown, JSON and piped output keep every column', async () => {
    const argv = ['gpus', '--format', 'markdown'];
    expect((await run(argv, { env: { NO_COLOR: '1', COLUMNS: '60' } })).stdout).toBe((await run(argv)).stdout);
  });
});
