/**
 * Properties of the library over random scenarios (fast-check), issue 11: whatever the inputs,
 * the figures add up, are exact non-negative integers, move the right way when an input grows, and
 * every range is ordered. `npm test` runs PROPERTY_RUNS scenarios per property (1,350 in all);
 * `npm run fuzz` (VRAM_FUZZ_LONG=1) ten times as many. A scenario vram refuses (a UserError:
 * exit 2 at the CLI) is skipped; any other error fails the property.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { largest, largestFrom } from '../../src/core/serving/search.js';
import { formatInt } from '../../src/core/units.js';
import {
  type LoadedModel,
  capacityJson,
  estimateJson,
  modelFromPreset,
  planCapacity,
  planEstimate,
  planLlamaCppEstimate,
  planTraining,
} from '../../src/index.js';

const LONG = process.env.VRAM_FUZZ_LONG === '1';
const PROPERTY_RUNS = LONG ? 1_500 : 150;
const TIMEOUT_MS = LONG ? 600_000 : 60_000;

const INFERENCE_MODELS = [
  'llama-2-7b',
  'llama-3.1-8b',
  'llama-3.2-1b',
  'mistral-7b-v0.1',
  'mixtral-8x7b',
  'qwen2.5-7b',
  'qwen3-30b-a3b',
  'gemma-2-9b',
  'gemma-3-1b',
  'gpt-oss-20b',
  'deepseek-v2-lite',
  'falcon-7b',
  'gpt2',
  'phi-3-mini-4k',
  'jamba-1.5-mini',
  'qwen3-next-80b-a3b',
  't5-small',
  'bert-base-uncased',
];
/** Models whose every layer attends over the whole context: KV grows linearly with tokens. */
const FULL_ATTENTION_MODELS = ['llama-2-7b', 'llama-3.1-8b', 'qwen2.5-7b', 'mixtral-8x7b', 'deepseek-v2-lite'];
const TRAINING_MODELS = [
  'llama-3.2-1b',
  'llama-2-7b',
  'qwen2.5-7b',
  'mixtral-8x7b',
  'gpt2',
  'bert-base-uncased',
  't5-small',
];
const GPUS = ['h100-80gb', 'a100-80gb', 'l40s', 'rtx-4090'];

const loaded = new Map<string, LoadedModel>();
function model(id: string): LoadedModel {
  let found = loaded.get(id);
  if (!found) {
    found = modelFromPreset(id);
    loaded.set(id, found);
  }
  return found;
}

/** The plan's result, or null when vram refuses the scenario (exit 2); anything else is thrown. */
function orRefused<T>(make: () => T): T | null {
  try {
    return make();
  } catch (error) {
    if (error instanceof UserError) return null;
    throw error;
  }
}

interface ComponentJson {
  id: string;
  bytes: number;
  bytesPerGpu?: number;
  range: { lowBytes: number; highBytes: number } | null;
}

function componentBytes(doc: { components: ComponentJson[] }, id: string): number {
  return doc.components.find((c) => c.id === id)?.bytes ?? 0;
}

/** Totals add up; every byte figure is a non-negative safe integer; every range is ordered around its value. */
function expectSound(doc: { totalBytes: number; totalBytesPerGpu?: number; components: ComponentJson[] }): void {
  const isBytes = (n: number) => Number.isSafeInteger(n) && n >= 0;
  expect(doc.totalBytes).toBe(doc.components.reduce((sum, c) => sum + c.bytes, 0));
  expect(isBytes(doc.totalBytes)).toBe(true);
  for (const c of doc.components) {
    expect(isBytes(c.bytes), c.id).toBe(true);
    if (c.bytesPerGpu !== undefined) expect(isBytes(c.bytesPerGpu), c.id).toBe(true);
    if (c.range) {
      const value = c.bytesPerGpu ?? c.bytes;
      expect(c.range.lowBytes, c.id).toBeLessThanOrEqual(value);
      expect(value, c.id).toBeLessThanOrEqual(c.range.highBytes);
      expect(isBytes(c.range.lowBytes) && isBytes(c.range.highBytes), c.id).toBe(true);
    }
  }
}

const inference = fc.record({
  model: fc.constantFrom(...INFERENCE_MODELS),
  ctx: fc.integer({ min: 1, max: 131_072 }),
  users: fc.integer({ min: 1, max: 64 }),
  dtype: fc.constantFrom('bf16', 'fp16', 'fp8', 'int8', 'int4', 'q4_k_m', 'q8_0'),
  kvDtype: fc.constantFrom(undefined, 'fp8', 'fp16'),
  attention: fc.constantFrom('flash' as const, 'eager' as const),
});
type InferenceCase = typeof inference extends fc.Arbitrary<infer T> ? T : never;

function estimate(c: InferenceCase, overrides: Partial<InferenceCase> = {}) {
  const input = { ...c, ...overrides };
  const options = Object.fromEntries(Object.entries(input).filter(([k, v]) => k !== 'model' && v !== undefined));
  return orRefused(() => estimateJson(planEstimate(model(input.model), options)));
}

describe('inference properties', () => {
  it(
    'totals add up, bytes are safe integers, ranges are ordered',
    () => {
      fc.assert(
        fc.property(inference, (c) => {
          const doc = estimate(c);
          if (doc) expectSound(doc);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'more users or a longer context never lowers memory; KV is linear in sequences',
    () => {
      fc.assert(
        fc.property(
          inference,
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 32_768 }),
          (c, more, longer) => {
            const base = estimate(c);
            const users = estimate(c, { users: c.users + more });
            const ctx = estimate(c, { ctx: c.ctx + longer });
            const doubled = estimate(c, { users: 2 * c.users });
            if (base && users) expect(users.totalBytes).toBeGreaterThanOrEqual(base.totalBytes);
            if (base && ctx) expect(ctx.totalBytes).toBeGreaterThanOrEqual(base.totalBytes);
            if (base && doubled) expect(componentBytes(doubled, 'kv_cache')).toBe(2 * componentBytes(base, 'kv_cache'));
          },
        ),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'without windows, KV is linear in tokens',
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...FULL_ATTENTION_MODELS), fc.integer({ min: 1, max: 16_384 }), (id, ctx) => {
          const one = estimate({ model: id, ctx, users: 1, dtype: 'bf16', kvDtype: undefined, attention: 'flash' });
          const two = estimate({
            model: id,
            ctx: 2 * ctx,
            users: 1,
            dtype: 'bf16',
            kvDtype: undefined,
            attention: 'flash',
          });
          if (one && two) expect(componentBytes(two, 'kv_cache')).toBe(2 * componentBytes(one, 'kv_cache'));
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'quantized weights never exceed 16-bit ones',
    () => {
      fc.assert(
        fc.property(inference, (c) => {
          const half = estimate(c, { dtype: 'bf16' });
          const quantized = estimate(c);
          if (half && quantized)
            expect(componentBytes(quantized, 'weights')).toBeLessThanOrEqual(componentBytes(half, 'weights'));
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

const training = fc.record({
  model: fc.constantFrom(...TRAINING_MODELS),
  ctx: fc.integer({ min: 16, max: 16_384 }),
  batch: fc.integer({ min: 1, max: 16 }),
  precision: fc.constantFrom('mixed', 'bf16', 'fp32'),
  optimizer: fc.constantFrom('adamw', 'adamw-8bit', 'sgd', 'adafactor', 'lion'),
  gradCheckpointing: fc.constantFrom('none', 'selective', 'full'),
  gpus: fc.constantFrom(1, 2, 4, 8, 16),
  zero: fc.constantFrom(0, 1, 2, 3),
  loraRank: fc.constantFrom(undefined, 8, 16, 64),
  keepOutput: fc.boolean(),
});
type TrainingCase = typeof training extends fc.Arbitrary<infer T> ? T : never;

function train(c: TrainingCase, overrides: Record<string, unknown> = {}) {
  const input: Record<string, unknown> = { ...c, ...overrides };
  const options = Object.fromEntries(Object.entries(input).filter(([k, v]) => k !== 'model' && v !== undefined));
  return orRefused(() => estimateJson(planTraining(model(c.model), options)));
}

describe('training properties', () => {
  it(
    'totals add up, bytes are safe integers, ranges are ordered',
    () => {
      fc.assert(
        fc.property(training, (c) => {
          const doc = train(c);
          if (doc) expectSound(doc);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ZeRO: stage 3 ≤ 2 ≤ 1 ≤ 0 per GPU in model states; from 2 GPUs on, more ZeRO-3 GPUs never raise per-GPU bytes',
    () => {
      const states = (doc: { components: ComponentJson[] } | null) =>
        doc === null
          ? null
          : ['weights', 'gradients', 'optimizer_states']
              .map((id) => doc.components.find((c) => c.id === id))
              .reduce((sum, c) => sum + (c?.bytesPerGpu ?? c?.bytes ?? 0), 0);
      fc.assert(
        fc.property(training, (c) => {
          const byStage = [0, 1, 2, 3].map((zero) => states(train(c, { zero, gpus: Math.max(2, c.gpus) })));
          for (let stage = 1; stage < 4; stage++) {
            const [lower, higher] = [byStage[stage - 1], byStage[stage]];
            if (lower != null && higher != null) expect(higher).toBeLessThanOrEqual(lower);
          }
          // One GPU has no communicator or framework buffers: the boundary is 2 GPUs.
          const few = train(c, { zero: 3, gpus: Math.max(2, c.gpus) });
          const many = train(c, { zero: 3, gpus: 2 * Math.max(2, c.gpus) });
          if (few && many)
            expect(many.totalBytesPerGpu ?? many.totalBytes).toBeLessThanOrEqual(
              few.totalBytesPerGpu ?? few.totalBytes,
            );
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'more trainable parameters (a larger LoRA rank) never lower memory',
    () => {
      fc.assert(
        fc.property(training, fc.constantFrom(8, 16, 32), (c, rank) => {
          const small = train(c, { loraRank: rank });
          const large = train(c, { loraRank: 2 * rank });
          if (small && large) expect(large.totalBytes).toBeGreaterThanOrEqual(small.totalBytes);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('recomputation', () => {
  it(
    'one layer or many: full ≤ selective ≤ none (activations), the boundary issue 11 found at one layer',
    () => {
      const layerField = (id: string) =>
        id === 'gpt2' ? 'n_layer' : id === 't5-small' ? 'num_layers' : 'num_hidden_layers';
      fc.assert(
        fc.property(training, fc.integer({ min: 1, max: 3 }), (c, layers) => {
          const shallow = orRefused(() => modelFromPreset(c.model, [[layerField(c.model), layers]]));
          if (!shallow) return;
          const activations = (gradCheckpointing: string) => {
            const options = { ...c, gradCheckpointing, without: ['optimizer-step'] } as Record<string, unknown>;
            delete options.model;
            const doc = orRefused(() => estimateJson(planTraining(shallow, options)));
            return doc === null ? null : componentBytes(doc, 'activations');
          };
          const [none, selective, full] = [activations('none'), activations('selective'), activations('full')];
          if (none !== null && selective !== null) expect(selective).toBeLessThanOrEqual(none);
          if (selective !== null && full !== null) expect(full).toBeLessThanOrEqual(selective);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('capacity properties', () => {
  it(
    "an engine's max concurrency never grows with the context; every range is ordered",
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...INFERENCE_MODELS.filter((id) => !['t5-small', 'bert-base-uncased'].includes(id))),
          fc.constantFrom('vllm', 'sglang', 'tensorrt-llm', 'llama.cpp', 'transformers', 'generic'),
          fc.constantFrom(...GPUS),
          fc.uniqueArray(fc.integer({ min: 256, max: 65_536 }), { minLength: 2, maxLength: 5 }),
          (id, engine, gpu, contexts) => {
            const sorted = [...contexts].sort((a, b) => a - b);
            const plan = orRefused(() =>
              planCapacity(model(id), { engine, gpu, gpus: 8, ctx: sorted[0], sweepCtx: sorted } as never),
            );
            if (!plan) return;
            const outcomes = plan.sweeps.ctx.map((s) => s.maxConcurrency.expected);
            for (let i = 1; i < outcomes.length; i++) expect(outcomes[i]).toBeLessThanOrEqual(outcomes[i - 1] ?? 0);
            const doc = capacityJson(plan);
            for (const row of doc.perGpu ?? []) {
              expect(row.range.lowBytes, row.id).toBeLessThanOrEqual(row.bytes);
              expect(row.bytes, row.id).toBeLessThanOrEqual(row.range.highBytes);
            }
          },
        ),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('formatInt (thousands separators without a regex, issue 12)', () => {
  const byRegex = (value: number) =>
    Math.round(value)
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  it('writes what the regex it replaced wrote below 1e21, and leaves exponent notation whole', () => {
    const finite = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt().map(Number));
    fc.assert(
      fc.property(finite, (value) => {
        expect(formatInt(value)).toBe(Math.abs(value) < 1e21 ? byRegex(value) : Math.round(value).toString());
      }),
      { numRuns: PROPERTY_RUNS * 10 },
    );
    for (const value of [0, 999, 1000, -1000, 999_999, 1_000_000, -123_456_789, 2 ** 53, 0.5, -0.5])
      expect(formatInt(value), String(value)).toBe(byRegex(value));
    expect(formatInt(1e21)).toBe('1e+21'); // the regex wrote "1e+21" too, but "1.0,000,…e+21" for 1.0000000000000001e21
  });
});

describe('largestFrom (capacity searches that start from a guess, issue 12)', () => {
  it(
    'finds what bisecting the whole range finds, from any guess, in few probes when the guess is close',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 0, max: 2 ** 24 }),
          fc.integer({ min: 0, max: 2 ** 24 + 2 }),
          fc.oneof(fc.double(), fc.integer({ min: -10, max: 2 ** 25 })),
          (lo, span, thresholdAt, guess) => {
            const hi = lo + span;
            const threshold = lo - 1 + (thresholdAt % (span + 2)); // lo − 1 (none fits) … hi (all fit)
            let probes = 0;
            const ok = (n: number) => {
              probes++;
              expect(n).toBeGreaterThanOrEqual(lo);
              expect(n).toBeLessThanOrEqual(hi);
              return n <= threshold;
            };
            expect(largestFrom(lo, hi, guess, ok)).toBe(largest(lo, hi, (n) => n <= threshold));
            const miss = Math.abs(Math.floor(guess) - threshold);
            if (Number.isFinite(guess) && guess >= lo && guess <= hi)
              expect(probes).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(miss + 2)) + 2);
          },
        ),
        { numRuns: PROPERTY_RUNS * 10 },
      );
    },
    TIMEOUT_MS,
  ); // 15,000 runs under npm run fuzz take about 13 s on 2 cores
});

describe("the bundle's string-width stand-in (scripts/bundle/stringWidth.cjs, issue 12)", () => {
  const require = createRequire(import.meta.url);
  const standIn = require('../../scripts/bundle/stringWidth.cjs') as (text: unknown) => number;
  const stringWidth = require('string-width') as (text: unknown) => number;
  it('measures every string as string-width does: ASCII, escape codes, emoji, wide and combining characters', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\x1b[31mred\x1b[39m', '👍🏽', '🇫🇷', '漢字', 'e\u0301', '≤ 1.2×', '\t', ''),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(standIn(value)).toBe(stringWidth(value));
      }),
      { numRuns: PROPERTY_RUNS * 10 },
    );
    expect(standIn(undefined)).toBe(stringWidth(undefined));
  });
});

describe('llama.cpp over random settings (properties)', () => {
  const LLAMA_MODELS = [
    'llama-3.1-8b',
    'llama-3.2-1b',
    'qwen2.5-7b',
    'gemma-2-9b',
    'gemma-3-1b',
    'mixtral-8x7b',
    'gpt-oss-20b',
  ];
  const settings = fc.record({
    model: fc.constantFrom(...LLAMA_MODELS),
    ctx: fc.integer({ min: 1, max: 65_536 }),
    users: fc.integer({ min: 1, max: 8 }),
    gpus: fc.integer({ min: 1, max: 4 }),
    ubatch: fc.constantFrom(1, 7, 128, 512, 2048),
    attention: fc.constantFrom('flash', 'eager', 'auto') as fc.Arbitrary<'flash' | 'eager' | 'auto'>,
    kvUnified: fc.boolean(),
    frontEnd: fc.constantFrom('llama-server', 'llama-cli', 'llama-completion', 'ollama', 'lm-studio', 'node-llama-cpp'),
    kDtype: fc.constantFrom('fp16', 'q8_0', 'q4_0') as fc.Arbitrary<'fp16' | 'q8_0' | 'q4_0'>,
  });
  type Settings = typeof settings extends fc.Arbitrary<infer T> ? T : never;
  const planAt = (s: Settings, gpuLayers: number) =>
    planLlamaCppEstimate(modelFromPreset(s.model), {
      ctx: s.ctx,
      users: s.users,
      gpu: 'rtx-4090',
      gpus: s.gpus,
      ubatchSize: s.ubatch,
      attention: s.attention,
      kvUnified: s.kvUnified,
      frontEnd: s.frontEnd as never,
      kDtype: s.kDtype,
      gpuLayers,
    });

  it(
    'exact integers that add up; more GPU layers never move memory to the host; the KV cache only moves',
    () => {
      fc.assert(
        fc.property(settings, fc.nat(200), (s, layers) => {
          let fewer: ReturnType<typeof planAt>;
          let more: ReturnType<typeof planAt>;
          try {
            fewer = planAt(s, layers);
            more = planAt(s, layers + 1);
          } catch (error) {
            if (error instanceof UserError) return;
            throw error;
          }
          for (const plan of [fewer, more]) {
            const summary = plan.llamaCpp;
            if (!summary) throw new Error('no llama.cpp summary');
            const all = [summary.memory.host, ...summary.memory.gpus];
            for (const device of all)
              for (const bytes of [device.weightBytes, device.kvBytes, device.computeBytes])
                expect(Number.isSafeInteger(bytes) && bytes >= 0).toBe(true);
            const total = plan.estimate.components.reduce((sum, c) => sum + c.bytes, 0);
            expect(total).toBe(plan.estimate.totalBytes);
          }
          const kv = (plan: ReturnType<typeof planAt>) =>
            (plan.llamaCpp?.memory.gpus ?? []).reduce(
              (sum, g) => sum + g.kvBytes,
              plan.llamaCpp?.memory.host.kvBytes ?? 0,
            );
          expect(kv(more)).toBe(kv(fewer));
          const hostBytes = (plan: ReturnType<typeof planAt>) =>
            (plan.llamaCpp?.memory.host.weightBytes ?? 0) + (plan.llamaCpp?.memory.host.kvBytes ?? 0);
          expect(hostBytes(more)).toBeLessThanOrEqual(hostBytes(fewer));
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
