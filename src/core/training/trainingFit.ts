/**
 * Does a training plan fit, and what is the most it can take?
 *
 * required per GPU = Σ components' bytesPerGpu (the most loaded GPU: its shard of the model states,
 * its micro-batch's activations, its overhead). The overhead is the one heuristic term, so the
 * requirement has a range: required − overhead + overhead.low … required − overhead + overhead.high.
 * Solvers, each a search on a requirement that is monotone in the searched value:
 *   batch: the largest micro-batch that fits (grows with batch);
 *   ctx:   the longest sequence that fits (grows with tokens);
 *   gpus:  for each ZeRO stage, the fewest GPUs — multiples of tp × pp × cp — that fit (per-GPU
 *          memory never grows with the data-parallel degree).
 * Each is solved at the expected requirement and at both ends of its range.
 */
import type { ByteRange } from '../component.js';
import {
  type Estimate,
  type TrainingScenario,
  bytesPerGpu,
  componentBytesPerGpu,
  estimateTraining,
} from '../estimate.js';
import { type Fit, type GpuSpec, MAX_GPU_COUNT, smallestSatisfying, verdict } from '../fit.js';
import { ExactnessError } from '../errors.js';
import { type ZeroStage, ZERO_STAGES } from './modelStates.js';

/** Largest micro-batch the batch solver reports. */
export const MAX_SOLVED_BATCH = 65_536;
/** Longest sequence the ctx solver reports (16M tokens). */
export const MAX_SOLVED_CONTEXT = 16 * 1024 * 1024;

export interface TrainingRequirement {
  expectedBytes: number;
  range: ByteRange;
}

/** The most loaded GPU's requirement with the ranges of its heuristic terms (framework buffers, allocator cache, overhead) carried through. */
export function trainingRequirement(estimate: Estimate): TrainingRequirement {
  const expectedBytes = bytesPerGpu(estimate);
  const range = { lowBytes: expectedBytes, highBytes: expectedBytes };
  for (const component of estimate.components) {
    if (!component.range) continue;
    const perGpu = componentBytesPerGpu(component);
    range.lowBytes += component.range.lowBytes - perGpu;
    range.highBytes += component.range.highBytes - perGpu;
  }
  return { expectedBytes, range };
}

/** A solved value at the expected requirement and at the high (pessimistic) and low (optimistic) ends. */
export interface Solved {
  expected: number | null;
  /** With the requirement at its high end (fewer fit). */
  pessimistic: number | null;
  /** With the requirement at its low end. */
  optimistic: number | null;
}

type Statistic = (r: TrainingRequirement) => number;
const STATISTICS: readonly [keyof Solved, Statistic][] = [
  ['expected', (r) => r.expectedBytes],
  ['pessimistic', (r) => r.range.highBytes],
  ['optimistic', (r) => r.range.lowBytes],
];

function requirementOf(scenario: TrainingScenario): TrainingRequirement | null {
  try {
    return trainingRequirement(estimateTraining(scenario));
  } catch (error) {
    if (error instanceof ExactnessError) return null;
    throw error;
  }
}

/** Largest n in [1, max] with fits(n), for fits monotone true→false; null when fits(1) is false. */
function largestFitting(max: number, fits: (n: number) => boolean): number | null {
  if (!fits(1)) return null;
  let good = 1;
  let bad = max + 1;
  while (good * 2 < bad && fits(good * 2)) good *= 2;
  bad = Math.min(bad, good * 2);
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (mid <= max && fits(mid)) good = mid;
    else bad = mid;
  }
  return Math.min(good, max);
}

/**
 * Solves at each statistic with `search`, given whether scenario n fits under that statistic.
 * Requirements are computed once per n and shared by the three searches.
 */
function solveAtEachStatistic(
  at: (n: number) => TrainingScenario,
  usableBytes: number,
  search: (fits: (n: number) => boolean) => number | null,
): Solved {
  const cache = new Map<number, TrainingRequirement | null>();
  const requirement = (n: number) => {
    const cached = cache.get(n);
    if (cached !== undefined) return cached;
    const computed = requirementOf(at(n));
    cache.set(n, computed);
    return computed;
  };
  const out: Solved = { expected: null, pessimistic: null, optimistic: null };
  for (const [key, statistic] of STATISTICS) {
    out[key] = search((n) => {
      const r = requirement(n);
      return r !== null && statistic(r) <= usableBytes;
    });
  }
  return out;
}

function solveLargest(max: number, at: (n: number) => TrainingScenario, usableBytes: number): Solved {
  return solveAtEachStatistic(at, usableBytes, (fits) => largestFitting(max, fits));
}

/** The largest micro-batch per GPU that fits in usableBytes. */
export function solveBatch(scenario: TrainingScenario, usableBytes: number): Solved {
  return solveLargest(MAX_SOLVED_BATCH, (batchSize) => ({ ...scenario, batchSize }), usableBytes);
}

/** The longest sequence (tokens) that fits in usableBytes. */
export function solveContext(scenario: TrainingScenario, usableBytes: number): Solved {
  return solveLargest(MAX_SOLVED_CONTEXT, (contextTokens) => ({ ...scenario, contextTokens }), usableBytes);
}

/** The fewest GPUs (a multiple of the model-parallel size tp × pp × cp) that fit, per ZeRO stage. */
export function solveGpuCount(
  scenario: TrainingScenario,
  usableBytes: number,
  stages: readonly ZeroStage[] = ZERO_STAGES,
): { zeroStage: ZeroStage; gpuCount: Solved }[] {
  return stages.map((zeroStage) => ({ zeroStage, gpuCount: solveGpuCountAt(scenario, usableBytes, zeroStage) }));
}

/** The fewest GPUs that fit at one ZeRO stage. */
function solveGpuCountAt(scenario: TrainingScenario, usableBytes: number, zeroStage: ZeroStage): Solved {
  const p = scenario.parallelism;
  const modelParallel = p.tensorParallel * p.pipelineParallel * p.contextParallel;
  // Expert groups are carved from dp × cp, so dp steps in multiples of ep / gcd(ep, cp).
  const ep = p.expertParallel;
  const cp = p.contextParallel;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const step = ep / gcd(ep, cp);
  const maxDataParallel = Math.floor(MAX_GPU_COUNT / (modelParallel * step));
  /** The plan with k × step data-parallel GPUs. */
  const at = (k: number): TrainingScenario => ({
    ...scenario,
    parallelism: {
      ...p,
      gpuCount: k * step * modelParallel,
      zeroStage,
      offload:
        zeroStage === 0
          ? 'none'
          : p?.offload === 'optimizer+params' && zeroStage !== 3
            ? 'optimizer'
            : (p?.offload ?? 'none'),
    },
  });
  const steps = solveAtEachStatistic(at, usableBytes, (fits) =>
    maxDataParallel < 1 ? null : smallestSatisfying(1, maxDataParallel, fits),
  );
  const toGpus = (k: number | null) => (k === null ? null : k * step * modelParallel);
  return {
    expected: toGpus(steps.expected),
    pessimistic: toGpus(steps.pessimistic),
    optimistic: toGpus(steps.optimistic),
  };
}

/**
 * The fit of a training plan on gpuCount GPUs of one type: required = the most loaded GPU;
 * minGpuCount = the fewest GPUs at the plan's ZeRO stage (and model parallelism) that fit;
 * perGpuFloorBytes = the requirement at the largest data-parallel degree considered.
 */
export function fitTraining(
  scenario: TrainingScenario,
  gpu: GpuSpec,
  estimate: Estimate = estimateTraining(scenario),
): Fit & { requiredRange: ByteRange } {
  const requirement = trainingRequirement(estimate);
  const gpuCount = scenario.parallelism.gpuCount;
  const stage = scenario.parallelism.zeroStage;
  const minimum = solveGpuCountAt(scenario, gpu.memoryBytes, stage);
  const p = scenario.parallelism;
  const modelParallel = p ? p.tensorParallel * p.pipelineParallel * p.contextParallel : 1;
  const floorScenario: TrainingScenario = p
    ? { ...scenario, parallelism: { ...p, gpuCount: Math.floor(MAX_GPU_COUNT / modelParallel) * modelParallel } }
    : scenario;
  const floor = requirementOf(floorScenario)?.expectedBytes ?? requirement.expectedBytes;
  return {
    ...verdict(gpu, gpuCount, requirement.expectedBytes),
    maxUsers: null,
    minGpuCount: minimum.expected,
    perGpuFloorBytes: floor,
    requiredRange: requirement.range,
  };
}
