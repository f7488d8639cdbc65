/**
 * The name rules of the local stores and the Hub quant picker, table-driven: Ollama names (the
 * cases of ollama/ollama types/model/name_test.go at fb30760), GGUF file names and quants (after
 * llama.cpp common/download.cpp), split part names (src/llama.cpp llama_split_path), the nearest
 * installed names and the Hub listing's Link header.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import {
  ggufModels,
  ggufQuant,
  isModelGguf,
  isProjectorGguf,
  namesQuant,
  pickQuant,
} from '../../src/checkpoint/ggufFileNames.js';
import { splitName, splitPartName } from '../../src/checkpoint/ggufSplits.js';
import { nextPage } from '../../src/checkpoint/hubFiles.js';
import { parseHubSpec } from '../../src/checkpoint/hubRepository.js';
import { installedHint, nearestNames } from '../../src/checkpoint/nearestNames.js';
import { displayName, manifestPath, nameFromManifestPath, parseOllamaName } from '../../src/checkpoint/ollamaName.js';

const part80 = '8'.repeat(80);
const part350 = '3'.repeat(350);

describe('Ollama names (types/model/name.go)', () => {
  it.each([
    ['llama3.2', 'manifests/registry.ollama.ai/library/llama3.2/latest', 'llama3.2:latest'],
    ['llama3.2:1b', 'manifests/registry.ollama.ai/library/llama3.2/1b', 'llama3.2:1b'],
    [
      'registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K',
      'manifests/registry.ollama.ai/library/dolphin-mistral/7b-v2.6-dpo-laser-q6_K',
      'dolphin-mistral:7b-v2.6-dpo-laser-q6_K',
    ],
    ['namespace/model', 'manifests/registry.ollama.ai/namespace/model/latest', 'namespace/model:latest'],
    ['user/custom:v1', 'manifests/registry.ollama.ai/user/custom/v1', 'user/custom:v1'],
    ['host/namespace/model', 'manifests/host/namespace/model/latest', 'host/namespace/model:latest'],
    ['host:port/namespace/model:tag', 'manifests/host:port/namespace/model/tag', 'host:port/namespace/model:tag'],
    [
      'scheme://host:port/namespace/model:tag',
      'manifests/host:port/namespace/model/tag',
      'host:port/namespace/model:tag',
    ],
    ['h/nn/mm:t', 'manifests/h/nn/mm/t', 'h/nn/mm:t'],
    ['_why/_the/_lucky:_stiff', 'manifests/_why/_the/_lucky/_stiff', '_why/_the/_lucky:_stiff'],
    ['host:https/namespace/model:tag', 'manifests/host:https/namespace/model/tag', 'host:https/namespace/model:tag'],
    [`${part80}/${part80}/${part80}:${part80}`, `manifests/${part80}/${part80}/${part80}/${part80}`, null],
    [`${part350}/${part80}/${part80}:${part80}`, `manifests/${part350}/${part80}/${part80}/${part80}`, null],
  ])('%s → %s', (text, path, shown) => {
    const name = parseOllamaName(text, `ollama:${text}`);
    expect(manifestPath(name)).toBe(path);
    if (shown !== null) expect(displayName(name)).toBe(shown);
  });

  it.each([
    '',
    'n/m:',
    'mm:',
    '^',
    '/nn/mm',
    '//',
    '//mm',
    'hh//',
    '@',
    '-hh/nn/mm:tt',
    'hh/-nn/mm:tt',
    'hh/nn/-mm:tt',
    'hh/nn/mm:-tt',
    'host/name:space/model:tag',
    'ns.dot/model',
    'bad name',
    `${part80}8/model`,
    `${part350}3/${part80}/${part80}:${part80}`,
  ])('%j is refused with a one-line user error', (text) => {
    expect(() => parseOllamaName(text, `ollama:${text}`)).toThrow(UserError);
    expect(() => parseOllamaName(text, `ollama:${text}`)).toThrow(
      /is not ollama:\[<host>\/\]\[<namespace>\/\]<model>\[:<tag>\]/,
    );
  });

  it('a manifest path is a name only when all four parts are valid (ParseNameFromFilepath)', () => {
    expect(nameFromManifestPath(['registry.ollama.ai', 'library', 'qwen2.5', '7b'])).toEqual({
      host: 'registry.ollama.ai',
      namespace: 'library',
      model: 'qwen2.5',
      tag: '7b',
    });
    expect(nameFromManifestPath(['registry.ollama.ai', 'lib.rary', 'qwen2.5', '7b'])).toBeNull();
    expect(nameFromManifestPath(['registry.ollama.ai', 'library', 'qwen2.5'])).toBeNull();
  });
});

describe('GGUF file names (llama.cpp common/download.cpp)', () => {
  it.each([
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'Q4_K_M'],
    ['llama-2-7b.Q4_K_M.gguf', 'Q4_K_M'],
    ['Q4_K_M/Model-Q4_K_M-00001-of-00002.gguf', 'Q4_K_M'],
    ['model-bf16.gguf', 'BF16'],
    ['ggml-model-q4_0.gguf', 'Q4_0'],
    ['model.gguf', null],
  ])('the quant of %s is %s', (path, quant) => {
    expect(ggufQuant(path)).toBe(quant);
  });

  it.each([
    ['model-Q4_K_M.gguf', true],
    ['sub/model-Q4_K_M.gguf', true],
    ['mmproj-model-f16.gguf', false],
    ['model.imatrix.gguf', false],
    ['mtp-model-Q4_K_M.gguf', false],
    ['model-Q4_K_M.bin', false],
  ])('%s is a model file: %s', (path, model) => {
    expect(isModelGguf(path)).toBe(model);
  });

  it('a projector is an mmproj GGUF', () => {
    expect(isProjectorGguf('mmproj-F16.gguf')).toBe(true);
    expect(isProjectorGguf('model-F16.gguf')).toBe(false);
  });

  it.each([
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'Q4_K_M', true],
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'q4_k_m', true],
    ['llama-2-7b.Q4_K_M.gguf', 'Q4_K_M', true],
    ['Model-Q4_K_M-00001-of-00003.gguf', 'Q4_K_M', true],
    ['Q4_K_M/Model-00001-of-00003.gguf', 'Q4_K_M', true],
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'Q4_K', false],
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'K_M', false],
    ['model-BF16.gguf', 'F16', false],
    ['model-IQ4_XS.gguf', 'Q4_XS', false],
    ['model-F16.gguf', 'F16', true],
  ])('%s names quant %s: %s', (path, quant, expected) => {
    expect(namesQuant(path, quant)).toBe(expected);
  });

  it('groups split parts into one model and leaves projectors out', () => {
    expect(
      ggufModels([
        'Q2_K/m-Q2_K-00002-of-00002.gguf',
        'm-Q8_0.gguf',
        'Q2_K/m-Q2_K-00001-of-00002.gguf',
        'mmproj-m-f16.gguf',
      ]),
    ).toEqual([
      { files: ['Q2_K/m-Q2_K-00001-of-00002.gguf', 'Q2_K/m-Q2_K-00002-of-00002.gguf'], partCount: 2, quant: 'Q2_K' },
      { files: ['m-Q8_0.gguf'], partCount: 1, quant: 'Q8_0' },
    ]);
  });

  it('picks the one model a quant names; none or several is an error listing them', () => {
    const models = ggufModels(['m-Q4_K_M.gguf', 'm-Q8_0.gguf', 'm-BF16.gguf']);
    expect(pickQuant(models, 'q8_0', 'x').files).toEqual(['m-Q8_0.gguf']);
    expect(() => pickQuant(models, 'Q5_K_M', 'x')).toThrow(
      'x: no GGUF file for quant Q5_K_M; the quants there: BF16, Q4_K_M, Q8_0',
    );
    expect(() => pickQuant([], 'Q5_K_M', 'x')).toThrow('x: holds no GGUF model file');
    const twice = ggufModels(['a-Q4_K_M.gguf', 'b-Q4_K_M.gguf']);
    expect(() => pickQuant(twice, 'Q4_K_M', 'x')).toThrow(
      /x: 2 GGUF models match quant Q4_K_M \(a-Q4_K_M\.gguf, b-Q4_K_M\.gguf\)/,
    );
  });

  it('split part names follow llama_split_path (%s-%05d-of-%05d.gguf)', () => {
    expect(splitName('dir/Model-Q4_K_M-00002-of-00003.gguf')).toEqual({
      prefix: 'dir/Model-Q4_K_M',
      index: 2,
      count: 3,
    });
    expect(splitName('model-Q4_K_M.gguf')).toBeNull();
    expect(splitPartName('dir/Model-Q4_K_M', 3, 12)).toBe('dir/Model-Q4_K_M-00003-of-00012.gguf');
  });
});

describe('hf:<org>/<name>[@revision][:<quant>]', () => {
  it.each([
    ['hf:org/name', { repo: 'org/name', revision: 'main', quant: null }],
    ['hf:org/name@v1.0', { repo: 'org/name', revision: 'v1.0', quant: null }],
    [
      'hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
      { repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF', revision: 'main', quant: 'Q4_K_M' },
    ],
    ['hf:org/name@dev:UD-Q4_K_XL', { repo: 'org/name', revision: 'dev', quant: 'UD-Q4_K_XL' }],
  ])('%s', (spec, parsed) => {
    expect(parseHubSpec(spec)).toEqual(parsed);
  });

  it.each(['hf:org/name:', 'hf:org/name:Q4 K', 'hf:org/name:Q4/K', 'hf:org/name:Q4:K'])('%s is refused', (spec) => {
    expect(() => parseHubSpec(spec)).toThrow(/is not hf:<org>\/<name>\[@revision\]\[:<quant>\]/);
  });
});

describe('nearest installed names', () => {
  const installed = ['qwen2.5:7b', 'llama3.2:latest', 'llama3.1:8b', 'mistral:latest', 'gemma2:2b', 'phi3:mini'];

  it('ranks by edit distance, then by the longer shared start', () => {
    expect(nearestNames('llama3.3:latest', installed, 3)).toEqual(['llama3.2:latest', 'llama3.1:8b', 'mistral:latest']);
  });

  it('says how many there are, or that none is', () => {
    expect(installedHint('llama3.3:latest', installed, 'ollama:')).toBe(
      '; nearest installed: ollama:llama3.2:latest, ollama:llama3.1:8b, ollama:mistral:latest, ollama:gemma2:2b, ollama:phi3:mini (6 installed)',
    );
    expect(installedHint('x', ['a:b'], 'ollama:')).toBe('; nearest installed: ollama:a:b');
    expect(installedHint('x', [], 'ollama:')).toBe('; none is installed');
  });
});

describe("the Hub listing's Link header", () => {
  it.each([
    [
      '<https://hf.co/api/models/o/r/tree/main?recursive=true&cursor=abc>; rel="next"',
      'https://hf.co/api/models/o/r/tree/main?recursive=true&cursor=abc',
    ],
    ['<https://hf.co/x>; rel=next', 'https://hf.co/x'],
    ['<https://hf.co/x>; rel="prev"', null],
    [null, null],
  ])('%s → %s', (link, next) => {
    expect(nextPage(link)).toBe(next);
  });
});
