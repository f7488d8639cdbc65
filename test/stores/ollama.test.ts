/**
 * `--model ollama:<name>` end to end through main(): an Ollama models directory written by the test
 * (manifests and sha256-named blobs, the weights a GGUF file), found through OLLAMA_MODELS or the
 * home directory, names resolved as Ollama resolves them, and every failure one line and exit 2.
 * Weights are checked under `--engine generic`, whose weights component is the whole tensor table.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/cli/modelSource.js';
import { TINY_BYTES, tinyGguf, writeFile, writeOllamaModel } from '../fixtures/stores.js';
import { componentBytes, run, runJson } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vram-ollama-'));
const store = join(root, 'models');
const LIB = 'registry.ollama.ai';
const PARAMS = { num_ctx: 8192, stop: ['<|eot_id|>'], temperature: 0.6 };
const env = (extra: Record<string, string> = {}) => ({ NO_COLOR: '1', OLLAMA_MODELS: store, ...extra });

/** Runs `estimate --model <spec>` expecting a one-line user error matching `message`. */
async function expectError(spec: string, message: RegExp, environment: Record<string, string> = env()) {
  const { code, stdout, stderr } = await run(['estimate', '--model', spec], { env: environment });
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(message);
}

beforeAll(() => {
  const gguf = tinyGguf();
  writeOllamaModel(
    store,
    [LIB, 'library', 'tiny', 'latest'],
    [
      { type: 'model', bytes: gguf },
      { type: 'template', bytes: '{{ .Prompt }}' },
      { type: 'params', bytes: JSON.stringify(PARAMS) },
    ],
  );
  writeOllamaModel(store, [LIB, 'library', 'tiny', 'q4'], [{ type: 'model', bytes: gguf }]);
  writeOllamaModel(store, [LIB, 'someone', 'custom', 'v1'], [{ type: 'model', bytes: gguf }]);
  writeOllamaModel(store, ['example.com', 'team', 'private', 'v2'], [{ type: 'model', bytes: gguf }]);
  writeOllamaModel(
    store,
    [LIB, 'library', 'vision', 'latest'],
    [
      { type: 'model', bytes: gguf },
      { type: 'projector', bytes: new Uint8Array(4096) },
    ],
  );
  writeOllamaModel(
    store,
    [LIB, 'library', 'noblob', 'latest'],
    [{ type: 'model', bytes: tinyGguf([['x', 'u32', 1]]), missing: true }],
  );
  writeOllamaModel(store, [LIB, 'library', 'tensors', 'latest'], [{ type: 'tensor', bytes: 'x' }]);
  writeOllamaModel(
    store,
    [LIB, 'library', 'badparams', 'latest'],
    [
      { type: 'model', bytes: gguf },
      { type: 'params', bytes: '{"num_ctx":"big"}' },
    ],
  );
  writeOllamaModel(
    store,
    [LIB, 'library', 'notgguf', 'latest'],
    [{ type: 'model', bytes: 'safetensors, not gguf, at all' }],
  );
  writeFile(join(store, 'manifests', LIB, 'library', 'garbled', 'latest'), '{"layers": 7}');
  writeFile(join(store, 'manifests', LIB, 'library', 'notjson', 'latest'), '<html>');
});

describe('ollama:<name>', () => {
  it('reads the model layer as a GGUF header: weights = its tensor table bytes; OLLAMA_MODELS honoured', async () => {
    const { code, json, stderr } = await runJson(
      ['estimate', '--engine', 'generic', '--model', 'ollama:tiny', '--ctx', '1024'],
      {
        env: env(),
      },
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(json.model.id).toBe('ollama:tiny:latest');
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(json.components[0].formula).toMatch(/stored in 1 gguf file/);
  });

  it('gives the same figures as the blob read as a .gguf file', async () => {
    const path = join(root, 'tiny.gguf');
    writeFileSync(path, tinyGguf());
    const direct = await runJson(['estimate', '--engine', 'generic', '--model', path, '--ctx', '1024']);
    const viaStore = await runJson(['estimate', '--engine', 'generic', '--model', 'ollama:tiny', '--ctx', '1024'], {
      env: env(),
    });
    expect(viaStore.json.totalBytes).toBe(direct.json.totalBytes);
  });

  it('OLLAMA_MODELS is trimmed of spaces and quotes, as envconfig.Var does', async () => {
    const { code } = await runJson(['inspect', 'ollama:tiny'], { env: env({ OLLAMA_MODELS: ` "${store}" ` }) });
    expect(code).toBe(0);
  });

  it('without OLLAMA_MODELS the store is ~/.ollama/models', async () => {
    const home = join(root, 'home');
    writeOllamaModel(
      join(home, '.ollama', 'models'),
      [LIB, 'library', 'athome', 'latest'],
      [{ type: 'model', bytes: tinyGguf() }],
    );
    const { code, json } = await runJson(['estimate', '--engine', 'generic', '--model', 'ollama:athome'], {
      env: { NO_COLOR: '1', HOME: home },
    });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
  });

  it.each([
    ['ollama:tiny:q4', 'ollama:tiny:q4'],
    ['ollama:library/tiny:q4', 'ollama:tiny:q4'],
    ['ollama:registry.ollama.ai/library/tiny', 'ollama:tiny:latest'],
    ['ollama:someone/custom:v1', 'ollama:someone/custom:v1'],
    ['ollama:example.com/team/private:v2', 'ollama:example.com/team/private:v2'],
  ])('%s resolves as Ollama resolves it (id %s)', async (spec, id) => {
    const { code, json } = await runJson(['estimate', '--engine', 'generic', '--model', spec], { env: env() });
    expect(code).toBe(0);
    expect(json.model.id).toBe(id);
  });

  it('returns the params layer as ollamaParams for the llama.cpp front end', async () => {
    const io = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: env(),
      stdoutIsTty: false,
      readStdin: async () => '',
    };
    const model = await loadModel({ model: 'ollama:tiny', set: [] }, io);
    expect(model.ollamaParams).toEqual({ num_ctx: 8192, all: PARAMS });
    expect((await loadModel({ model: 'ollama:tiny:q4', set: [] }, io)).ollamaParams).toBeNull();
    expect((await loadModel({ model: 'llama-70b', set: [] }, io)).ollamaParams).toBeUndefined();
  });

  it('a vision projector is read past and named as not counted (a warning, exit 0)', async () => {
    const { code, stderr, json } = await runJson(['estimate', '--engine', 'generic', '--model', 'ollama:vision'], {
      env: env(),
    });
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(TINY_BYTES);
    expect(stderr).toMatch(
      /^warning: ollama:vision:latest has a vision projector \(4,096 bytes, application\/vnd\.ollama\.image\.projector\) that Ollama loads beside the weights; it is not counted$/m,
    );
  });
});

describe('ollama: errors are one line and exit 2', () => {
  it('a missing store names where it looked', async () => {
    await expectError(
      'ollama:tiny',
      /ollama:tiny:latest: no Ollama models directory \(looked in \$OLLAMA_MODELS \(\/nonexistent\/models\)\); set OLLAMA_MODELS/,
      env({ OLLAMA_MODELS: '/nonexistent/models' }),
    );
  });

  it('a missing manifest names its path in the store and the nearest installed models', async () => {
    await expectError(
      'ollama:tine',
      /ollama:tine:latest: not installed \(no manifests\/registry\.ollama\.ai\/library\/tine\/latest in \$OLLAMA_MODELS \(.*\)\); nearest installed: ollama:tiny:latest, .* \(11 installed\)$/m,
    );
  });

  it('an empty store says none is installed', async () => {
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'manifests'), { recursive: true });
    await expectError('ollama:tiny', /not installed .*; none is installed$/m, env({ OLLAMA_MODELS: empty }));
  });

  it('a missing blob names it relative to the store and how to fetch it again', async () => {
    await expectError(
      'ollama:noblob',
      /ollama:noblob:latest: the model blob blobs\/sha256-[0-9a-f]{64} is missing from \$OLLAMA_MODELS \(.*\) \(an interrupted pull\? run `ollama pull noblob:latest`\)/,
    );
  });

  it.each([
    [
      'ollama:garbled',
      /ollama:garbled:latest: manifests\/registry\.ollama\.ai\/library\/garbled\/latest: not an Ollama manifest/,
    ],
    ['ollama:notjson', /ollama:notjson:latest: manifests\/.*\/notjson\/latest: not valid JSON/],
    ['ollama:tensors', /ollama:tensors:latest: stores its weights one tensor per layer/],
    ['ollama:badparams', /ollama:badparams:latest: blobs\/sha256-[0-9a-f]{64}: num_ctx is "big", not an integer/],
    ['ollama:notgguf', /not a GGUF file/],
    ['ollama:bad name', /"ollama:bad name" is not ollama:\[<host>\/\]\[<namespace>\/\]<model>\[:<tag>\]/],
    ['ollama:', /its model is empty/],
  ])('%s', async (spec, message) => {
    await expectError(spec, message);
  });
});

describe('ollama: models run as Ollama runs them (its front end, its params layer)', () => {
  it('Ollama is the front end; num_ctx sets the context unless --ctx is given; without it, the tier by GPU memory', async () => {
    const tiny = await runJson(['estimate', '--model', 'ollama:tiny', '--format', 'json'], { env: env() });
    expect(tiny.code, tiny.stderr).toBe(0);
    expect(tiny.json.llamaCpp.frontEnd).toBe('ollama');
    expect(tiny.json.llamaCpp.settings).toMatchObject({ nCtx: 8192, sequences: 1, batchSize: 512, ubatchSize: 512 });
    const asked = await runJson(['estimate', '--model', 'ollama:tiny', '--ctx', '2048', '--format', 'json'], {
      env: env(),
    });
    expect(asked.json.llamaCpp.settings.nCtx).toBe(2048);
    const plain = await runJson(['estimate', '--model', 'ollama:tiny:q4', '--gpu', 'rtx-4090', '--format', 'json'], {
      env: env(),
    });
    // no num_ctx: Ollama's default for a 24 GB GPU (server/routes.go), 32,768, capped at the trained 4,096
    expect(plain.json.llamaCpp.settings.nCtx).toBe(4096);
    const trained = await runJson(
      [
        'estimate',
        '--model',
        'ollama:tiny:q4',
        '--gpu',
        'rtx-4090',
        '--set',
        'max_position_embeddings=65536',
        '--format',
        'json',
      ],
      { env: env() },
    );
    expect(trained.json.llamaCpp.settings.nCtx).toBe(32_768);
    const generic = await runJson(['estimate', '--model', 'ollama:tiny', '--engine', 'generic', '--format', 'json'], {
      env: env(),
    });
    expect(generic.json.llamaCpp).toBeUndefined();
  });
});
