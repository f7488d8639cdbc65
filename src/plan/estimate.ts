/**
 * `vram estimate` (inference): the memory breakdown of serving one model, and with a GPU the fit
 * on the deployment (deployment.ts) — the generic engine's per-GPU layout, so `estimate` and
 * `capacity --engine generic` agree on what fits. Pure: the caller loads the model.
 */
import { leadAttention } from '../core/architecture.js';
import type { ByteRange } from '../core/component.js';
import type { AttentionImplementation } from '../core/attention.js';
import { UserError } from '../core/errors.js';
import { type Estimate, type InferenceScenario, estimateInference } from '../core/estimate.js';
import { type Fit, type InferenceSplit, fitInference } from '../core/fit.js';
import type { OverheadSpec } from '../core/overhead.js';
import {
  type CountedModel,
  type EchoInput,
  type EchoInputs,
  checkModeOptions,
  contextOf,
  contextWarning,
  countedModel,
  echoInputs,
  flagOf,
  overheadOf,
  type WithoutTerm,
} from './common.js';
import { DEFAULTS } from './defaults.js';
import {
  type Deployment,
  type DeploymentInput,
  type DeploymentInputs,
  deploymentInputs,
  checkPipelineStages,
  deploymentWarning,
  resolveDeployment,
} from './deployment.js';
import { type DeploymentOption, smallestDeployment } from './deploymentSearch.js';
import { type GpuChoice, type GpuTarget, catalogTargets, gpuTarget } from './gpuTarget.js';
import {
  type InferenceInput,
  SERVING_ENGINES,
  type WeightInputs,
  resolveInference,
  servedInSixteenBits,
  withMtp,
} from './inference.js';
import type { LoadedModel } from './model.js';

export interface EstimateInput extends InferenceInput, DeploymentInput, GpuChoice, EchoInput {
  ctx?: number | undefined;
  users?: number | undefined;
  overhead?: OverheadSpec | undefined;
  without?: readonly WithoutTerm[] | undefined;
  explain?: boolean | undefined;
}

export interface EstimateInputs extends EchoInputs, WeightInputs, DeploymentInputs {
  mode: 'inference';
  ctx: number;
  users: number;
  attention: AttentionImplementation;
  overhead: OverheadSpec;
  explain: boolean;
}

/** One catalog GPU under --gpu all: the fit on the deployment and the fewest GPUs. */
export interface CatalogFit {
  gpu: string;
  name: string;
  memoryBytes: number;
  fits: boolean;
  requiredBytesPerGpu: number;
  minGpuCount: number | null;
}

/** A fit, with the requirement's range where the plan has one (training). */
export type FitWithRange = Fit & { requiredRange?: ByteRange };

export interface EstimatePlan {
  mode: 'inference';
  model: CountedModel;
  inputs: EstimateInputs;
  deployment: Deployment;
  /** What the estimate was computed from: estimateInference(scenario) gives it again (vary it in a loop). */
  scenario: InferenceScenario;
  estimate: Estimate;
  gpu: GpuTarget | null;
  fit: FitWithRange | null;
  /** --gpu all: every catalog GPU. */
  catalog: CatalogFit[] | null;
  /** Without --gpu: the smallest deployment on each common catalog type, fewest GPUs first (searched when read). */
  readonly fewestGpus: GpuVerdict[] | null;
  /** llama.cpp's buffers per device (estimate --engine llama.cpp); absent otherwise. */
  llamaCpp?: import('./llamaCppEstimate.js').LlamaCppSummary;
  warnings: string[];
}

export function splitOf(deployment: Deployment): InferenceSplit {
  return {
    tensorParallel: deployment.tensorParallel,
    pipelineParallel: deployment.pipelineParallel,
    dataParallel: deployment.dataParallel,
  };
}

/** Deployment options need a GPU type to mean anything for inference. */
function checkDeploymentNeedsGpu(input: EstimateInput, hasGpu: boolean): void {
  if (input.assertFits && !hasGpu) {
    const what = input.gpu === 'all' ? 'one GPU type, not all,' : '--gpu <id>';
    throw new UserError(`--assert-fits: needs ${what} to check against (see \`vram gpus\`)`);
  }
  if (hasGpu || input.gpu === 'all') return;
  const given = (['gpus', 'tp', 'pp', 'dp', 'gpusPerNode'] as const).find((key) => input[key] !== undefined);
  if (given) throw new UserError(`${flagOf(given)}: needs --gpu <id> (see \`vram gpus\`)`);
}

/** Warnings about the deployment: a tensor-parallel size that does not divide the heads, marketed memory. */
function deploymentWarnings(model: LoadedModel, deployment: Deployment, gpu: GpuTarget | null): string[] {
  const warnings: string[] = [];
  const heads = leadAttention(model.arch)?.headCount ?? 0;
  const tp = deployment.tensorParallel;
  if (gpu && tp > 1 && heads > 0 && heads % tp !== 0) {
    warnings.push(
      `tensor-parallel ${tp} does not divide the ${heads} attention heads: tensor-parallel engines need a divisor (or pipeline stages, --pp); this estimate splits the weights and K/V heads evenly anyway`,
    );
  }
  const acrossNodes = deploymentWarning(deployment);
  if (acrossNodes) warnings.push(acrossNodes);
  if (gpu?.entry?.memoryIsMarketed)
    warnings.push(`${gpu.id}: no driver-reported memory size was found; the marketed size is used`);
  return warnings;
}

/** The catalog GPUs a verdict without --gpu names: data-centre and workstation cards people rent or own. */
export const COMMON_GPUS = ['h100-80gb', 'h200', 'b200', 'a100-80gb', 'mi300x', 'l40s', 'rtx-4090'] as const;

/** One GPU type and the smallest deployment on it that serves the workload (null: none up to MAX_GPU_COUNT). */
export interface GpuVerdict {
  gpu: string;
  name: string;
  memoryBytes: number;
  deployment: DeploymentOption | null;
}

/** The smallest deployment on each common GPU type (deploymentSearch.ts), fewest GPUs first, then the smaller card. */
function fewestGpus(scenario: InferenceScenario, gpusPerNode: number): GpuVerdict[] {
  const targets = catalogTargets(null).filter((target) => (COMMON_GPUS as readonly string[]).includes(target.id));
  const memo = new Map<string, number | null>(); // the requirement per split is the same on every GPU type
  const rows = targets.map((target) => ({
    gpu: target.id,
    name: target.name,
    memoryBytes: target.memoryBytes,
    deployment: smallestDeployment(scenario, target, gpusPerNode, memo),
  }));
  const count = (row: GpuVerdict) => row.deployment?.gpuCount ?? Number.POSITIVE_INFINITY;
  return rows.sort((a, b) => count(a) - count(b) || a.memoryBytes - b.memoryBytes);
}

function catalogFits(scenario: InferenceScenario, split: InferenceSplit): CatalogFit[] {
  return catalogTargets(null).map((target) => {
    const fit = fitInference(scenario, target, split);
    return {
      gpu: target.id,
      name: target.name,
      memoryBytes: target.memoryBytes,
      fits: fit.fits,
      requiredBytesPerGpu: fit.requiredBytesPerGpu,
      minGpuCount: fit.minGpuCount,
    };
  });
}

/**
 * The requirement per GPU at both ends of the heuristic terms' ranges: in inference they are the
 * CUDA context and the allocator cache, per GPU already (each GPU runs the whole prefill peak).
 */
function withRequiredRange(fit: Fit, estimate: Estimate): FitWithRange {
  let [low, high] = [0, 0];
  for (const c of estimate.components) {
    if (c.range === null) continue;
    low += c.range.lowBytes - c.bytes;
    high += c.range.highBytes - c.bytes;
  }
  const required = fit.requiredBytesPerGpu;
  return Object.assign({}, fit, { requiredRange: { lowBytes: required + low, highBytes: required + high } });
}

/** The breakdown of serving `users` sequences of `ctx` tokens, and the fit with a GPU. */
export function planEstimate(loaded: LoadedModel, input: EstimateInput): EstimatePlan {
  checkModeOptions(input, 'inference');
  const model = withMtp(loaded, input.mtp);
  const gpu = gpuTarget(input, null);
  checkDeploymentNeedsGpu(input, gpu !== null);
  const deployment = resolveDeployment(input, 'serving');
  checkPipelineStages(deployment.pipelineParallel, model);
  const counted = countedModel(model);
  const contextTokens = contextOf(input, model, 'inference');
  const users = input.users ?? DEFAULTS.users;
  const trainingTerm = input.without?.find((term) => term !== 'allocator-cache');
  if (trainingTerm) throw new UserError(`--without: ${trainingTerm} is a training term (use it with --train)`);
  const overhead = overheadOf(input);
  const read = resolveInference(input, model, contextTokens, users, overhead);
  const served = servedInSixteenBits(read, input, SERVING_ENGINES, { id: model.id, gpuId: gpu?.id ?? null });
  const resolved = served?.resolved ?? read;
  const tooLong = contextWarning(model, contextTokens, counted.parameterCount);
  const warnings = [
    ...model.warnings,
    ...(served ? [served.warning] : []),
    ...(tooLong ? [tooLong] : []),
    ...deploymentWarnings(model, deployment, gpu),
  ];
  const split = splitOf(deployment);
  const estimate = estimateInference(resolved.scenario);
  let verdict: GpuVerdict[] | null | undefined;
  return {
    mode: 'inference',
    model: counted,
    // Object.assign, not spreads: Node 20 copies spreads into a literal through a slow path (~28 µs here).
    inputs: Object.assign(
      echoInputs(model, input),
      {
        mode: 'inference' as const,
        ctx: contextTokens,
        users,
        attention: resolved.scenario.attention,
        overhead,
        explain: input.explain ?? false,
      },
      deploymentInputs(deployment, gpu, input.gpu === 'all'),
      resolved.inputs,
    ),
    deployment,
    scenario: resolved.scenario,
    estimate,
    gpu,
    fit: gpu ? withRequiredRange(fitInference(resolved.scenario, gpu, split), estimate) : null,
    catalog: input.gpu === 'all' ? catalogFits(resolved.scenario, split) : null,
    // Searched when first read (a table, JSON): a library loop that never reads it does not pay for it.
    get fewestGpus(): GpuVerdict[] | null {
      verdict ??= gpu === null && input.gpu !== 'all' ? fewestGpus(resolved.scenario, deployment.gpusPerNode) : null;
      return verdict;
    },
    warnings,
  };
}
