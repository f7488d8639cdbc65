/**
 * The JSON documents (issue 13): every command's `--format json` output parses with its zod
 * schema (src/render/documentSchemas.ts; top levels strict, so a new field is a contract change
 * this catches), and the JSON Schemas the build writes to dist/schemas/ are those schemas'.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_SCHEMAS } from '../../src/render/documentSchemas.js';
import { run } from '../helpers.js';

const ROOT = join(__dirname, '..', '..');

const COMMANDS: [keyof typeof DOCUMENT_SCHEMAS, string[]][] = [
  ['estimate', ['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10']],
  ['estimate', ['estimate', '--model', 'llama-70b', '--ctx', '32k', '--gpu', 'h100-80gb', '--gpus', '4']],
  ['estimate', ['estimate', '--model', 'llama-70b', '--gpu', 'all']],
  ['estimate', ['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100-80gb', '--gpus', '8', '--zero', '3']],
  [
    'estimate',
    [
      'estimate',
      '--train',
      '--model',
      'llama-7b',
      '--gpu',
      'rtx-4090',
      '--qlora',
      '--lora-rank',
      '16',
      '--solve',
      'batch',
    ],
  ],
  ['estimate', ['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100-80gb', '--solve', 'gpus']],
  [
    'capacity',
    [
      'capacity',
      '--model',
      'llama-70b',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '4',
      '--engine',
      'vllm',
      '--sweep-ctx',
      '4k,8k',
      '--sweep-users',
      '1,2',
    ],
  ],
  ['capacity', ['capacity', '--model', 'llama-70b']],
  ['capacity', ['capacity', '--model', 'llama-3.1-8b', '--gpu', 'l4', '--engine', 'llama.cpp']],
  [
    'estimate',
    ['estimate', '--model', 'llama-3.1-8b', '--engine', 'llama.cpp', '--gpu', 'rtx-4060', '--gpu-layers', 'auto'],
  ],
  ['estimate', ['estimate', '--model', 'gemma-2-9b', '--engine', 'llama.cpp', '--ctx', '8k']],
  ['plan', ['plan', '--model', 'llama-70b', '--ctx', '8k', '--users', '4', '--top', '3']],
  ['compare', ['compare', '--model', 'llama-3.1-8b,qwen2.5-7b', '--dtype', 'bf16,int4', '--gpu', 'l4']],
  ['explain', ['explain', '--model', 'llama-7b']],
  ['inspect', ['inspect', 'jamba-1.5-mini']],
  ['inspect', ['inspect', 'deepseek-v3']],
  ['models', ['models']],
  ['gpus', ['gpus']],
  ['error', ['estimate', '--model', 'nope']],
];

describe('JSON documents against their schemas', () => {
  it.each(COMMANDS)('%s: %j', async (name, argv) => {
    const { stdout } = await run([...argv, '--format', 'json']);
    const result = DOCUMENT_SCHEMAS[name].safeParse(JSON.parse(stdout));
    expect(result.success, JSON.stringify(result.error?.issues.slice(0, 3))).toBe(true);
  });

  it.skipIf(!existsSync(join(ROOT, 'dist', 'schemas')))('dist/schemas/ holds each JSON Schema the build wrote', () => {
    for (const [name, schema] of Object.entries(DOCUMENT_SCHEMAS)) {
      const file = JSON.parse(readFileSync(join(ROOT, 'dist', 'schemas', `${name}.schema.json`), 'utf8'));
      expect(file, name).toEqual(z.toJSONSchema(schema));
    }
  });
});
