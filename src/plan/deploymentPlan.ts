/**
 * `vram plan`: what to run a model on. For each GPU type (the catalog, or --gpu / --gpu-memory) it
 * searches tensor parallelism × pipeline stages × replicas (deploymentSearch.ts) under a serving
 * engine's budget (core/serving: vLLM by default, whose chunked prefill is what serving fleets
 * run) and lists the cheapest deployments that serve --users sequences of --ctx tokens: fewest
 * GPUs, then most headroom, each with its verdict at the pessimistic end of the heuristic ranges.
 * Pure: the caller loads the model.
 */
import { UserError } from '../core/errors.js';
import { workloadNeed } from '../core/serving/capacity.js';
import type { Engine, ServingScenario } from '../core/serving/types.js';
import { ceilDiv } from '../core/units.js';
import { type CapacityInput, planCapacity } from './capacity.js';
import { type CountedModel, type Format, type UnitSystem, contextWarning } from './common.js';
import { DEFAULTS } from './defaults.js';
import { type DeploymentOption, deploymentOptions } from './deploymentSearch.js';
import { type GpuTarget, catalogTargets, gpuTarget } from './gpuTarget.js';
import type { LoadedModel } from './model.js';

export interface DeploymentPlanInput
  extends Omit<CapacityInput, 'gpus' | 'tp' | 'pp' | 'dp' | 'sweepCtx' | 'sweepUsers'> {
  top?: number | undefined;
}

/** A deployment, and whether it also fits at the pessimistic end of the ranges ("yes") or only as expected. */
export type PlannedDeployment = DeploymentOption & { verdict: 'yes' | 'expected-only' };

export interface DeploymentPlan {
  model: CountedModel;
  engine: Engine;
  inputs: {
    ctx: number;
    users: number;
    dtype: string | null;
    kvDtype: string;
    gpu: string | null;
    gpusPerNode: number;
    top: number;
    format: Format;
    units: UnitSystem;
  };
  /** Best first: fewest GPUs, then most headroom. One GPU type: its deployments; the catalog: each type's best. */
  deployments: PlannedDeployment[];
  /** GPU types on which nothing fits within the search's limits. */
  unplaced: string[];
  warnings: string[];
}

/** Deployments of one replica's template on one GPU type, with their verdicts. */
function deploymentsOn(template: ServingScenario, target: GpuTarget, users: number, gpusPerNode: number) {
  const scenarioAt = (tp: number, pp: number, replicas: number): ServingScenario => ({
    ...template,
    gpuCount: tp,
    pipelineStages: pp,
    inference: { ...template.inference, userCount: ceilDiv(users, replicas) },
  });
  const options = deploymentOptions(template.inference.arch, users, target, gpusPerNode, (split) =>
    workloadNeed(scenarioAt(split.tensorParallel, split.pipelineParallel, split.dataParallel), target.name, 'expected'),
  );
  return options.map((option): PlannedDeployment => {
    const at = scenarioAt(option.tensorParallel, option.pipelineParallel, option.replicas);
    return { ...option, verdict: workloadNeed(at, target.name, 'high').fits ? 'yes' : 'expected-only' };
  });
}

/** One replica of the model on one GPU of `target`, as capacity resolves it (engine dtype rules included). */
function templateOn(model: LoadedModel, input: DeploymentPlanInput, engine: Engine, target: GpuTarget) {
  const plan = planCapacity(model, {
    ...input,
    engine,
    gpu: target.entry ? target.id : undefined,
    gpuMemory: target.entry ? undefined : target.memoryBytes,
    gpus: 1,
    assertFits: false,
  });
  if (plan.serving === null) throw new Error('a capacity plan with a GPU has a serving scenario');
  return plan;
}

export function planDeployments(model: LoadedModel, input: DeploymentPlanInput): DeploymentPlan {
  const engine = input.engine ?? DEFAULTS.planEngine;
  if (engine === 'llama.cpp')
    throw new UserError(
      '--engine: llama.cpp splits layers over the GPUs of one machine, with no tensor parallelism to plan; use vram capacity --engine llama.cpp (without --gpu it lists the GPUs each type needs)',
    );
  const gpusPerNode = input.gpusPerNode ?? DEFAULTS.gpusPerNode;
  const top = input.top ?? DEFAULTS.planTop;
  const chosen = gpuTarget(input, engine);
  const targets = chosen ? [chosen] : catalogTargets(engine);
  const first = templateOn(model, input, engine, targets[0] as GpuTarget);
  const users = first.inputs.users;
  const tooLong = contextWarning(first.model, first.inputs.ctx, first.model.parameterCount);
  const deployments: PlannedDeployment[] = [];
  const unplaced: string[] = [];
  for (const target of targets) {
    const template = (target === targets[0] ? first : templateOn(model, input, engine, target))
      .serving as ServingScenario;
    const found = deploymentsOn(template, target, users, gpusPerNode);
    if (found.length === 0) unplaced.push(target.id);
    deployments.push(...(chosen ? found : found.slice(0, 1)));
  }
  deployments.sort((a, b) => a.gpuCount - b.gpuCount || b.headroomBytes - a.headroomBytes);
  return {
    model: first.model,
    engine,
    inputs: {
      ctx: first.inputs.ctx,
      users,
      dtype: first.inputs.dtype,
      kvDtype: first.inputs.kvDtype,
      gpu: chosen?.id ?? null,
      gpusPerNode,
      top,
      format: first.inputs.format,
      units: first.inputs.units,
    },
    deployments: deployments.slice(0, top),
    unplaced,
    // The model's own warnings and the context's; the one-GPU template's verdicts are not the plan's.
    warnings: [...model.warnings, ...(tooLong ? [tooLong] : [])],
  };
}
