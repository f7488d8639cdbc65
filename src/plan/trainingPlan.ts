/**
 * `vram estimate --train`: the per-GPU memory of one training step under a plan (training.ts),
 * and with a GPU the fit, the requirement range and the --solve answers. Pure: the caller loads the
 * model.
 */
import { UserError } from '../core/errors.js';
import { type Estimate, type TrainingScenario, estimateTraining } from '../core/estimate.js';
import type { OverheadSpec } from '../core/overhead.js';
import type { ZeroStage } from '../core/training/modelStates.js';
import { type Solved, fitTraining, solveBatch, solveContext, solveGpuCount } from '../core/training/trainingFit.js';
import type { AttentionImplementation } from '../core/attention.js';
import {
  type CountedModel,
  type EchoInput,
  type EchoInputs,
  checkModeOptions,
  contextOf,
  contextWarning,
  countedModel,
  echoInputs,
  overheadOf,
} from './common.js';
import {
  type Deployment,
  type DeploymentInput,
  type DeploymentInputs,
  deploymentInputs,
  resolveDeployment,
} from './deployment.js';
import type { FitWithRange } from './estimate.js';
import { type GpuChoice, type GpuTarget, gpuTarget } from './gpuTarget.js';
import type { LoadedModel } from './model.js';
import { type TrainingInput, type TrainingInputs, resolveTraining } from './training.js';

export interface TrainingPlanInput extends TrainingInput, DeploymentInput, GpuChoice, EchoInput {
  ctx?: number | undefined;
  overhead?: OverheadSpec | undefined;
  explain?: boolean | undefined;
}

export interface TrainingPlanInputs
  extends EchoInputs,
    Omit<TrainingInputs, 'dtype'>,
    Omit<DeploymentInputs, 'tp' | 'pp'> {
  mode: 'training';
  ctx: number;
  attention: AttentionImplementation;
  overhead: OverheadSpec;
  explain: boolean;
  dtype: string;
}

export type TrainingSolution =
  | { target: 'batch' | 'ctx'; value: Solved }
  | { target: 'gpus'; byZeroStage: { zeroStage: ZeroStage; gpuCount: Solved }[] };

export interface TrainingPlan {
  mode: 'training';
  model: CountedModel;
  inputs: TrainingPlanInputs;
  deployment: Deployment;
  /** What the estimate was computed from: estimateTraining(scenario) gives it again (vary it in a loop). */
  scenario: TrainingScenario;
  estimate: Estimate;
  gpu: GpuTarget | null;
  fit: FitWithRange | null;
  solution: TrainingSolution | null;
  warnings: string[];
}

function checkTrainingOptions(input: TrainingPlanInput, hasGpu: boolean): void {
  if (input.gpu === 'all')
    throw new UserError(
      '--gpu: "all" lists the catalog for inference; give one GPU type to check a training plan against',
    );
  if (!hasGpu) {
    if (input.assertFits) throw new UserError('--assert-fits: needs --gpu <id> to check against (see `vram gpus`)');
    if (input.solve !== undefined)
      throw new UserError(`--solve: needs --gpu <id> to solve against (see \`vram gpus\`)`);
  }
  if (input.zero !== undefined && input.fsdp !== undefined)
    throw new UserError('--fsdp: cannot be combined with --zero; give one of them');
}

function solutionOf(
  plan: TrainingPlanInput,
  scenario: Parameters<typeof solveBatch>[0],
  memoryBytes: number,
): TrainingSolution | null {
  if (plan.solve === 'batch') return { target: 'batch', value: solveBatch(scenario, memoryBytes) };
  if (plan.solve === 'ctx') return { target: 'ctx', value: solveContext(scenario, memoryBytes) };
  if (plan.solve === 'gpus') return { target: 'gpus', byZeroStage: solveGpuCount(scenario, memoryBytes) };
  return null;
}

/** One training step of `model` under the plan, and its fit on a GPU type. */
export function planTraining(model: LoadedModel, input: TrainingPlanInput): TrainingPlan {
  checkModeOptions(input, 'training');
  const gpu = gpuTarget(input, null);
  checkTrainingOptions(input, gpu !== null);
  const deployment = resolveDeployment(input, 'training');
  const counted = countedModel(model);
  const contextTokens = contextOf(input, model, 'training');
  const overhead = overheadOf(input);
  const warnings = [...model.warnings];
  const tooLong = contextWarning(model, contextTokens, counted.parameterCount);
  if (tooLong) warnings.push(tooLong);
  const context = { contextTokens, overhead, deployment, gpusPerNodeGiven: input.gpusPerNode !== undefined };
  const resolved = resolveTraining(input, model, context, warnings);
  const { scenario } = resolved;
  const estimate = estimateTraining(scenario);
  if (resolved.inputs.gradAccum > 1) {
    warnings.push(
      `--grad-accum ${resolved.inputs.gradAccum}: accumulation multiplies the tokens per optimizer step, not peak memory; gradients accumulate in place in the gradient buffer counted here`,
    );
  }
  if (gpu?.entry?.memoryIsMarketed)
    warnings.push(`${gpu.id}: no driver-reported memory size was found; the marketed size is used`);
  const { gpu: gpuId, gpuMemoryBytes, gpus, dp, gpusPerNode } = deploymentInputs(deployment, gpu, false);
  return {
    mode: 'training',
    model: counted,
    // Object.assign, not spreads: Node 20 copies spreads into a literal through a slow path (~28 µs here).
    inputs: Object.assign(
      echoInputs(model, input),
      {
        mode: 'training' as const,
        ctx: contextTokens,
        attention: scenario.attention,
        overhead,
        explain: input.explain ?? false,
      },
      { gpu: gpuId, gpuMemoryBytes, gpus, dp, gpusPerNode },
      resolved.inputs,
    ),
    deployment,
    scenario,
    estimate,
    gpu,
    fit: gpu ? fitTraining(scenario, gpu, estimate) : null,
    solution: gpu ? solutionOf(input, scenario, gpu.memoryBytes) : null,
    warnings,
  };
}

/** What `vram estimate` prints: an inference or a training plan. */
export type BreakdownPlan = import('./estimate.js').EstimatePlan | TrainingPlan;
