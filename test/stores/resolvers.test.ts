/**
 * The resolvers on their own: where each store's models directory is (Ollama's envconfig.Models,
 * LM Studio's findLMStudioHome and settings.json), what a manifest and a params layer hold, and how
 * the parts of a split GGUF are checked against one another (llama-model-loader.cpp).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/checkpoint/byteSource.js';
import { readGgufSplits } from '../../src/checkpoint/ggufSplits.js';
import { lmStudioModelsDir } from '../../src/checkpoint/lmstudioStore.js';
import { blobPath, modelLayer, notCountedNotes, parseManifest } from '../../src/checkpoint/ollamaManifest.js';
import { parseOllamaParams } from '../../src/checkpoint/ollamaParams.js';
import { OLLAMA_SERVICE_MODELS_DIR, ollamaModelsDirs } from '../../src/checkpoint/ollamaStore.js';
import { TINY_TENSORS, tinySplit } from '../fixtures/stores.js';
import { TINY_LLAMA_GGUF_META, ggufFile } from '../fixtures/writers.js';

const root = mkdtempSync(join(tmpdir(), 'vram-resolvers-'));
const HEX = 'ab'.repeat(32);

describe("Ollama's models directory (envconfig.Models)", () => {
  it('is $OLLAMA_MODELS alone when set, trimmed of spaces and quotes as envconfig.Var trims it', () => {
    expect(ollamaModelsDirs({ OLLAMA_MODELS: ' "/data/ollama" ', HOME: '/home/u' })).toEqual([
      { path: '/data/ollama', shown: '$OLLAMA_MODELS (/data/ollama)' },
    ]);
  });

  it("else ~/.ollama/models, then the Linux service's store", () => {
    expect(ollamaModelsDirs({ HOME: '/home/u' })).toEqual([
      { path: '/home/u/.ollama/models', shown: '~/.ollama/models' },
      { path: OLLAMA_SERVICE_MODELS_DIR, shown: OLLAMA_SERVICE_MODELS_DIR },
    ]);
    expect(ollamaModelsDirs({ OLLAMA_MODELS: '  ', USERPROFILE: 'C:/Users/u' })[0]?.path).toBe(
      'C:/Users/u/.ollama/models',
    );
  });
});

describe("LM Studio's models directory", () => {
  const home = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('is $LMSTUDIO_MODELS when set (vram’s own override)', () => {
    expect(lmStudioModelsDir({ LMSTUDIO_MODELS: '/m', HOME: '/h' }).path).toBe('/m');
  });

  it('else ~/.lmstudio/models', () => {
    const dir = home('lm-default');
    expect(lmStudioModelsDir({ HOME: dir })).toEqual({
      path: join(dir, '.lmstudio', 'models'),
      shown: '~/.lmstudio/models',
    });
  });

  it('~/.cache/lm-studio/models when ~/.cache/lm-studio exists (older installs)', () => {
    const dir = home('lm-cache');
    mkdirSync(join(dir, '.cache', 'lm-studio'), { recursive: true });
    expect(lmStudioModelsDir({ HOME: dir }).path).toBe(join(dir, '.cache', 'lm-studio', 'models'));
  });

  it('the home ~/.lmstudio-home-pointer names, and settings.json downloadsFolder there', () => {
    const dir = home('lm-pointer');
    const lmHome = join(dir, 'elsewhere');
    mkdirSync(lmHome, { recursive: true });
    writeFileSync(join(dir, '.lmstudio-home-pointer'), `${lmHome}\n`);
    expect(lmStudioModelsDir({ HOME: dir }).path).toBe(join(lmHome, 'models'));
    writeFileSync(join(lmHome, 'settings.json'), JSON.stringify({ downloadsFolder: '/big/disk/models' }));
    expect(lmStudioModelsDir({ HOME: dir }).path).toBe('/big/disk/models');
    // A settings.json LM Studio could not parse leaves the default, as lms import does.
    writeFileSync(join(lmHome, 'settings.json'), '{ not json');
    expect(lmStudioModelsDir({ HOME: dir }).path).toBe(join(lmHome, 'models'));
  });

  it('without HOME or LMSTUDIO_MODELS is a user error', () => {
    expect(() => lmStudioModelsDir({})).toThrow(/set LMSTUDIO_MODELS/);
  });
});

describe('Ollama manifests and params', () => {
  const layer = (type: string, size = 10) => ({
    mediaType: `application/vnd.ollama.image.${type}`,
    digest: `sha256:${HEX}`,
    size,
  });

  it('reads the layers; the weights are the last model layer; the blob is blobs/sha256-<hex>', () => {
    const layers = parseManifest(
      JSON.stringify({ schemaVersion: 2, layers: [layer('model', 1), layer('model', 2)] }),
      'm',
    );
    expect(modelLayer(layers, 'm').size).toBe(2);
    expect(blobPath(`sha256:${HEX}`)).toBe(`blobs/sha256-${HEX}`);
  });

  it.each([
    ['not JSON', '{', /m: not valid JSON/],
    ['no layers', '{"schemaVersion":2}', /m: not an Ollama manifest \(no "layers" list\)/],
    [
      'a bad digest',
      JSON.stringify({ layers: [{ mediaType: 'x', digest: 'md5:00', size: 1 }] }),
      /m: layers\[0\]: digest "md5:00" is not sha256/,
    ],
    [
      'a negative size',
      JSON.stringify({ layers: [{ ...layer('model'), size: -1 }] }),
      /layers\[0\]: size is not a whole number/,
    ],
    ['a layer that is not an object', JSON.stringify({ layers: [7] }), /layers\[0\] is not an object/],
  ])('%s is a user error', (_, text, message) => {
    expect(() => parseManifest(text, 'm')).toThrow(message);
  });

  it('no model layer: refused, naming per-tensor safetensors layers when those are what it has', () => {
    expect(() => modelLayer([layer('tensor')], 'm')).toThrow(/one tensor per layer/);
    expect(() => modelLayer([layer('params')], 'm')).toThrow(/no application\/vnd\.ollama\.image\.model layer/);
  });

  it('projectors, adapters and drafts are named as not counted', () => {
    expect(
      notCountedNotes([layer('model'), layer('projector', 1234567), layer('adapter'), layer('license')], 'm'),
    ).toEqual([
      'm has a vision projector (1,234,567 bytes, application/vnd.ollama.image.projector) that Ollama loads beside the weights; it is not counted',
      'm has a LoRA adapter (10 bytes, application/vnd.ollama.image.adapter) that Ollama loads beside the weights; it is not counted',
    ]);
  });

  it('params: the memory-relevant ones typed (JSON numbers truncated, null skipped, as Options.FromMap), all kept', () => {
    const params = parseOllamaParams(
      JSON.stringify({ num_ctx: 8192, num_batch: 512.9, num_gpu: null, stop: ['<|eot_id|>'], temperature: 0.6 }),
      'p',
    );
    expect(params).toEqual({
      num_ctx: 8192,
      num_batch: 512,
      all: { num_ctx: 8192, num_batch: 512.9, num_gpu: null, stop: ['<|eot_id|>'], temperature: 0.6 },
    });
    expect(() => parseOllamaParams('{"num_ctx":"big"}', 'p')).toThrow('p: num_ctx is "big", not an integer');
    expect(() => parseOllamaParams('[1]', 'p')).toThrow('p: the params layer is not a JSON object');
  });
});

describe('split GGUF parts (llama-model-loader.cpp)', () => {
  const parts = tinySplit();
  const sources = parts.map((bytes, index) => memorySource(bytes, `part${index + 1}`));
  const open =
    (list = sources) =>
    (index: number) =>
      list[index - 1] as (typeof sources)[number];

  it('merges every part’s tensors under the first part’s metadata', async () => {
    const { header, partCount } = await readGgufSplits(sources[0]!, open(), 'm');
    expect(partCount).toBe(3);
    expect(header.tensors.map((tensor) => tensor.name)).toEqual(TINY_TENSORS.map((tensor) => tensor.name));
    expect(header.metadata.get('general.architecture')).toBe('llama');
  });

  it('a file that is not split is read alone, and opens nothing', async () => {
    const single = memorySource(ggufFile(TINY_LLAMA_GGUF_META, TINY_TENSORS), 'one');
    const opened = () => {
      throw new Error('opened a part');
    };
    expect((await readGgufSplits(single, opened, 'm')).partCount).toBe(1);
  });

  it('starting from another part than the first is refused, naming the first', async () => {
    await expect(readGgufSplits(sources[1]!, open(), 'm')).rejects.toThrow(
      'm: is part 2 of 3 of a split model; pass the first part (…-00001-of-00003.gguf)',
    );
  });

  it('a part out of order, a tensor in two parts or a wrong total is refused', async () => {
    await expect(readGgufSplits(sources[0]!, open([sources[0]!, sources[2]!, sources[1]!]), 'm')).rejects.toThrow(
      'm: is part 3 of a split model, not part 2 of 3',
    );
    const twice = memorySource(
      ggufFile(
        [
          ['split.no', 'u16', 1],
          ['split.count', 'u16', 3],
        ],
        [TINY_TENSORS[0]!],
      ),
      'twice',
    );
    await expect(readGgufSplits(sources[0]!, open([sources[0]!, twice, sources[2]!]), 'm')).rejects.toThrow(
      'm: tensor "token_embd.weight" is in two parts of the split',
    );
    const wrongTotal = memorySource(
      ggufFile(
        [...TINY_LLAMA_GGUF_META, ['split.no', 'u16', 0], ['split.count', 'u16', 3], ['split.tensors.count', 'i32', 4]],
        TINY_TENSORS.slice(0, 1),
      ),
      'first',
    );
    await expect(readGgufSplits(wrongTotal, open(), 'm')).rejects.toThrow(
      'm: split.tensors.count says 4 tensors, its 3 parts hold 20',
    );
  });
});
