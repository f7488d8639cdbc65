/**
 * One model of a deployment for every command: --gpus is the total GPU count; --tp, --pp and --dp
 * say how they are used (tensor-parallel GPUs per stage, pipeline stages per replica, replicas),
 * and total = tp × pp × dp (training adds --cp: total = tp × pp × cp × dp).
 *
 * Defaults follow the engine:
 *   serving (vLLM, SGLang, TensorRT-LLM, generic, transformers, estimate inference): one replica;
 *     tensor parallel within a node first (tp = min(GPUs, --gpus-per-node)), pipeline stages across
 *     nodes (pp = GPUs ÷ tp) — vLLM's and SGLang's multi-node recipe;
 *   llama.cpp: layers split over the replica's GPUs (--split-mode layer), so pp = GPUs and tp = 1;
 *   training: data parallel (ZeRO/FSDP): tp = pp = cp = 1, dp = GPUs ÷ (tp × pp × cp).
 * Without --gpus the total is the product of the degrees given (each default 1).
 */
import { UserError } from '../core/errors.js';
import { DEFAULTS } from './defaults.js';

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

/** How a deployment's GPUs are used by default. */
export type DeploymentStyle = 'serving' | 'layers' | 'training';

function quotient(total: number, divisor: number, what: string): number {
  if (total % divisor !== 0) throw new UserError(`--gpus: ${total} is not a multiple of ${what} = ${divisor}`);
  return total / divisor;
}

function checkProduct(total: number, parts: Record<string, number>): void {
  const product = Object.values(parts).reduce((a, b) => a * b, 1);
  if (product === total) return;
  const text = Object.entries(parts)
    .map(([flag, value]) => `--${flag} ${value}`)
    .join(' × ');
  throw new UserError(
    `--gpus: ${total} is not ${text} = ${product}; give --gpus as their product, or leave one degree out to derive it`,
  );
}

/** Serving and llama.cpp: the degrees left out are derived from --gpus as the docblock says. */
function servingDegrees(
  input: DeploymentInput,
  style: 'serving' | 'layers',
  node: number,
): Omit<Deployment, 'gpuCount' | 'gpusPerNode' | 'contextParallel'> {
  if (style === 'layers' && input.tp !== undefined && input.tp > 1) {
    throw new UserError(
      `--tp: llama.cpp splits layers over its GPUs (--split-mode layer); a tensor-parallel row split is not modelled, so give --gpus or --pp`,
    );
  }
  if (input.gpus === undefined)
    return { tensorParallel: input.tp ?? 1, pipelineParallel: input.pp ?? 1, dataParallel: input.dp ?? 1 };
  const gpus = input.gpus;
  if (input.dp === undefined && input.tp !== undefined && input.pp !== undefined) {
    return {
      tensorParallel: input.tp,
      pipelineParallel: input.pp,
      dataParallel: quotient(gpus, input.tp * input.pp, `--tp ${input.tp} × --pp ${input.pp}`),
    };
  }
  const dataParallel = input.dp ?? DEFAULTS.dataParallel;
  const perReplica = quotient(gpus, dataParallel, `--dp ${dataParallel}`);
  if (input.tp !== undefined && input.pp !== undefined)
    return { tensorParallel: input.tp, pipelineParallel: input.pp, dataParallel };
  if (input.tp !== undefined)
    return {
      tensorParallel: input.tp,
      pipelineParallel: quotient(
        perReplica,
        input.tp,
        `--tp ${input.tp}${dataParallel > 1 ? ` × --dp ${dataParallel}` : ''}`,
      ),
      dataParallel,
    };
  if (input.pp !== undefined || style === 'layers') {
    const pp = input.pp ?? perReplica;
    return {
      tensorParallel: quotient(perReplica, pp, `--pp ${pp}${dataParallel > 1 ? ` × --dp ${dataParallel}` : ''}`),
      pipelineParallel: pp,
      dataParallel,
    };
  }
  const tensorParallel = Math.min(perReplica, node);
  if (perReplica % tensorParallel !== 0) {
    throw new UserError(
      `--gpus: ${perReplica} GPUs per replica do not fill whole nodes of ${node} (--gpus-per-node); give --tp and --pp`,
    );
  }
  return { tensorParallel, pipelineParallel: perReplica / tensorParallel, dataParallel };
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

export function resolveDeployment(input: DeploymentInput, style: DeploymentStyle): Deployment {
  const gpusPerNode = input.gpusPerNode ?? DEFAULTS.gpusPerNode;
  if (style !== 'training' && input.cp !== undefined && input.cp > 1)
    throw new UserError('--cp: context parallelism is a training plan; serving has no --cp');
  const degrees =
    style === 'training'
      ? trainingDegrees(input)
      : { ...servingDegrees(input, style, gpusPerNode), contextParallel: 1 };
  const gpuCount = degrees.tensorParallel * degrees.pipelineParallel * degrees.contextParallel * degrees.dataParallel;
  if (input.gpus !== undefined) {
    const parts = {
      tp: degrees.tensorParallel,
      pp: degrees.pipelineParallel,
      ...(style === 'training' ? { cp: degrees.contextParallel } : {}),
      dp: degrees.dataParallel,
    };
    checkProduct(input.gpus, parts);
  }
  return { ...degrees, gpuCount, gpusPerNode };
}
