/**
 * `vram compare`: several models, dtypes, contexts, user counts or GPUs side by side: one
 * `estimate` (inference) per combination, the same plan and numbers, in one table. Pure: the caller
 * loads the models.
 */
import { UserError } from '../core/errors.js';
import { formatInt } from '../core/units.js';
import { DEFAULTS } from './defaults.js';
import { type DeploymentOption, smallestDeployment } from './deploymentSearch.js';
import { planEstimate } from './estimate.js';
import type { LoadedModel } from './model.js';

/** Rows one comparison may have (the product of its lists). */
export const MAX_COMPARE_ROWS = 64;

export interface CompareAxes {
  dtypes: readonly (string | undefined)[];
  contexts: readonly (number | undefined)[];
  users: readonly (number | undefined)[];
  gpus: readonly (string | undefined)[];
  kvDtypes: readonly (string | undefined)[];
}

export interface CompareRow {
  model: string;
  parameterCount: number;
  dtype: string | null;
  kvDtype: string;
  ctx: number;
  users: number;
  weightsBytes: number;
  kvCacheBytes: number;
  activationsBytes: number;
  otherBytes: number;
  totalBytes: number;
  /** With a GPU: whether one holds the row, and the smallest deployment of it that does (deploymentSearch.ts). */
  gpu: string | null;
  fitsOnOne: boolean | null;
  deployment: DeploymentOption | null;
}

export interface ComparePlan {
  rows: CompareRow[];
  warnings: string[];
}

function product<T>(lists: readonly (readonly T[])[]): T[][] {
  return lists.reduce<T[][]>((rows, list) => rows.flatMap((row) => list.map((item) => [...row, item])), [[]]);
}

function rowOf(model: LoadedModel, [dtype, ctx, users, gpu, kvDtype]: unknown[], warnings: Set<string>): CompareRow {
  const plan = planEstimate(model, {
    dtype: dtype as string | undefined,
    ctx: ctx as number | undefined,
    users: users as number | undefined,
    gpu: gpu as string | undefined,
    kvDtype: kvDtype as never,
  });
  for (const warning of plan.warnings) warnings.add(warning);
  const bytes = (id: string) => plan.estimate.components.find((c) => c.id === id)?.bytes ?? 0;
  const [weightsBytes, kvCacheBytes, activationsBytes] = [bytes('weights'), bytes('kv_cache'), bytes('activations')];
  const totalBytes = plan.estimate.totalBytes;
  return {
    model: model.id,
    parameterCount: plan.model.parameterCount,
    dtype: plan.inputs.dtype,
    kvDtype: plan.inputs.kvDtype,
    ctx: plan.inputs.ctx,
    users: plan.inputs.users,
    weightsBytes,
    kvCacheBytes,
    activationsBytes,
    otherBytes: totalBytes - weightsBytes - kvCacheBytes - activationsBytes,
    totalBytes,
    gpu: plan.gpu?.id ?? null,
    fitsOnOne: plan.fit?.fits ?? null,
    deployment: plan.gpu ? smallestDeployment(plan.scenario, plan.gpu, DEFAULTS.gpusPerNode) : null,
  };
}

export function planCompare(models: readonly LoadedModel[], axes: CompareAxes): ComparePlan {
  const combinations = product<unknown>([axes.dtypes, axes.contexts, axes.users, axes.gpus, axes.kvDtypes]);
  const count = models.length * combinations.length;
  if (count > MAX_COMPARE_ROWS)
    throw new UserError(
      `compare: ${formatInt(count)} combinations (the product of the lists) is more than ${MAX_COMPARE_ROWS}; shorten a list`,
    );
  const warnings = new Set<string>();
  const rows = models.flatMap((model) => combinations.map((combination) => rowOf(model, combination, warnings)));
  return { rows, warnings: [...warnings] };
}
