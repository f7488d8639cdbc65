/**
 * One model of a deployment for every command: --gpus is the total GPU count; --tp, --pp and --dp
 * say how they are used (tensor-parallel GPUs per stage, pipeline stages per replica, replicas),
 * and total = tp × pp × dp (training adds --cp: total = tp × pp × cp × dp), at most 4,096.
 *
 * Defaults follow the engine:
 *   serving (vLLM, SGLang, TensorRT-LLM, generic, estimate inference): one replica; tensor parallel
 *     within a node first (tp = min(GPUs per replica, --gpus-per-node)), pipeline stages across
 *     nodes (pp = GPUs per replica ÷ tp) — vLLM's and SGLang's multi-node recipe;
 *   tensor (transformers, which has no pipeline stages): tp = GPUs per replica;
 *   layers (llama.cpp): its layers split over a replica's GPUs (--split-mode layer): tp = 1, pp = GPUs;
 *   training: data parallel (ZeRO/FSDP): tp = pp = cp = 1, dp = GPUs ÷ (tp × pp × cp).
 * Without --gpus the total is the product of the degrees given (each default 1).
 */
import { allLayerGroups, layerCount } from '../core/architecture.js';
import { UserError } from '../core/errors.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import { formatInt } from '../core/units.js';
import { DEFAULTS } from './defaults.js';
import type { GpuTarget } from './gpuTarget.js';
import type { LoadedModel } from './model.js';

export interface DeploymentInput {
  /** Total GPUs. */
  gpus?: number | undefined;
  tp?: number | undefined;
  pp?: number | undefined;
  dp?: number | undefined;
  /** Training: context-parallel degree. */
  cp?: number | undefined;
  gpusPerNode?: number | undefined;
}

export interface Deployment {
  /** All GPUs: tensorParallel × pipelineParallel × contextParallel × dataParallel. */
  gpuCount: number;
  tensorParallel: number;
  pipelineParallel: number;
  contextParallel: number;
  /** Replicas (serving) or data-parallel ranks (training). */
  dataParallel: number;
  gpusPerNode: number;
}

/** How a deployment's GPUs are used by default (see the docblock). */
export type DeploymentStyle = 'serving' | 'tensor' | 'layers' | 'training';

type Degrees = Pick<Deployment, 'tensorParallel' | 'pipelineParallel' | 'dataParallel'>;

function quotient(total: number, divisor: number, what: string): number {
  if (total % divisor !== 0) throw new UserError(`--gpus: ${total} is not a multiple of ${what} = ${divisor}`);
  return total / divisor;
}

function times(parts: Record<string, number | undefined>): string {
  return Object.entries(parts)
    .filter((entry): entry is [string, number] => entry[1] !== undefined && entry[1] > 1)
    .map(([flag, value]) => `--${flag} ${value}`)
    .join(' × ');
}

/** The degrees left out, from --gpus and the ones given (serving, tensor and layers styles). */
function servingDegrees(
  gpus: number,
  input: DeploymentInput,
  style: Exclude<DeploymentStyle, 'training'>,
  node: number,
): Degrees {
  const { tp, pp, dp } = input;
  if (style === 'layers') return layerDegrees(gpus, pp, dp);
  if (dp === undefined && tp !== undefined && pp !== undefined) {
    return {
      tensorParallel: tp,
      pipelineParallel: pp,
      dataParallel: quotient(gpus, tp * pp, `--tp ${tp} × --pp ${pp}`),
    };
  }
  const dataParallel = dp ?? DEFAULTS.dataParallel;
  const perReplica = quotient(gpus, dataParallel, `--dp ${dataParallel}`);
  if (tp !== undefined && pp !== undefined) return { tensorParallel: tp, pipelineParallel: pp, dataParallel };
  if (tp !== undefined)
    return {
      tensorParallel: tp,
      pipelineParallel: quotient(gpus, tp * dataParallel, times({ tp, dp }) || `--tp ${tp}`),
      dataParallel,
    };
  if (pp !== undefined)
    return {
      tensorParallel: quotient(gpus, pp * dataParallel, times({ pp, dp }) || `--pp ${pp}`),
      pipelineParallel: pp,
      dataParallel,
    };
  if (style === 'tensor') return { tensorParallel: perReplica, pipelineParallel: 1, dataParallel };
  const tensorParallel = Math.min(perReplica, node);
  if (perReplica % tensorParallel !== 0) {
    throw new UserError(
      `--gpus: ${perReplica} GPUs per replica do not fill whole nodes of ${node} (--gpus-per-node); give --tp and --pp (e.g. --tp ${gcd(perReplica, node)} --pp ${perReplica / gcd(perReplica, node)})`,
    );
  }
  return { tensorParallel, pipelineParallel: perReplica / tensorParallel, dataParallel };
}

/** llama.cpp: tp = 1; the layers split over pp GPUs per replica. */
function layerDegrees(gpus: number, pp: number | undefined, dp: number | undefined): Degrees {
  if (pp !== undefined)
    return { tensorParallel: 1, pipelineParallel: pp, dataParallel: dp ?? quotient(gpus, pp, `--pp ${pp}`) };
  const dataParallel = dp ?? DEFAULTS.dataParallel;
  return { tensorParallel: 1, pipelineParallel: quotient(gpus, dataParallel, `--dp ${dataParallel}`), dataParallel };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Training: data parallel over what tensor, pipeline and context parallelism leave. */
function trainingDegrees(input: DeploymentInput): Omit<Deployment, 'gpuCount' | 'gpusPerNode'> {
  const tensorParallel = input.tp ?? 1;
  const pipelineParallel = input.pp ?? 1;
  const contextParallel = input.cp ?? 1;
  const modelParallel = tensorParallel * pipelineParallel * contextParallel;
  if (input.gpus === undefined)
    return { tensorParallel, pipelineParallel, contextParallel, dataParallel: input.dp ?? 1 };
  if (input.gpus % modelParallel !== 0) {
    throw new UserError(
      `--gpus: ${input.gpus} is not a multiple of --tp ${tensorParallel} × --pp ${pipelineParallel} × --cp ${contextParallel} = ${modelParallel}; the data-parallel degree must be a whole number`,
    );
  }
  return { tensorParallel, pipelineParallel, contextParallel, dataParallel: input.dp ?? input.gpus / modelParallel };
}

function checkStyle(input: DeploymentInput, style: DeploymentStyle): void {
  const degrees = {
    gpus: input.gpus,
    tp: input.tp,
    pp: input.pp,
    dp: input.dp,
    cp: input.cp,
    'gpus-per-node': input.gpusPerNode,
  };
  for (const [flag, value] of Object.entries(degrees)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new UserError(`--${flag}: ${value} is not a positive whole number`);
  }
  if (style !== 'training' && input.cp !== undefined && input.cp > 1)
    throw new UserError('--cp: context parallelism is a training plan; serving has no --cp');
  if (style === 'layers' && input.tp !== undefined && input.tp > 1) {
    throw new UserError(
      '--tp: llama.cpp splits layers over its GPUs (--split-mode layer); a tensor-parallel row split is not modelled, so give --gpus or --pp',
    );
  }
}

function checkTotal(input: DeploymentInput, deployment: Deployment, style: DeploymentStyle): void {
  const parts = {
    tp: deployment.tensorParallel,
    pp: deployment.pipelineParallel,
    ...(style === 'training' ? { cp: deployment.contextParallel } : {}),
    dp: deployment.dataParallel,
  };
  if (input.gpus !== undefined && deployment.gpuCount !== input.gpus) {
    const text = Object.entries(parts)
      .map(([flag, value]) => `--${flag} ${value}`)
      .join(' × ');
    throw new UserError(
      `--gpus: ${input.gpus} is not ${text} = ${deployment.gpuCount}; give --gpus as their product, or leave one degree out to derive it`,
    );
  }
  if (deployment.gpuCount > MAX_GPU_COUNT) {
    throw new UserError(
      `--gpus: ${times(parts)} = ${formatInt(deployment.gpuCount)} GPUs is more than the ${formatInt(MAX_GPU_COUNT)} vram plans for`,
    );
  }
}

/** The deployment the options describe, every degree resolved (see the docblock). */
export function resolveDeployment(input: DeploymentInput, style: DeploymentStyle): Deployment {
  checkStyle(input, style);
  const gpusPerNode = input.gpusPerNode ?? DEFAULTS.gpusPerNode;
  const given = { tensorParallel: input.tp ?? 1, pipelineParallel: input.pp ?? 1, dataParallel: input.dp ?? 1 };
  const serving =
    style === 'training'
      ? null
      : input.gpus === undefined
        ? given
        : servingDegrees(input.gpus, input, style, gpusPerNode);
  const degrees = serving === null ? trainingDegrees(input) : Object.assign({ contextParallel: 1 }, serving);
  const gpuCount = degrees.tensorParallel * degrees.pipelineParallel * degrees.contextParallel * degrees.dataParallel;
  const deployment: Deployment = {
    tensorParallel: degrees.tensorParallel,
    pipelineParallel: degrees.pipelineParallel,
    contextParallel: degrees.contextParallel,
    dataParallel: degrees.dataParallel,
    gpuCount,
    gpusPerNode,
  };
  checkTotal(input, deployment, style);
  return deployment;
}

/** A warning when an explicit tensor-parallel size spans nodes (engines keep it within one). */
export function deploymentWarning(deployment: Deployment): string | null {
  if (deployment.tensorParallel <= deployment.gpusPerNode) return null;
  return `--tp ${deployment.tensorParallel} spans nodes of ${deployment.gpusPerNode} GPUs (--gpus-per-node): tensor parallelism across nodes is slow; engines pipeline across nodes (--pp) instead`;
}

/** Rejects more pipeline stages than the model has layers (training and serving --pp). */
export function checkPipelineStages(stages: number, model: LoadedModel): void {
  const layers = layerCount(allLayerGroups(model.arch));
  if (stages > layers) throw new UserError(`--pp: ${stages} stages is more than ${model.id}'s ${layers} layers`);
}

/** The deployment as the JSON `inputs` echo it. */
export interface DeploymentInputs {
  gpu: string | null;
  gpuMemoryBytes: number | null;
  gpus: number;
  tp: number;
  pp: number;
  dp: number;
  gpusPerNode: number;
}

/** The deployment and the GPU it runs on, for the JSON `inputs`. */
export function deploymentInputs(deployment: Deployment, gpu: GpuTarget | null, all: boolean): DeploymentInputs {
  return {
    gpu: gpu?.id ?? (all ? 'all' : null),
    gpuMemoryBytes: gpu?.memoryBytes ?? null,
    gpus: deployment.gpuCount,
    tp: deployment.tensorParallel,
    pp: deployment.pipelineParallel,
    dp: deployment.dataParallel,
    gpusPerNode: deployment.gpusPerNode,
  };
}
