/**
 * Accuracy against measured memory (issue 10): every case in test/fixtures/measured/ through the
 * CLI, compared as scripts/accuracy/compare.mjs says (`npm run accuracy` prints the table). The
 * thresholds hold vram to its figures on 2026-11-27 (the H200 calibration run, torch
 * max_memory_allocated), so that a change that makes it worse fails:
 *   inference prefill: median |error| 3.7 %, max 28 % (Gemma 3 at 16k: transformers' sliding layers
 *     hold full-length K/V during prefill), every case under — so the median may not pass 5 %
 *   training: median 4.4 %, 66.7 % under (gpt2 fp32 −26 %) — median at most 6 %, at most 70 % under
 *   published training (Answer.AI FSDP QLoRA benchmarks, PEFT's DeepSpeed and FSDP guides, 18 cases):
 *     median 19.3 %, every case under — at most 20 %
 *   published inference (Qwen2.5-7B speed benchmark, 4 prompts): median 0.7 % — at most 2 %
 *   published engine logs: SGLang 2 cases within 1.8 %; vLLM 5 cases, median 8.3 % (V0-era logs
 *     with --engine-version v0; 44.3 % before it) — at most 2 % and 9 %
 * They are regression guards, not the issue's targets (inference ≤ 2 %, training ≤ 8 % with at most
 * 60 % under), which the published-measurement dataset is still to show.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type MeasuredCase, argvOf, comparison, statistics } from '../scripts/accuracy/compare.mjs';
import { run } from './helpers.js';

const DIR = join(__dirname, 'fixtures', 'measured');

function cases(): MeasuredCase[] {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { cases: MeasuredCase[] }).cases);
}

describe('accuracy against measured memory', () => {
  it('stays within the thresholds per kind', async () => {
    const rows = [];
    for (const testCase of cases()) {
      if (testCase.error || testCase.skipped || !testCase.vramCommand) continue;
      const result = await run(argvOf(testCase.vramCommand));
      expect(result.code, testCase.id).toBe(0);
      const row = comparison(testCase, JSON.parse(result.stdout));
      if (row) rows.push({ ...row, kind: testCase.kind });
    }
    const byKind = Object.fromEntries(statistics(rows).map((s) => [s.kind, s]));
    expect(byKind['inference-prefill']?.count).toBe(40);
    expect(byKind['inference-prefill']?.medianAbsError).toBeLessThanOrEqual(0.05);
    expect(byKind.training?.count).toBe(24);
    expect(byKind.training?.medianAbsError).toBeLessThanOrEqual(0.06);
    expect(byKind.training?.shareUnder).toBeLessThanOrEqual(0.7);
    // Published multi-GPU LoRA/QLoRA runs (FSDP, DeepSpeed ZeRO-3): every case under, median 19.3 %,
    // before the framework terms (gathered parameters, buckets, NCCL) the issue asks for.
    expect(byKind['training-published']?.count).toBe(18);
    expect(byKind['training-published']?.medianAbsError).toBeLessThanOrEqual(0.2);
    // Published engine logs: SGLang within 2 % (1.4 %, 1.8 %); vLLM median 8.3 % with V0-era logs run
    // under --engine-version v0 (44.3 % under V1's rules); the 70B TP4 run is still 47 % over.
    // Qwen2.5-7B's published speed benchmark (transformers, flash attention 2): median 0.7 %, max 1.9 %.
    expect(byKind['inference-published']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind['sglang-kv-tokens']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind['vllm-kv-tokens']?.count).toBe(5);
    expect(byKind['vllm-kv-tokens']?.medianAbsError).toBeLessThanOrEqual(0.09);
  }, 60_000);
});

describe('--prefill-batch', () => {
  it("prefills that many sequences in one forward (transformers' generate() on a batch)", async () => {
    const argv = ['estimate', '--model', 'llama-3.2-1b', '--ctx', '4096', '--users', '4', '--format', 'json'];
    const one = JSON.parse((await run(argv)).stdout);
    const four = JSON.parse((await run([...argv, '--prefill-batch', '4'])).stdout);
    const activations = (json: { components: { id: string; bytes: number }[] }) =>
      json.components.find((c) => c.id === 'activations')?.bytes ?? 0;
    expect(activations(four)).toBe(4 * activations(one));
  });

  it('refuses more sequences than --users, and 0', async () => {
    const more = await run(['estimate', '--model', 'llama-3.2-1b', '--users', '2', '--prefill-batch', '4']);
    expect(more.code).toBe(2);
    expect(more.stderr).toBe('error: --prefill-batch: 4 is more than the 2 users (--users) it would prefill\n');
    expect((await run(['estimate', '--model', 'llama-3.2-1b', '--prefill-batch', '0'])).code).toBe(2);
  });
});

describe('--prompt-tokens', () => {
  it('sizes the prefill on the prompt and the KV cache on the whole context', async () => {
    const argv = ['estimate', '--model', 'llama-3.1-8b', '--ctx', '8192', '--format', 'json'];
    const whole = JSON.parse((await run(argv)).stdout);
    const short = JSON.parse((await run([...argv, '--prompt-tokens', '512'])).stdout);
    const bytes = (json: { components: { id: string; bytes: number }[] }, id: string) =>
      json.components.find((c) => c.id === id)?.bytes ?? 0;
    expect(bytes(short, 'kv_cache')).toBe(bytes(whole, 'kv_cache'));
    expect(bytes(short, 'activations')).toBeLessThan(bytes(whole, 'activations') / 10);
  });

  it('refuses a prompt longer than --ctx', async () => {
    const result = await run(['estimate', '--model', 'llama-3.1-8b', '--ctx', '8k', '--prompt-tokens', '16k']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: --prompt-tokens: 16384 is more than --ctx 8192 (the prompt is part of the context)\n',
    );
  });
});

describe('--engine-version (vLLM)', () => {
  it('v0 profiles max(max_model_len, 2048) tokens, chunked (2,048) above 32k', async () => {
    const argv = ['capacity', '--model', 'llama-3.1-8b', '--gpu', 'rtx-3090', '--engine', 'vllm', '--format', 'json'];
    const v0 = JSON.parse((await run([...argv, '--ctx', '20000', '--engine-version', 'v0'])).stdout);
    expect(v0.notes.join('\n')).toMatch(/vLLM V0 \(--engine-version v0\): max_num_batched_tokens 20,000/);
    const long = JSON.parse((await run([...argv, '--ctx', '65536', '--engine-version', 'v0'])).stdout);
    expect(long.notes.join('\n')).toMatch(/max_num_batched_tokens 2,048/);
  });

  it('an unknown version, or another engine, exits 2 with one line', async () => {
    const unknown = await run(['capacity', '--model', 'llama-3.1-8b', '--engine', 'vllm', '--engine-version', 'v2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --engine-version: "v2" is not one of v1, v0/);
    const sglang = await run(['capacity', '--model', 'llama-3.1-8b', '--engine', 'sglang', '--engine-version', 'v0']);
    expect(sglang.stderr).toBe('error: --engine-version: applies to --engine vllm, not sglang\n');
  });
});

describe('LoRA base storage', () => {
  it('follows --precision: fp32 stores the frozen base in 4 bytes (PEFT on a model loaded without torch_dtype)', async () => {
    const argv = [
      'estimate',
      '--train',
      '--model',
      'llama-2-7b',
      '--lora-rank',
      '8',
      '--ctx',
      '512',
      '--format',
      'json',
    ];
    const weights = (json: { components: { id: string; bytes: number }[] }) =>
      json.components.find((c) => c.id === 'weights')?.bytes ?? 0;
    const fp32 = JSON.parse((await run([...argv, '--precision', 'fp32'])).stdout);
    const mixed = JSON.parse((await run(argv)).stdout);
    // 6,738,415,616 parameters, of which the adapters are fp32 either way: the base doubles.
    expect(weights(fp32) - weights(mixed)).toBe(6_738_415_616 * 2);
  });
});
