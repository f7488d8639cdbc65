/**
 * `--model lmstudio:<publisher>/<repo>[/<file>.gguf][:<quant>]` end to end through main(): an LM
 * Studio models folder written by the test, found through LMSTUDIO_MODELS or the home directory,
 * one GGUF picked per folder (split parts read together), and every failure one line and exit 2.
 * Weights are checked under `--engine generic`, whose weights component is the whole tensor table.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_BYTES, tinyGguf, tinySplit, writeFile } from '../fixtures/stores.js';
import { TINY_LLAMA_CONFIG, safetensorsFile } from '../fixtures/writers.js';
import { componentBytes, run, runJson } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vram-lmstudio-'));
const store = join(root, 'models');
const env = (extra: Record<string, string> = {}) => ({ NO_COLOR: '1', LMSTUDIO_MODELS: store, ...extra });

async function expectError(spec: string, message: RegExp, environment: Record<string, string> = env()) {
  const { code, stdout, stderr } = await run(['estimate', '--model', spec], { env: environment });
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(message);
}

beforeAll(() => {
  writeFile(join(store, 'acme', 'one-GGUF', 'one-Q4_K_M.gguf'), tinyGguf());
  writeFile(join(store, 'acme', 'many-GGUF', 'many-Q4_K_M.gguf'), tinyGguf());
  writeFile(join(store, 'acme', 'many-GGUF', 'many-Q8_0.gguf'), tinyGguf());
  writeFile(join(store, 'acme', 'many-GGUF', 'many-BF16.gguf'), tinyGguf());
  writeFile(join(store, 'acme', 'vision-GGUF', 'vision-Q4_K_M.gguf'), tinyGguf());
  writeFile(join(store, 'acme', 'vision-GGUF', 'mmproj-vision-f16.gguf'), tinyGguf());
  for (const [index, bytes] of tinySplit().entries())
    writeFile(join(store, 'acme', 'split-GGUF', `split-Q2_K-0000${index + 1}-of-00003.gguf`), bytes);
  writeFile(join(store, 'acme', 'broken-GGUF', 'broken-Q2_K-00001-of-00003.gguf'), tinySplit()[0]!);
  writeFile(join(store, 'acme', 'broken-GGUF', 'broken-Q2_K-00003-of-00003.gguf'), tinySplit()[2]!);
  mkdirSync(join(store, 'acme', 'empty'), { recursive: true });
  writeFile(join(store, 'mlx-community', 'tiny-4bit', 'config.json'), JSON.stringify(TINY_LLAMA_CONFIG));
  writeFile(
    join(store, 'mlx-community', 'tiny-4bit', 'model.safetensors'),
    safetensorsFile([{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] }]),
  );
});

describe('lmstudio:<path>', () => {
  it.each([
    ['lmstudio:acme/one-GGUF/one-Q4_K_M.gguf'],
    ['lmstudio:acme/one-GGUF'],
    ['lmstudio:acme/many-GGUF:Q8_0'],
    ['lmstudio:acme/many-GGUF:q8_0'],
    ['lmstudio:acme/many-GGUF/many-BF16.gguf'],
  ])('%s reads one GGUF header: weights = its tensor table bytes (LMSTUDIO_MODELS honoured)', async (spec) => {
    const { code, json, stderr } = await runJson(['estimate', '--engine', 'generic', '--model', spec], { env: env() });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(json.model.id).toBe(spec);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
  });

  it('a split model is read from all its parts, as one', async () => {
    const { code, json } = await runJson(['estimate', '--engine', 'generic', '--model', 'lmstudio:acme/split-GGUF'], {
      env: env(),
    });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(json.components[0].formula).toMatch(/stored in 3 gguf files/);
  });

  it('a folder with a vision projector: the model is read, the projector named as not counted', async () => {
    const { code, json, stderr } = await runJson(
      ['estimate', '--engine', 'generic', '--model', 'lmstudio:acme/vision-GGUF'],
      { env: env() },
    );
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(stderr).toBe(
      'warning: lmstudio:acme/vision-GGUF: acme/vision-GGUF holds a vision projector (mmproj-vision-f16.gguf) that LM Studio loads beside the model; it is not counted\n',
    );
  });

  it('an MLX folder (config.json and safetensors, no GGUF) is read as a model directory', async () => {
    const { code, json } = await runJson(
      ['estimate', '--engine', 'generic', '--model', 'lmstudio:mlx-community/tiny-4bit'],
      { env: env() },
    );
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(1000 * 256 * 2);
  });

  it.each([
    ['~/.lmstudio/models', ['.lmstudio', 'models']],
    ['~/.cache/lm-studio/models (older installs)', ['.cache', 'lm-studio', 'models']],
  ])('without LMSTUDIO_MODELS the folder is %s', async (_, where) => {
    const home = join(root, `home-${where.length}`);
    writeFile(join(home, ...where, 'acme', 'one-GGUF', 'one-Q4_K_M.gguf'), tinyGguf());
    const { code, json } = await runJson(['estimate', '--engine', 'generic', '--model', 'lmstudio:acme/one-GGUF'], {
      env: { NO_COLOR: '1', HOME: home },
    });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
  });

  it("LM Studio's settings.json downloadsFolder is honoured", async () => {
    const home = join(root, 'home-settings');
    const elsewhere = join(root, 'elsewhere');
    writeFile(join(home, '.lmstudio', 'settings.json'), JSON.stringify({ downloadsFolder: elsewhere }));
    writeFile(join(elsewhere, 'acme', 'moved-GGUF', 'moved-Q4_K_M.gguf'), tinyGguf());
    const { code } = await runJson(['estimate', '--engine', 'generic', '--model', 'lmstudio:acme/moved-GGUF'], {
      env: { NO_COLOR: '1', HOME: home },
    });
    expect(code).toBe(0);
  });
});

describe('lmstudio: errors are one line and exit 2', () => {
  it('a missing models folder says where it looked and how to point elsewhere', async () => {
    const home = join(root, 'home-none');
    mkdirSync(home, { recursive: true });
    await expectError(
      'lmstudio:acme/one-GGUF',
      /lmstudio:acme\/one-GGUF: no LM Studio models directory at ~\/\.lmstudio\/models; set LMSTUDIO_MODELS/,
      { NO_COLOR: '1', HOME: home },
    );
  });

  it('a missing repository names the nearest installed ones', async () => {
    await expectError(
      'lmstudio:acme/onee-GGUF',
      /lmstudio:acme\/onee-GGUF: not in LM Studio's models \(no folder acme\/onee-GGUF in \$LMSTUDIO_MODELS \(.*\)\); nearest installed: lmstudio:acme\/one-GGUF, /,
    );
  });

  it.each([
    [
      'lmstudio:acme/one-GGUF/two.gguf',
      /no two\.gguf in acme\/one-GGUF \(in \$LMSTUDIO_MODELS \(.*\)\); its GGUF files: one-Q4_K_M\.gguf$/m,
    ],
    [
      'lmstudio:acme/many-GGUF',
      /lmstudio:acme\/many-GGUF: holds 3 GGUF models \(BF16, Q4_K_M, Q8_0\); pick one with lmstudio:acme\/many-GGUF:<quant> or name the file/,
    ],
    ['lmstudio:acme/many-GGUF:Q5_K_M', /no GGUF file for quant Q5_K_M; the quants there: BF16, Q4_K_M, Q8_0/],
    ['lmstudio:acme/empty', /lmstudio:acme\/empty: holds no GGUF model file \(nor a config\.json\)/],
    [
      'lmstudio:acme/broken-GGUF',
      /part 2 of 3 of the split model \(acme\/broken-GGUF\/broken-Q2_K-00002-of-00003\.gguf\) is missing/,
    ],
    ['lmstudio:acme/split-GGUF/split-Q2_K-00002-of-00003.gguf', /is part 2 of 3 of a split model; pass the first part/],
    ['lmstudio:acme/../etc', /is not lmstudio:<publisher>\/<repo>/],
    ['lmstudio:acme', /is not lmstudio:<publisher>\/<repo>/],
    ['lmstudio:/abs/path', /is not lmstudio:<publisher>\/<repo>/],
    ['lmstudio:acme/one-GGUF/one-Q4_K_M.gguf:Q4', /a :<quant> .* follows lmstudio:<publisher>\/<repo> only/],
  ])('%s', async (spec, message) => {
    await expectError(spec, message);
  });

  it('a file that is not GGUF is named', async () => {
    writeFile(join(store, 'acme', 'fake', 'fake-Q4_0.gguf'), 'not a gguf file at all, sorry, no');
    await expectError(
      'lmstudio:acme/fake',
      /^error: lmstudio:acme\/fake: acme\/fake\/fake-Q4_0\.gguf: not a GGUF file \(wrong magic/,
    );
  });
});
