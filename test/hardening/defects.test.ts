/**
 * Issue 11's defects, one regression test each: inputs that crashed, hung, printed whole inputs or
 * were accepted when they should be refused. Every bad input must give exit 2, one short line on
 * stderr and nothing on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Io, useColor } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { TINY_LLAMA_CONFIG, TINY_LLAMA_GGUF_META, ggufFile, safetensorsFile } from '../fixtures/writers.js';
import { run } from '../helpers.js';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'vram.js');
const DIR = mkdtempSync(join(tmpdir(), 'vram-hardening-'));

/** A bad input's result: exit 2, one line of at most `maxLength` characters, nothing on stdout. */
function expectOneLineRefusal(result: { code: number; stdout: string; stderr: string }, maxLength = 400): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: [^\n]*\n$/);
  expect(result.stderr.length).toBeLessThanOrEqual(maxLength);
}

function configFile(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

describe('prototype keys as values are refused like any unknown value', () => {
  it.each([
    [['estimate', '--model', 'llama-7b', '--dtype', 'constructor'], /--dtype: "constructor" is not one of/],
    [['estimate', '--model', 'llama-7b', '--mode', 'constructor'], /--mode: "constructor" is not one of/],
    [['estimate', '--model', 'llama-7b', '--attention', 'constructor'], /--attention: "constructor"/],
    [['estimate', '--model', 'llama-7b', '--units', '__proto__'], /--units: "__proto__"/],
    [['estimate', '--model', 'llama-7b', '--kv-dtype', 'hasOwnProperty'], /--kv-dtype: "hasOwnProperty"/],
    [['estimate', '--model', 'llama-7b', '--train', '--optimizer', 'toString'], /--optimizer: "toString"/],
    [['estimate', '--model', 'llama-7b', '--gpu-memory', '5constructor'], /--gpu-memory: "5constructor" is not a size/],
    [
      ['estimate', '--model', 'llama-7b', '--train', '--lora-rank', '8', '--lora-targets', 'constructor'],
      /unknown module "constructor"/,
    ],
    [
      ['capacity', '--model', 'llama-7b', '--gpu', 'h100', '--engine', '__proto__'],
      /--engine: "__proto__" is not one of/,
    ],
  ])('%j', async (argv, message) => {
    const result = await run(argv);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(message);
  });

  it('a config whose model_type is "constructor" is an unknown type (warned), not a known alias', async () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'presets', 'models', 'llama-2-7b.json'), 'utf8')).config;
    const path = configFile('constructor.json', JSON.stringify({ ...config, model_type: 'constructor' }));
    const result = await run(['estimate', '--config', path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: model_type "constructor" is not one vram knows/);
  });
});

describe('size fields have documented limits (CONFIG_LIMITS)', () => {
  it.each([
    [
      ['--model', 'llama-7b', '--set', 'num_hidden_layers=1000000000'],
      /num_hidden_layers: got 1000000000, more than the 10,000/,
    ],
    [['--model', 'gpt2', '--set', 'n_layer=4294967296'], /n_layer: got 4294967296, more than the 10,000/],
    [
      ['--model', 'mixtral-8x7b', '--set', 'num_local_experts=100000'],
      /num_local_experts: got 100000, more than the 65,536/,
    ],
    [
      ['--model', 'llama-7b', '--set', 'vocab_size=3000000000'],
      /vocab_size: got 3000000000, more than the 2,147,483,648/,
    ],
  ])('%j exits 2 at once', async (argv, message) => {
    const started = Date.now();
    const result = await run(['estimate', ...argv]);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(message);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('10,000 layers, the limit, are estimated', async () => {
    expect((await run(['estimate', '--model', 'llama-7b', '--set', 'num_hidden_layers=10000'])).code).toBe(0);
  });
});

describe('deep or huge JSON is one short line', () => {
  it('100,000 nested arrays in a config field: exit 2, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const path = configFile('deep.json', `{"model_type":"llama","hidden_size":4096,"x":${deep}}`);
    const result = await run(['estimate', '--config', path]);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(/nested deeper than 64 levels/);
  });

  it('100,000 nested objects in text_config, and in a --set value', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const path = configFile('deep-text.json', `{"model_type":"llava","text_config":${deep}}`);
    expectOneLineRefusal(await run(['estimate', '--config', path]));
    expectOneLineRefusal(await run(['estimate', '--model', 'llama-7b', '--set', `rope_scaling=${deep}`]));
  });

  it('a million-element hidden_size and a 10 MB model_type are quoted in at most a few dozen characters', async () => {
    const list = configFile(
      'list.json',
      `{"model_type":"llama","hidden_size":[${Array(1_000_000).fill(0).join(',')}]}`,
    );
    const listed = await run(['estimate', '--config', list]);
    expectOneLineRefusal(listed);
    expect(listed.stderr).toMatch(/…\(2000002 chars\)/);
    const long = configFile('long-type.json', `{"model_type":"${'a'.repeat(10_000_000)}"}`);
    expectOneLineRefusal(await run(['estimate', '--config', long]));
  });

  it("a long unknown model_type's warning is bounded too, on stderr and in the JSON", async () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'presets', 'models', 'llama-2-7b.json'), 'utf8')).config;
    const path = configFile('long-warning.json', JSON.stringify({ ...config, model_type: 'x'.repeat(1_000_000) }));
    const result = await run(['estimate', '--config', path, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr.length).toBeLessThan(2000);
    for (const warning of JSON.parse(result.stdout).warnings) expect(warning.length).toBeLessThanOrEqual(1000);
  });
});

describe('output streams', () => {
  const vram = (args: string[], stdout: 'pipe' | number) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', stdout, 'pipe'],
    });

  it.runIf(existsSync('/dev/full'))(
    'a full disk (/dev/full) is one line on stderr and exit 1, no stack trace',
    async () => {
      const { openSync, closeSync } = await import('node:fs');
      const full = openSync('/dev/full', 'w');
      try {
        for (const args of [['models'], ['estimate', '--model', 'llama-7b', '--format', 'json']]) {
          const result = vram(args, full);
          expect(result.status).toBe(1);
          expect(result.stderr).toBe('error: cannot write the output: ENOSPC\n');
        }
      } finally {
        closeSync(full);
      }
    },
  );

  it('a reader that closes early (`vram --help | head -1`) ends quietly', () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -1; exit \${PIPESTATUS:-0}`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stdout).toMatch(/^Usage: vram/);
    expect(result.stderr).toBe('');
  });
});

describe('internal errors', () => {
  it('are one line, exit 1, and name no repository that is not this project', async () => {
    let stderr = '';
    const code = await main(['models'], {
      stdout: {
        write: () => {
          throw new Error('boom');
        },
      },
      stderr: { write: (text: string) => (stderr += text) },
      env: { NO_COLOR: '1' },
      stdoutIsTty: false,
      readStdin: async () => '',
    });
    expect(code).toBe(1);
    expect(stderr).toBe('error: internal error (a bug in vram): boom (set VRAM_DEBUG=1 for details)\n');
  });
});

describe('special files never hang', () => {
  const fifo = join(DIR, 'fifo');
  spawnSync('mkfifo', [fifo]);

  it.runIf(existsSync(fifo))('--config on a FIFO is refused at once', async () => {
    const result = await run(['estimate', '--config', fifo]);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(/not a regular file/);
  });

  it.runIf(existsSync(fifo))(
    'a FIFO at $HF_HOME/token is not read for a preset, and is no token for the Hub',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'vram-hf-home-'));
      spawnSync('mkfifo', [join(home, 'token')]);
      const preset = await run(['estimate', '--model', 'llama-7b'], { env: { NO_COLOR: '1', HF_HOME: home } });
      expect(preset.code).toBe(0);
      const hub = await run(['estimate', '--model', 'hf:org/name', '--offline'], {
        env: { NO_COLOR: '1', HF_HOME: home },
      });
      expectOneLineRefusal(hub);
    },
  );
});

describe('secrets are never printed', () => {
  it('a token with CR/LF is refused without printing it', async () => {
    const token = 'hf_secretsecret\r\nX-Evil: 1';
    const result = await run(['estimate', '--model', 'hf:org/name'], {
      env: { NO_COLOR: '1', HF_TOKEN: token, HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expectOneLineRefusal(result);
    expect(result.stderr).not.toMatch(/secretsecret/);
  });

  it.each([
    [['estimate', '--model', 'https://user:hunter22@127.0.0.1:9/model.gguf'], {}],
    [['estimate', '--model', 'hf:org/name'], { HF_ENDPOINT: 'http://user:hunter22@127.0.0.1:9' }],
  ])('a password in a URL is shown as *** (%j)', async (argv, env) => {
    const result = await run(argv, { env: { NO_COLOR: '1', ...env } });
    expectOneLineRefusal(result, 600);
    expect(result.stderr).not.toMatch(/hunter22/);
    expect(result.stderr).toMatch(/\*\*\*@127\.0\.0\.1/);
  });
});

describe('settings follow their conventions', () => {
  it.each(['1.5', '1e12', 'Infinity', '2147483648', '-5', 'abc'])(
    'VRAM_HUB_TIMEOUT_MS=%s is refused',
    async (value) => {
      const result = await run(['estimate', '--model', 'hf:org/name'], {
        env: { NO_COLOR: '1', VRAM_HUB_TIMEOUT_MS: value, HF_ENDPOINT: 'http://127.0.0.1:9' },
      });
      expectOneLineRefusal(result);
      expect(result.stderr).toMatch(/VRAM_HUB_TIMEOUT_MS: .* is not a whole number of milliseconds/);
    },
  );

  it.each(['0x1', '1e0', ' 1', '.', '1.'])('--gpu-memory-utilization %j is not a decimal fraction', async (value) => {
    const result = await run(['capacity', '--model', 'llama-7b', '--gpu', 'h100', '--gpu-memory-utilization', value]);
    expectOneLineRefusal(result);
  });

  it.each([
    [{ FORCE_COLOR: 'false' }, true, false],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '' }, false, true],
    [{ FORCE_COLOR: 'true', NO_COLOR: '1' }, true, false],
    [{ TERM: 'dumb' }, true, false],
    [{ TERM: 'xterm-256color' }, true, true],
    [{}, false, false],
  ])('colour with %j on a terminal: %s → %s', (env, tty, expected) => {
    expect(useColor({ env, stdoutIsTty: tty } as unknown as Io)).toBe(expected);
  });
});

describe('checkpoints that disagree with their config', () => {
  const config = TINY_LLAMA_CONFIG;
  const directory = (name: string, files: Record<string, Uint8Array | string>) => {
    const dir = join(DIR, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
    return dir;
  };
  const shard = safetensorsFile([{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] }]);

  it('a lone shard of two, without an index, is refused', async () => {
    const dir = directory('lone-shard', { 'model-00001-of-00002.safetensors': shard });
    const result = await run(['estimate', '--model', dir]);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(/holds 1 of the 2 shards/);
  });

  it('weights far from what the config describes are named in a warning', async () => {
    const big = safetensorsFile([{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [100_000, 256] }]);
    const result = await run(['estimate', '--model', directory('mismatch', { 'model.safetensors': big })]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /the safetensors files hold 25,600,000 parameters, config.json describes .*: they do not belong together/,
    );
  });

  it('a GGUF file cut inside its tensor data is refused', async () => {
    const tensors = [{ name: 'token_embd.weight', shape: [256, 1000], type: 12 }];
    const meta = TINY_LLAMA_GGUF_META;
    const path = join(DIR, 'cut.gguf');
    writeFileSync(path, ggufFile(meta, tensors, { dataBytes: 1000 }));
    const result = await run(['estimate', '--model', path]);
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(/truncated GGUF file: its tensor data ends at byte/);
    writeFileSync(path, ggufFile(meta, tensors));
    // Whole, it is read (generic: its tensor table lacks the blk.N layers llama.cpp would load).
    expect((await run(['estimate', '--model', path, '--engine', 'generic'])).code).toBe(0);
    expect((await run(['estimate', '--model', path])).stderr).toMatch(/tensors for 0 layers .* vram cannot place them/);
  });

  it('a secret in a URL query is not echoed', async () => {
    const result = await run(['estimate', '--model', 'http://127.0.0.1:9/m.gguf?x=1&token=QSECRET99']);
    expectOneLineRefusal(result);
    expect(result.stderr).not.toMatch(/QSECRET99/);
  });
});
