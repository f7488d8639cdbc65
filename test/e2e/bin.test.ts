/**
 * Runs the built binary (bin/vram.js over dist/, made by `npm run build`, which `npm test` runs
 * first) as a user's shell script would, with NO_COLOR set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'vram.js');

function vram(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the built vram binary', () => {
  it('is built, with its code cache', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli.cjs'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist', 'cli.cjs.cache'))).toBe(true);
  });

  it('prints one JSON document for the CI gate and exits 3 when it does not fit', () => {
    const base = [
      'estimate',
      '--model',
      'llama-70b',
      '--ctx',
      '32k',
      '--users',
      '10',
      '--gpu',
      'h100-80gb',
      '--assert-fits',
      '--format',
      'json',
    ];
    const two = vram([...base, '--gpus', '2']);
    expect(two.code).toBe(3);
    const json = JSON.parse(two.stdout);
    expect(json.fit).toMatchObject({ fits: false, gpuCount: 2, minGpuCount: 4 });
    expect(json.components.find((c: { id: string }) => c.id === 'kv_cache').bytes).toBe(107_374_182_400);
    expect(two.stderr).toMatch(/^warning: --ctx 32,768: llama-2-70b was trained on 4,096 tokens/);

    const four = vram([...base, '--gpus', '4']);
    expect(four.code).toBe(0);
    expect(JSON.parse(four.stdout).fit.fits).toBe(true);
  });

  it('exits 2 with one line and an empty stdout on bad input', () => {
    const { code, stdout, stderr } = vram(['estimate', '--model', 'llama-70', '--ctx', '32k']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: --model: unknown model "llama-70" (did you mean llama-70b?); run `vram models` for the list, or pass --config <config.json>\n',
    );
  });

  it('reads a config from stdin', () => {
    const config = JSON.stringify({
      model_type: 'bert',
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      intermediate_size: 3072,
      vocab_size: 30522,
      max_position_embeddings: 512,
    });
    const { code, stdout } = vram(['estimate', '--config', '-', '--format', 'json'], config);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).model.parameterCount).toBe(109_482_240);
  });

  it('training mode: 16 bytes of model state per parameter', () => {
    const json = JSON.parse(vram(['estimate', '--mode', 'training', '--model', 'llama-7b', '--format', 'json']).stdout);
    const state = json.components
      .filter((c: { id: string }) => ['weights', 'gradients', 'optimizer_states'].includes(c.id))
      .reduce((sum: number, c: { bytes: number }) => sum + c.bytes, 0);
    expect(state).toBe(16 * 6_738_415_616);
  });

  it('with --format json a failure is also a JSON document on stdout (issue 13): code, exit code, message, flag', () => {
    const cases: [string[], string | null, RegExp][] = [
      [['estimate', '--model', 'nope', '--format', 'json'], '--model', /^--model: unknown model "nope"/],
      [['estimate', '--model', 'llama-70b', '--ctx', '0', '--format=json'], '--ctx', /must be at least 1/],
      [['capacity', '--format', 'json', '--model', 'llama-70b', '--bogus'], '--bogus', /unknown option '--bogus'/],
      [['estimate', '--format', 'json', '--model', 'llama-70b', '--overhead', '1.5'], '--overhead', /has no unit/],
    ];
    for (const [args, flag, message] of cases) {
      const result = vram(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      const doc = JSON.parse(result.stdout);
      expect(doc.schemaVersion).toBe(1);
      expect(doc.error).toMatchObject({ code: 'usage', exitCode: 2, flag });
      expect(doc.error.message).toMatch(message);
      expect(result.stderr).toBe(`error: ${doc.error.message}\n`);
    }
    // Without JSON asked for (or with a later --format table), stdout stays empty.
    expect(vram(['estimate', '--model', 'nope']).stdout).toBe('');
    expect(vram(['estimate', '--model', 'nope', '--format', 'json', '--format', 'table']).stdout).toBe('');
  });

  it('--assert-fits worst gates on the pessimistic end of the ranges; --assert-fits (expected) on the expected figures', () => {
    const estimate = [
      'estimate',
      '--model',
      'llama-70b',
      '--ctx',
      '32k',
      '--users',
      '14',
      '--gpu',
      'h100-80gb',
      '--gpus',
      '4',
    ];
    expect(vram([...estimate, '--assert-fits']).code).toBe(0);
    expect(vram([...estimate, '--assert-fits', 'expected']).code).toBe(0);
    expect(vram([...estimate, '--assert-fits', 'worst']).code).toBe(3);
    const json = JSON.parse(vram([...estimate, '--assert-fits', 'worst', '--format', 'json']).stdout);
    expect(json.inputs).toMatchObject({ assertFits: true, assertLevel: 'worst' });
    expect(json.fit.requiredRangeBytesPerGpu.highBytes).toBeGreaterThan(json.fit.usableBytesPerGpu);
    expect(json.fit.requiredBytesPerGpu).toBeLessThanOrEqual(json.fit.usableBytesPerGpu);
    // vram plan's "fits as expected only" deployment of Llama-3.1-405B on 36 H100s, under vLLM.
    const capacity = ['capacity', '--model', 'llama-3.1-405b', '--dtype', 'fp8', '--ctx', '128k', '--users', '32'];
    const deployment = ['--gpu', 'h100-80gb', '--gpus', '36', '--tp', '4', '--pp', '9', '--engine', 'vllm'];
    expect(vram([...capacity, ...deployment, '--assert-fits']).code).toBe(0);
    expect(vram([...capacity, ...deployment, '--assert-fits', 'worst']).code).toBe(3);
    const bad = vram([...estimate, '--assert-fits', 'always']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --assert-fits: "always" is not one of expected, worst\n');
  });

  it('--version and --help exit 0', () => {
    expect(vram(['--version']).code).toBe(0);
    const help = vram(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/estimate/);
  });
});

describe('the built library entry', () => {
  it('exports the core and the presets (import from "vram")', async () => {
    const lib = await import(join(ROOT, 'dist', 'index.mjs'));
    const arch = lib.readHfConfig(lib.findPreset('llama-70b').config, 'llama-70b');
    const estimate = lib.estimateInference({
      arch,
      weightDtype: 'bf16',
      kvDtype: 'bf16',
      contextTokens: 32_768,
      userCount: 10,
      attention: 'flash',
      slidingWindow: 'cap',
      stateDtypes: { conv: 'bf16', ssm: 'bf16' },
      overhead: { kind: 'model' },
      storedWeights: null,
      weightFormat: null,
      images: null,
      prefillSequences: 1,
      promptTokens: null,
    });
    expect(estimate.components.find((c: { id: string }) => c.id === 'kv_cache').bytes).toBe(107_374_182_400);
    expect(estimate.totalBytes).toBe(lib.sumBytes(estimate.components));
    expect(existsSync(join(ROOT, 'dist', 'types', 'index.d.ts'))).toBe(true);
  });
});
