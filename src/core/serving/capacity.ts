/**
 * Capacity of a deployment: from an engine's per-GPU budget to what the KV pool holds.
 *   tokens          = floor(pool / (block × KV bytes per token per GPU)) × block
 *   max concurrency = blocks / ceil(request tokens / block)   (sequences of max_model_len / --ctx; fractional,
 *                     as vLLM prints it); with sliding windows, pool / KV bytes of one request
 *   max context     = the longest --ctx that --users sequences fit in (searched, so windows and
 *                     engines whose reserves grow with the workload stay exact)
 * Each figure is given at the expected heuristic terms and at both ends of their ranges: worst
 * (high terms, smallest pool) and best (low terms). fits: the workload (users × ctx) fits even at
 * the worst end ("yes"), only at the expected values ("expected-only"), or not ("no"). vLLM must
 * also start (one max_model_len request fits the pool) and accept --ctx (≤ --max-model-len), so a
 * refusal is always "no", and an explicit --max-model-len caps the max context.
 */
import type { InferenceScenario } from '../estimate.js';
import { ExactnessError } from '../errors.js';
import { MAX_GPU_COUNT, smallestSatisfying, stageKvBytesPerGpu } from '../fit.js';
import { largest, largestFrom } from './search.js';
import { formatInt } from '../units.js';
import { genericBudget } from './generic.js';
import { kvBytesPerGpu, kvIsPerToken, withoutPerSequenceCache } from './engineMath.js';
import { llamaCppBudget } from './llamaCpp.js';
import { LLAMA_MAX_SEQ } from '../llamaCpp/context.js';
import { equalSplits, llamaCppUnitDevices } from '../llamaCpp/placement.js';
import { allLayerGroups, layerCount } from '../architecture.js';
import { sglangBudget } from './sglang.js';
import { tensorParallelDegrees } from './shard.js';
import { tensorrtLlmBudget } from './tensorrtLlm.js';
import { transformersBudget } from './transformers.js';
import type { EngineBudget, Level, ServingScenario } from './types.js';
import { vllmBudget } from './vllm.js';

/** Longest context the search tries (16,777,216 tokens, as --ctx accepts). */
export const MAX_CONTEXT_SEARCH = 2 ** 24;
/** Most sequences the search tries. */
export const MAX_SEQUENCE_SEARCH = 10_000_000;

export interface Outcome {
  /** With every heuristic term at the high end of its range (the smallest pool). */
  worst: number;
  expected: number;
  /** With every heuristic term at the low end (the largest pool). */
  best: number;
}

export type Verdict = 'yes' | 'expected-only' | 'no';

export interface Capacity {
  budget: EngineBudget;
  /** KV bytes one token takes on one GPU (full attention; 0 for encoders). */
  kvBytesPerTokenPerGpu: number;
  /** The whole KV pool: per-GPU pool × GPUs. */
  kvCacheBytes: Outcome;
  kvCacheTokens: Outcome;
  maxConcurrency: Outcome;
  maxContextTokens: Outcome;
  fits: Verdict;
  /** vLLM's refusal to start, when one request of max_model_len does not fit. */
  refusal: string | null;
}

/** Engines whose reserves grow with the workload (their pool is recomputed per users and ctx). */
const WORKLOAD_DEPENDENT = new Set(['generic', 'llama.cpp', 'transformers']);

export function engineBudget(scenario: ServingScenario, gpuName = ''): EngineBudget {
  switch (scenario.engine) {
    case 'generic':
      return genericBudget(scenario);
    case 'vllm':
      return vllmBudget(scenario, gpuName);
    case 'sglang':
      return sglangBudget(scenario);
    case 'tensorrt-llm':
      return tensorrtLlmBudget(scenario);
    case 'llama.cpp':
      return llamaCppBudget(scenario);
    case 'transformers':
      return transformersBudget(scenario);
  }
}

function outcome(value: (level: Level) => number): Outcome {
  return { worst: value('high'), expected: value('expected'), best: value('low') };
}

function withWorkload(scenario: ServingScenario, users: number, ctx: number): ServingScenario {
  return { ...scenario, inference: { ...scenario.inference, userCount: users, contextTokens: ctx } };
}

/** KV bytes one GPU needs for `users` sequences of `ctx` tokens, in whole blocks. */
function need(
  inference: InferenceScenario,
  gpuCount: number,
  users: number,
  ctx: number,
  block: number,
  split: EngineBudget['split'],
  stages = 1,
): number {
  return kvOnOneGpu(inference, gpuCount, Math.ceil(ctx / block) * block, users, split, stages);
}

/**
 * KV bytes on one GPU: by K/V head under tensor parallelism (times the most loaded pipeline
 * stage's share of the layers), a 1/N share of the layers under a layer split.
 */
function kvOnOneGpu(
  inference: InferenceScenario,
  gpuCount: number,
  tokens: number,
  sequences: number,
  split: EngineBudget['split'],
  stages = 1,
): number {
  if (split === 'layers') {
    if (gpuCount <= 1) return kvBytesPerGpu(inference, 1, tokens, sequences);
    // The most loaded GPU's share of the layers as llama.cpp places them (its budget sizes the cells
    // themselves: kvNeedBytesPerGpu); this per-token figure is what the capacity lines show.
    const layers = layerCount(allLayerGroups(inference.arch));
    const units = llamaCppUnitDevices(layers, layers + 1, equalSplits(gpuCount)).slice(0, layers);
    const most = Math.max(...equalSplits(gpuCount).map((_, gpu) => units.filter((d) => d === gpu).length));
    return Math.ceil((kvBytesPerGpu(inference, 1, tokens, sequences) * most) / layers);
  }
  return stageKvBytesPerGpu(inference, gpuCount, tokens, sequences, stages);
}

/** Cache bytes one more token takes on one GPU: what grows per token, without per-sequence state. */
function tokenBytesOnOneGpu(
  inference: InferenceScenario,
  gpuCount: number,
  split: EngineBudget['split'],
  stages: number,
): number {
  return kvOnOneGpu(withoutPerSequenceCache(inference), gpuCount, 1, 1, split, stages);
}

/** A probe whose figures would pass 2^53 does not fit (searches probe huge contexts and counts). */
function fitsWith(probe: () => boolean): boolean {
  try {
    return probe();
  } catch (error) {
    if (error instanceof ExactnessError) return false;
    throw error;
  }
}

/** A figure, or NaN where it would pass 2^53 (a search's starting guess, never a result). */
function orNaN(figure: () => number): number {
  try {
    return figure();
  } catch (error) {
    if (error instanceof ExactnessError) return Number.NaN;
    throw error;
  }
}

/** Tokens the pool holds at `level`, in whole blocks. */
function poolTokens(budget: EngineBudget, perToken: number, level: Level): number {
  const pool = Math.max(0, budget.kvPoolBytesPerGpu[level]);
  return perToken === 0 ? 0 : Math.floor(pool / (budget.blockTokens * perToken)) * budget.blockTokens;
}

/**
 * Whether the engine starts and accepts requests of `ctx` tokens at `level`. vLLM refuses to start
 * when one max_model_len request does not fit the pool (check_enough_kv_cache_memory) and rejects
 * prompts longer than max_model_len; other engines start whatever the pool.
 */
function engineAccepts(
  scenario: ServingScenario,
  budget: EngineBudget,
  perToken: number,
  ctx: number,
  level: Level,
): boolean {
  if (scenario.engine !== 'vllm' || perToken === 0) return true;
  const explicitMaxLen = scenario.settings.maxModelLen;
  if (explicitMaxLen !== undefined && ctx > explicitMaxLen) return false;
  return oneRequestFits(scenario, budget, explicitMaxLen ?? ctx, level);
}

/**
 * Whether one request of `tokens` fits the pool at `level`: what vLLM's check_enough_kv_cache_memory
 * asks. Sliding-window layers count only their window (kv_cache_interface.py max_memory_usage_bytes).
 */
function oneRequestFits(scenario: ServingScenario, budget: EngineBudget, tokens: number, level: Level): boolean {
  const { inference, gpuCount } = scenario;
  return fitsWith(
    () =>
      need(inference, gpuCount, 1, tokens, budget.blockTokens, budget.split, scenario.pipelineStages) <=
      Math.max(0, budget.kvPoolBytesPerGpu[level]),
  );
}

/** Whether `users` sequences of `ctx` tokens fit at `level` (and the engine starts). */
function workloadFits(scenario: ServingScenario, gpuName: string, level: Level): boolean {
  return workloadNeed(scenario, gpuName, level).fits;
}

/**
 * What the most loaded GPU needs for the scenario's workload at `level` (everything the engine
 * takes before its KV pool, plus the cache the sequences fill; a probe past 2^53 needs more than
 * any GPU has), and whether the engine takes it: what a deployment planner compares.
 */
export function workloadNeed(
  scenario: ServingScenario,
  gpuName: string,
  level: Level,
): { fits: boolean; requiredBytesPerGpu: number } {
  const budget = engineBudget(scenario, gpuName);
  const { inference, gpuCount } = scenario;
  const stages = scenario.pipelineStages;
  const perToken = tokenBytesOnOneGpu(inference, gpuCount, budget.split, stages);
  const cache =
    budget.kvNeedBytesPerGpu ??
    orNaN(() =>
      need(inference, gpuCount, inference.userCount, inference.contextTokens, budget.blockTokens, budget.split, stages),
    );
  const pool = budget.kvPoolBytesPerGpu[level];
  if (!Number.isFinite(cache)) return { fits: false, requiredBytesPerGpu: Number.MAX_SAFE_INTEGER };
  return {
    fits: engineAccepts(scenario, budget, perToken, inference.contextTokens, level) && cache <= pool,
    requiredBytesPerGpu: scenario.gpuMemoryBytes - pool + cache,
  };
}

/** The budget at the scenario's workload and the searches built on it (capacity and the sweeps share them). */
function searches(scenario: ServingScenario, gpuName: string) {
  const { inference, gpuCount } = scenario;
  const budget = engineBudget(scenario, gpuName);
  const block = budget.blockTokens;
  const stages = scenario.pipelineStages;
  const perToken = tokenBytesOnOneGpu(inference, gpuCount, budget.split, stages);
  const dependent = WORKLOAD_DEPENDENT.has(scenario.engine);
  // The budgets of the workloads probed so far: a probe asks for its pool at one level, then
  // another, and the searches at the three levels probe many of the same workloads.
  const kept = new Map<string, EngineBudget>();
  const budgetAt = (users: number, ctx: number): EngineBudget => {
    if (!dependent) return budget;
    const key = `${users}:${ctx}`;
    let found = kept.get(key);
    if (found === undefined) {
      found = engineBudget(withWorkload(scenario, users, ctx), gpuName);
      kept.set(key, found);
    }
    return found;
  };
  const poolAt = (users: number, ctx: number, level: Level): number => budgetAt(users, ctx).kvPoolBytesPerGpu[level];
  // Engines that size their own cells (llama.cpp) say what the workload needs; the rest count tokens.
  const needAt = (users: number, ctx: number): number =>
    budgetAt(users, ctx).kvNeedBytesPerGpu ?? need(inference, gpuCount, users, ctx, block, budget.split, stages);
  const fitsAt = (users: number, ctx: number, level: Level) =>
    engineAccepts(scenario, budget, perToken, ctx, level) &&
    fitsWith(() => needAt(users, ctx) <= poolAt(users, ctx, level));
  const tokens = () => outcome((level) => poolTokens(budget, perToken, level));
  // Where the searches start: what the pool of this workload holds (exact where the pool does not
  // depend on the workload), then one secant step on the room left (pool − need) where it does.
  const roomAt = (users: number, ctx: number, level: Level) =>
    orNaN(() => poolAt(users, ctx, level) - needAt(users, ctx));
  const refined = (naive: number, at: number, room: (n: number) => number, hi: number) => {
    if (!dependent || !Number.isFinite(naive)) return naive;
    const next = Math.min(hi, Math.max(1, Math.floor(naive)));
    const [before, after] = [room(at), room(next)];
    if (!Number.isFinite(before) || !Number.isFinite(after) || before === after || next === at) return naive;
    return next - (after * (next - at)) / (after - before);
  };
  const concurrency = (): Outcome => {
    const oneRequest = orNaN(() => needAt(1, budget.requestTokens));
    const perTokenTokens = kvIsPerToken(inference) ? tokens() : null;
    return outcome((level) => {
      if (dependent) {
        // llama.cpp runs at most LLAMA_MAX_SEQ sequences; other engines queue the rest.
        const most = scenario.engine === 'llama.cpp' ? LLAMA_MAX_SEQ : MAX_SEQUENCE_SEARCH;
        const naive = oneRequest > 0 ? budget.kvPoolBytesPerGpu[level] / oneRequest : Number.NaN;
        const room = (u: number) => roomAt(u, budget.requestTokens, level);
        const guess = refined(naive, Math.min(inference.userCount, most), room, most);
        return Math.max(
          0,
          largestFrom(1, most, Math.min(guess, most), (u) => fitsAt(u, budget.requestTokens, level)),
        );
      }
      // vLLM V1 prints num_blocks / cdiv(max_model_len, block_size); for block = 1 that is tokens / len.
      if (perTokenTokens) return perTokenTokens[keyOf(level)] / block / Math.ceil(budget.requestTokens / block);
      const pool = Math.max(0, budget.kvPoolBytesPerGpu[level]);
      return pool / need(inference, gpuCount, 1, budget.requestTokens, block, budget.split, stages);
    });
  };
  const maxContext = (): Outcome => {
    const users = inference.userCount;
    return outcome((level) => {
      const naive = perToken > 0 ? budget.kvPoolBytesPerGpu[level] / (users * perToken) : Number.NaN;
      const room = (ctx: number) => roomAt(users, ctx, level);
      const guess = refined(naive, inference.contextTokens, room, MAX_CONTEXT_SEARCH);
      return Math.max(
        0,
        largestFrom(1, MAX_CONTEXT_SEARCH, guess, (ctx) => fitsAt(users, ctx, level)),
      );
    });
  };
  return { budget, perToken, fitsAt, tokens, concurrency, maxContext };
}

/** The most sequences of the scenario's context the deployment serves at once (what a --sweep-ctx point asks). */
export function maxConcurrency(scenario: ServingScenario, gpuName = ''): Outcome {
  return searches(scenario, gpuName).concurrency();
}

/** The longest context each of the scenario's sequences can have (what a --sweep-users point asks). */
export function maxContextTokens(scenario: ServingScenario, gpuName = ''): Outcome {
  return searches(scenario, gpuName).maxContext();
}

export function capacity(scenario: ServingScenario, gpuName = ''): Capacity {
  const { inference, gpuCount } = scenario;
  const { budget, perToken, fitsAt, tokens, concurrency, maxContext } = searches(scenario, gpuName);
  const stages = scenario.pipelineStages;
  const users = inference.userCount;
  const fits: Verdict = fitsAt(users, inference.contextTokens, 'high')
    ? 'yes'
    : fitsAt(users, inference.contextTokens, 'expected')
      ? 'expected-only'
      : 'no';
  const refusal =
    scenario.engine === 'vllm' && perToken > 0 && !oneRequestFits(scenario, budget, budget.requestTokens, 'expected')
      ? vllmRefusal(
          budget,
          Math.max(
            0,
            largest(1, budget.requestTokens, (ctx) => oneRequestFits(scenario, budget, ctx, 'expected')),
          ),
        )
      : null;
  return {
    budget,
    kvBytesPerTokenPerGpu: perToken,
    kvCacheBytes: outcome((level) => Math.max(0, budget.kvPoolBytesPerGpu[level]) * gpuCount * stages),
    kvCacheTokens: tokens(),
    maxConcurrency: concurrency(),
    maxContextTokens: maxContext(),
    fits,
    refusal,
  };
}

/**
 * vLLM's start-up refusal at the expected values, given the longest request the pool holds: no
 * memory left for the KV cache ("No available memory for the cache blocks"), or not enough for one
 * max_model_len request (V0: "max seq len (N) is larger than the maximum number of tokens that can
 * be stored in KV cache (M)"; V1: "To serve at least one request with the models's max seq len …
 * the estimated maximum model length is M").
 */
function vllmRefusal(budget: EngineBudget, maxModelLen: number): string {
  if (budget.kvPoolBytesPerGpu.expected <= 0 || maxModelLen < budget.blockTokens) {
    return 'vLLM would refuse to start: the weights, activation peak and non-torch memory leave no memory for the KV cache ("No available memory for the cache blocks"); add GPUs, quantize the weights or raise --gpu-memory-utilization';
  }
  return `vLLM would refuse to start: max seq len (${formatInt(budget.requestTokens)}) is larger than the maximum number of tokens that can be stored in KV cache (${formatInt(maxModelLen)}); the estimated maximum model length is ${formatInt(maxModelLen)}: lower --max-model-len to it, raise --gpu-memory-utilization or add GPUs`;
}

const KEY_OF: Record<Level, keyof Outcome> = { high: 'worst', expected: 'expected', low: 'best' };

function keyOf(level: Level): keyof Outcome {
  return KEY_OF[level];
}

/**
 * The fewest GPUs whose expected capacity holds the workload; null if none up to `max`. Tensor-
 * parallel engines try the valid degrees (tensorParallelDegrees); llama.cpp splits layers, so any
 * count works and the requirement per GPU only falls with more GPUs (binary search).
 */
export function minTensorParallel(scenario: ServingScenario, gpuName = '', max = MAX_GPU_COUNT): number | null {
  if (scenario.engine === 'llama.cpp') {
    return smallestSatisfying(1, max, (n) => workloadFits({ ...scenario, gpuCount: n }, gpuName, 'expected'));
  }
  for (const degree of tensorParallelDegrees(scenario.inference.arch, max)) {
    if (workloadFits({ ...scenario, gpuCount: degree }, gpuName, 'expected')) return degree;
  }
  return null;
}
