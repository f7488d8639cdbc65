/**
 * Deployments that serve a workload on GPUs of one type, with the generic engine's layout (the one
 * `estimate` fits with, core/fit.ts): tensor parallelism within a node, of a degree that splits
 * every attention's heads (tensorParallelDegrees, as vLLM and SGLang require); pipeline stages
 * across GPUs and nodes; replicas that each serve their share of the users. For every valid
 * tensor-parallel degree and replica count the fewest stages that fit are found by bisection (the
 * requirement per GPU never grows with stages: each holds fewer layers of weights and cache, and
 * the activation reserve stays one forward). Plans are ranked by fewest GPUs, then most headroom.
 * Pure: no I/O.
 */
import { type ModelArchitecture, allLayerGroups, layerCount } from '../core/architecture.js';
import type { InferenceScenario } from '../core/estimate.js';
import { ExactnessError } from '../core/errors.js';
import {
  type GpuSpec,
  type InferenceSplit,
  MAX_GPU_COUNT,
  inferenceRequirement,
  smallestSatisfying,
} from '../core/fit.js';
import { tensorParallelDegrees } from '../core/serving/shard.js';

/** Replica counts tried: enough to show when splitting the users beats more stages, few enough to stay fast. */
const REPLICA_COUNTS = [1, 2, 4, 8] as const;

export interface DeploymentOption {
  gpu: string;
  name: string;
  memoryBytes: number;
  tensorParallel: number;
  pipelineParallel: number;
  replicas: number;
  gpuCount: number;
  /** Nodes of gpusPerNode GPUs the deployment spans. */
  nodes: number;
  /** The most loaded GPU's requirement, and what is left of its memory. */
  requiredBytesPerGpu: number;
  headroomBytes: number;
}

/** What one deployment needs on its most loaded GPU, and whether it fits; null where a figure passes 2^53. */
export type DeploymentCheck = (split: InferenceSplit) => { fits: boolean; requiredBytesPerGpu: number } | null;

/** The requirement per GPU of the estimate's layout for each split, computed once (null past 2^53). */
export type RequirementMemo = Map<string, number | null>;

/**
 * The estimate's own layout (core/fit.ts): the requirement per GPU against the GPU's memory. The
 * requirement does not depend on the GPU, so checks of several GPU types can share `memo`.
 */
export function estimateCheck(
  scenario: InferenceScenario,
  gpu: GpuSpec,
  memo: RequirementMemo = new Map(),
): DeploymentCheck {
  const requirement = inferenceRequirement(scenario);
  const requiredAt = (split: InferenceSplit): number | null => {
    const key = `${split.tensorParallel}|${split.pipelineParallel}|${split.dataParallel}`;
    if (memo.has(key)) return memo.get(key) ?? null;
    let bytes: number | null;
    try {
      bytes = requirement(scenario.userCount, split);
    } catch (error) {
      if (!(error instanceof ExactnessError)) throw error;
      bytes = null;
    }
    memo.set(key, bytes);
    return bytes;
  };
  return (split) => {
    const requiredBytesPerGpu = requiredAt(split);
    return requiredBytesPerGpu === null ? null : { fits: requiredBytesPerGpu <= gpu.memoryBytes, requiredBytesPerGpu };
  };
}

/**
 * Every deployment that fits, one per (tensor-parallel degree, replica count) with its fewest
 * stages, best first: fewest GPUs, then most headroom. Empty when none fits within MAX_GPU_COUNT.
 */
export function deploymentOptions(
  arch: ModelArchitecture,
  users: number,
  gpu: GpuSpec,
  gpusPerNode: number,
  check: DeploymentCheck,
  replicaCounts: readonly number[] = REPLICA_COUNTS,
): DeploymentOption[] {
  const layers = layerCount(allLayerGroups(arch));
  const options: DeploymentOption[] = [];
  for (const replicas of replicaCounts) {
    if (replicas > users) break;
    for (const tensorParallel of tensorParallelDegrees(arch, gpusPerNode)) {
      const maxStages = Math.min(layers, Math.floor(MAX_GPU_COUNT / (tensorParallel * replicas)));
      if (maxStages < 1) continue;
      const at = (pipelineParallel: number) => check({ tensorParallel, pipelineParallel, dataParallel: replicas });
      const pipelineParallel = smallestSatisfying(1, maxStages, (stages) => at(stages)?.fits === true);
      if (pipelineParallel === null) continue;
      const requiredBytesPerGpu = at(pipelineParallel)?.requiredBytesPerGpu ?? 0;
      const gpuCount = tensorParallel * pipelineParallel * replicas;
      options.push({
        gpu: gpu.id,
        name: gpu.name,
        memoryBytes: gpu.memoryBytes,
        tensorParallel,
        pipelineParallel,
        replicas,
        gpuCount,
        nodes: Math.ceil(gpuCount / gpusPerNode),
        requiredBytesPerGpu,
        headroomBytes: gpu.memoryBytes - requiredBytesPerGpu,
      });
    }
  }
  return options.sort((a, b) => a.gpuCount - b.gpuCount || b.headroomBytes - a.headroomBytes);
}

/**
 * The best deployment of the estimate's layout on this GPU type, or null when none fits. One
 * replica: in this layout a replica holds all the weights again, so more replicas need fewer GPUs
 * only once the stages run out (a layer each); `vram plan` searches them.
 */
export function smallestDeployment(
  scenario: InferenceScenario,
  gpu: GpuSpec,
  gpusPerNode: number,
  memo?: RequirementMemo,
): DeploymentOption | null {
  const check = estimateCheck(scenario, gpu, memo);
  return deploymentOptions(scenario.arch, scenario.userCount, gpu, gpusPerNode, check, [1])[0] ?? null;
}
