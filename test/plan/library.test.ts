/**
 * The library gives the CLI's numbers: each scenario runs through the package entry (dist/index.mjs:
 * planEstimate / planTraining / planCapacity and the JSON renderers) and through the built CLI
 * bundle (dist/cli.cjs, as bin/vram.js loads it) with --format json; the documents must be identical,
 * and a refused scenario must be refused with the same message.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

type Library = typeof import('../../src/index.js');
type Input = Record<string, string | number | boolean>;
interface Scenario {
  kind: 'estimate' | 'training' | 'capacity';
  model: string;
  input: Input;
}

const DIST = join(__dirname, '..', '..', 'dist');
const ENTRY = join(DIST, 'index.mjs');
let library: Library;
let cliMain: (argv: string[], io: unknown) => Promise<number>;

beforeAll(async () => {
  library = await import(/* @vite-ignore */ ENTRY);
  const { loadCli } = createRequire(import.meta.url)('../../bin/load-cli.js');
  cliMain = loadCli().cli.main;
});

function flag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function argvOf({ kind, model, input }: Scenario): string[] {
  const argv = [
    kind === 'capacity' ? 'capacity' : 'estimate',
    '--model',
    model,
    ...(kind === 'training' ? ['--train'] : []),
  ];
  for (const [key, value] of Object.entries(input)) {
    if (value === true) argv.push(flag(key));
    else argv.push(flag(key), String(value));
  }
  return [...argv, '--format', 'json'];
}

async function viaCli(scenario: Scenario): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { NO_COLOR: '1' },
    stdoutIsTty: false,
    readStdin: async () => '',
  };
  const code = await cliMain(argvOf(scenario), io);
  return { code, stdout, stderr };
}

function viaLibrary({ kind, model, input }: Scenario): string {
  const loaded = library.modelFromPreset(model);
  const options = { ...input, format: 'json' as const };
  const document =
    kind === 'capacity'
      ? library.capacityJson(library.planCapacity(loaded, options))
      : library.estimateJson(
          kind === 'training' ? library.planTraining(loaded, options) : library.planEstimate(loaded, options),
        );
  return `${JSON.stringify(document, null, 2)}\n`;
}

const INFERENCE_MODELS = [
  'llama-70b',
  'llama-3.1-8b',
  'mixtral-8x7b',
  'gpt-oss-20b',
  'qwen2.5-7b',
  'deepseek-v2-lite',
  'gemma-2-9b',
  'bert-base-uncased',
  't5-base',
  'falcon-7b',
];
const INFERENCE_INPUTS: Input[] = [
  { ctx: 4096 },
  { ctx: 32768, users: 10, gpu: 'h100-80gb', gpus: 4 },
  { users: 8, gpu: 'all', kvDtype: 'fp8' },
  { ctx: 8192, users: 2, gpu: 'l40s', gpus: 16, dp: 2, dtype: 'int4' },
];
const TRAINING_MODELS = ['llama-7b', 'mixtral-8x7b', 'qwen2.5-7b', 't5-base', 'bert-base-uncased'];
const TRAINING_INPUTS: Input[] = [
  { batch: 4, ctx: 4096, gradCheckpointing: 'full' },
  { gpus: 8, zero: 3, gpu: 'h100-80gb', ctx: 2048 },
  { loraRank: 16, loraTargets: 'all-linear', qlora: true, gpu: 'rtx-4090', solve: 'batch', ctx: 1024 },
];
const CAPACITY_MODELS = ['llama-70b', 'llama-3.1-8b', 'qwen2.5-7b', 'gpt-oss-20b'];
const ENGINES = ['vllm', 'sglang', 'tensorrt-llm', 'llama.cpp', 'transformers', 'generic'];

const SCENARIOS: Scenario[] = [
  ...INFERENCE_MODELS.flatMap((model) =>
    INFERENCE_INPUTS.map((input) => ({ kind: 'estimate' as const, model, input })),
  ),
  ...TRAINING_MODELS.flatMap((model) => TRAINING_INPUTS.map((input) => ({ kind: 'training' as const, model, input }))),
  ...CAPACITY_MODELS.flatMap((model) =>
    ENGINES.map((engine) => ({
      kind: 'capacity' as const,
      model,
      input: { engine, gpu: 'h100-80gb', gpus: model === 'llama-70b' ? 4 : 1, ctx: 8192, users: 16 },
    })),
  ),
  ...CAPACITY_MODELS.map((model) => ({
    kind: 'capacity' as const,
    model,
    input: { engine: 'vllm', ctx: 32768, users: 4 },
  })),
];

describe('library = CLI', () => {
  it('covers at least 50 scenarios of every kind', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SCENARIOS.map((s) => s.kind)).size).toBe(3);
  });

  it.each(SCENARIOS.map((s) => [argvOf(s).join(' '), s] as const))('%s', async (_name, scenario) => {
    const cli = await viaCli(scenario);
    if (cli.code === 2) {
      expect(cli.stdout).toBe('');
      expect(() => viaLibrary(scenario)).toThrow(cli.stderr.replace(/^error: /, '').trim());
      return;
    }
    expect(cli.code).toBe(0);
    expect(viaLibrary(scenario)).toBe(cli.stdout);
  });
});

describe('library: --set what-ifs', () => {
  it('modelFromPreset applies overrides as --set does', async () => {
    const cli = await viaCli({
      kind: 'estimate',
      model: 'llama-70b',
      input: { set: 'num_key_value_heads=64', ctx: 32768, users: 10 },
    });
    const model = library.modelFromPreset('llama-70b', [['num_key_value_heads', 64]]);
    const plan = library.planEstimate(model, {
      ctx: 32768,
      users: 10,
      format: 'json',
      set: [['num_key_value_heads', 64]],
    });
    expect(`${JSON.stringify(library.estimateJson(plan), null, 2)}\n`).toBe(cli.stdout);
    expect(plan.estimate.components.find((c) => c.id === 'kv_cache')?.bytes).toBe(8 * 107_374_182_400);
  });
});
