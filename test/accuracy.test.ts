/**
 * Accuracy against measured memory (issue 10): every case in test/fixtures/measured/ through the
 * CLI, compared as scripts/accuracy/compare.mjs says (`npm run accuracy` prints the table). The
 * thresholds hold vram to its figures on 2026-11-27, so that a change that makes it worse fails:
 *   inference prefill (H200, torch max_memory_allocated, 42 cases): median |error| 0.7 % (3.7 %
 *     before bf16 softmax's fp32 copy, transformers' embedding output and its grouped_mm MoE path
 *     were modelled) — at most 2 %, the issue's target
 *   inference decode (generate() from a 128-token prompt, 3 cases): 0.1 % — at most 2 %
 *   training (H200, 26 cases): median 4.3 %, 19 % under (4.1 % and 69 % under before RMSNorm's
 *     second kept tensor, the loss's backward peak of 12 B per logit, full recomputation's
 *     loss-or-layer peak and gelu_new's kept tensors) — at most 6 % and 25 % under
 *   published training (Answer.AI FSDP QLoRA benchmarks, PEFT's DeepSpeed and FSDP guides, 18
 *     cases): median 6.9 %, 67 % under, 89 % inside vram's range (19.3 %, 100 % under, 44 % inside
 *     before the framework buffers, allocator cache, NCCL and the LoRA base's dtype; 8.8 %, 78 %
 *     under before the loss peak and --keep-output) — at most 8 %, 70 % under, at least 85 % inside
 *   every training peak together (44 cases): median 4.8 %, 39 % under — the issue's target, at
 *     most 8 % and 60 % under
 *   published inference (Qwen2.5-7B speed benchmark): 0.4 % — at most 2 %
 *   engine logs: SGLang 2 cases, 1.0 %, both inside the range; vLLM 4 cases (one more kept but
 *     excluded: its own source contradicts it), median 7.0 %, all inside the range — at most 2 % and
 *     8 %, every case inside; both engines together (6 cases): median 3.9 % — the issue's target,
 *     at most 5 %, every case inside
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type MeasuredCase, argvOf, comparison, pooledStatistics, statistics } from '../scripts/accuracy/compare.mjs';
import { hasNvlsSwitch } from '../src/core/serving/vllm.js';
import { run } from './helpers.js';

const DIR = join(__dirname, 'fixtures', 'measured');

interface Dataset {
  /** Set on a rerun of other files' cases on another GPU: compared with them, not counted again. */
  replicationOf?: string;
  cases: MeasuredCase[];
}

function datasets(): Dataset[] {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.json') && !file.startsWith('llama-cpp-')) // llamaCppCalibration.test.ts
    .map((file) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Dataset);
}

function cases(): MeasuredCase[] {
  return datasets()
    .filter((dataset) => dataset.replicationOf === undefined)
    .flatMap((dataset) => dataset.cases);
}

describe('accuracy against measured memory', () => {
  it('stays within the thresholds per kind', async () => {
    const rows = [];
    for (const testCase of cases()) {
      if (testCase.error || testCase.skipped || !testCase.vramCommand || testCase.excluded) continue;
      const result = await run(argvOf(testCase.vramCommand));
      expect(result.code, testCase.id).toBe(0);
      const row = comparison(testCase, JSON.parse(result.stdout));
      if (row) rows.push({ ...row, kind: testCase.kind });
    }
    const byKind = Object.fromEntries([...statistics(rows), ...pooledStatistics(rows)].map((s) => [s.kind, s]));
    expect(byKind['inference-prefill']?.count).toBe(42);
    expect(byKind['inference-prefill']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind['inference-decode']?.count).toBe(3);
    expect(byKind['inference-decode']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind.training?.count).toBe(26);
    expect(byKind.training?.medianAbsError).toBeLessThanOrEqual(0.06);
    expect(byKind.training?.shareUnder).toBeLessThanOrEqual(0.25);
    expect(byKind['training-published']?.count).toBe(18);
    expect(byKind['training-published']?.medianAbsError).toBeLessThanOrEqual(0.08);
    expect(byKind['training-published']?.shareUnder).toBeLessThanOrEqual(0.7);
    expect(byKind['training-published']?.shareInsideRange).toBeGreaterThanOrEqual(0.85);
    expect(byKind['training (all)']?.count).toBe(44);
    expect(byKind['training (all)']?.medianAbsError).toBeLessThanOrEqual(0.08);
    expect(byKind['training (all)']?.shareUnder).toBeLessThanOrEqual(0.6);
    expect(byKind['inference-published']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind['sglang-kv-tokens']?.medianAbsError).toBeLessThanOrEqual(0.02);
    expect(byKind['sglang-kv-tokens']?.shareInsideRange).toBe(1);
    expect(byKind['vllm-kv-tokens']?.count).toBe(4);
    expect(byKind['vllm-kv-tokens']?.medianAbsError).toBeLessThanOrEqual(0.08);
    expect(byKind['vllm-kv-tokens']?.shareInsideRange).toBe(1);
    expect(byKind['engine KV tokens (all)']?.medianAbsError).toBeLessThanOrEqual(0.05);
    expect(byKind['engine KV tokens (all)']?.shareInsideRange).toBe(1);
  }, 60_000);
});

describe('the H100 rerun of the H200 calibration (2026-11-28)', () => {
  // Same script, torch 2.11.0+cu130, transformers 5.17.0 and driver on an H100 80GB: every peak
  // torch reports came within 0.2 % of the H200's, so the cases measure the software, not the card.
  const peak = (c: MeasuredCase) => {
    const measured = c.measured as { maxAllocatedBytes: number; baselineAllocatedBytes?: number };
    return measured.maxAllocatedBytes - (measured.baselineAllocatedBytes ?? 0);
  };
  it('measures every case the H200 measured within 0.5 %, under the same vram command', () => {
    const all = datasets();
    const h200 = new Map(
      all
        .filter((d) => d.replicationOf === undefined)
        .flatMap((d) => d.cases)
        .filter((c) => c.measured && c.id.includes('/'))
        .map((c) => [c.id, c]),
    );
    const reruns = all.filter((d) => d.replicationOf !== undefined).flatMap((d) => d.cases);
    const compared = reruns.filter((c) => c.measured && h200.has(c.id));
    expect(compared.length).toBeGreaterThanOrEqual(60);
    for (const rerun of compared) {
      const first = h200.get(rerun.id) as MeasuredCase;
      expect(rerun.vramCommand, rerun.id).toBe(first.vramCommand);
      expect(Math.abs(peak(rerun) / peak(first) - 1), rerun.id).toBeLessThanOrEqual(0.005);
    }
  });
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

describe('framework terms (--zero, --fsdp, --without)', () => {
  const base = ['estimate', '--train', '--model', 'llama-7b', '--gpus', '8', '--format', 'json'];
  const ids = (json: { components: { id: string }[] }) => json.components.map((c) => c.id);
  const bytes = (json: { components: { id: string; bytesPerGpu?: number }[] }, id: string) =>
    json.components.find((c) => c.id === id)?.bytesPerGpu ?? 0;

  it("ZeRO-3 counts DeepSpeed's reduce bucket and gathered parameters; --without framework-buffers drops them", async () => {
    const zero = JSON.parse((await run([...base, '--zero', '3'])).stdout);
    // 5e8 elements × 2 B, plus the embedding (32,000 × 4,096) + the 5e7 prefetch + norms, × 2 B.
    expect(bytes(zero, 'framework_buffers')).toBe(1_000_000_000 + 2 * (131_072_000 + 50_000_000 + 266_240));
    const without = JSON.parse((await run([...base, '--zero', '3', '--without', 'framework-buffers'])).stdout);
    expect(ids(without)).not.toContain('framework_buffers');
  });

  it('--zero-bucket-size auto uses h² (HF "auto"); 0 and a stage-less bucket exit 2 with one line', async () => {
    const auto = JSON.parse((await run([...base, '--zero', '2', '--zero-bucket-size', 'auto'])).stdout);
    expect(bytes(auto, 'framework_buffers')).toBe(4096 * 4096 * 2);
    const zero = await run([...base, '--zero', '2', '--zero-bucket-size', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/^error: --zero-bucket-size: "0" must be a whole number of elements, at least 1\n$/);
    const fsdp = await run([...base, '--fsdp', 'full_shard', '--zero-bucket-size', '5e8']);
    expect(fsdp.stderr).toBe("error: --zero-bucket-size: sizes DeepSpeed ZeRO's buckets; give --zero 1, 2 or 3\n");
  });

  it('FSDP keeps the root unit whole and gathers two blocks; NCCL is in the overhead, --without nccl drops it', async () => {
    const fsdp = JSON.parse((await run([...base, '--fsdp', 'full_shard'])).stdout);
    expect(fsdp.components.find((c: { id: string }) => c.id === 'framework_buffers').notes.join('\n')).toMatch(
      /FSDP unsharded root: 262,144,000 params/,
    );
    const quiet = JSON.parse((await run([...base, '--fsdp', 'full_shard', '--without', 'nccl'])).stdout);
    expect(bytes(fsdp, 'overhead') - bytes(quiet, 'overhead')).toBe(512 * 2 ** 20);
  });

  it('--without: an unknown term, or a training term in inference, exits 2 with one line', async () => {
    const unknown = await run(['estimate', '--model', 'llama-7b', '--without', 'ncl']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --without: "ncl" is not one of framework-buffers, nccl/);
    const inference = await run(['estimate', '--model', 'llama-7b', '--without', 'nccl']);
    expect(inference.stderr).toBe('error: --without: nccl is a training term (use it with --train)\n');
    const cache = JSON.parse(
      (await run(['estimate', '--model', 'llama-7b', '--without', 'allocator-cache', '--format', 'json'])).stdout,
    );
    expect(ids(cache)).not.toContain('allocator_cache');
  });
});

describe("vLLM's non-torch memory by interconnect", () => {
  it('NVSwitch GPUs with NVLS (H100, H200, B200 SXM) get the larger range at tp > 1; PCIe cards the smaller', () => {
    expect(hasNvlsSwitch('NVIDIA H100 80GB')).toBe(true);
    expect(hasNvlsSwitch('NVIDIA H200')).toBe(true);
    expect(hasNvlsSwitch('NVIDIA H100 PCIe')).toBe(false);
    expect(hasNvlsSwitch('NVIDIA A10G')).toBe(false);
    expect(hasNvlsSwitch('NVIDIA A100 80GB')).toBe(false);
  });
});
