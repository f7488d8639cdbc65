/**
 * `vram estimate`: resolves the model-dependent defaults, runs the core and collects warnings.
 * Returns a report the renderers print; does no output itself.
 */
import type { ByteRange } from '../core/component.js';
import { type Estimate, estimateInference, estimateTraining } from '../core/estimate.js';
import { type Fit, fitInference } from '../core/fit.js';
import type { ZeroStage } from '../core/training/modelStates.js';
import { type Solved, fitTraining, solveBatch, solveContext, solveGpuCount } from '../core/training/trainingFit.js';
import { leadAttention } from '../core/architecture.js';
import { countParameters } from '../core/parameters.js';
import { formatInt } from '../core/units.js';
import { type GpuEntry, findGpu, gpuSpec } from '../model/gpus.js';
import { readHfConfig } from '../model/hfConfig.js';
import { PRESETS } from '../model/presets.js';
import type { EstimateOptions } from './estimateOptions.js';
import type { Io } from './io.js';
import { resolveInference } from './inferenceScenario.js';
import { resolveTraining } from './trainingScenario.js';
import { type LoadedModel, loadModel } from './modelSource.js';

/** Context used when --ctx is not given (capped at the model's trained maximum). */
export const DEFAULT_CONTEXT_TOKENS = 4096;

export interface EstimateReport {
  mode: 'inference' | 'training';
  model: LoadedModel & { parameterCount: number; activeParameterCount: number };
  /** Every resolved option, defaults included (the JSON `inputs`). */
  inputs: Record<string, unknown>;
  estimate: Estimate;
  gpu: GpuEntry | null;
  fit: (Fit & { requiredRange?: ByteRange }) | null;
  /** Training --solve: the largest batch or context, or the fewest GPUs per ZeRO stage. */
  solution: TrainingSolution | null;
  warnings: string[];
}

export type TrainingSolution =
  | { target: 'batch' | 'ctx'; value: Solved }
  | { target: 'gpus'; byZeroStage: { zeroStage: ZeroStage; gpuCount: Solved }[] };

/**
 * A preset of the same layout whose trained context reaches `tokens`, closest in size to
 * `parameterCount`. Presets are visited nearest published size first and read only until one
 * qualifies, so the warning costs a config read or two, not all of them.
 */
function presetForContext(tokens: number, parameterCount: number, excludeId: string, layout: string): string | null {
  const bySize = PRESETS.filter((preset) => preset.id !== excludeId).map((preset) => ({
    preset,
    distance: preset.publishedParameterCount === null ? Infinity : Math.abs(Math.log(preset.publishedParameterCount / parameterCount)),
  }));
  bySize.sort((a, b) => a.distance - b.distance);
  for (const { preset } of bySize) {
    const arch = readHfConfig(preset.config, preset.id);
    if (arch.layout === layout && arch.maxPositionCount >= tokens) return preset.id;
  }
  return null;
}

export function contextWarning(model: LoadedModel, contextTokens: number, parameterCount: number): string | null {
  const max = model.arch.maxPositionCount;
  if (contextTokens <= max) return null;
  const alternative = presetForContext(contextTokens, parameterCount, model.id, model.arch.layout);
  const suggestion = alternative ? `; ${alternative} supports ${formatInt(contextTokens)} tokens` : '';
  if (model.arch.learnedPositionCount > 0) {
    return `--ctx ${formatInt(contextTokens)} is longer than ${model.id}'s ${formatInt(max)} learned positions: the model cannot run inputs that long, so this estimate is hypothetical${suggestion}`;
  }
  return `--ctx ${formatInt(contextTokens)} is longer than ${model.id}'s trained maximum of ${formatInt(max)} tokens (max_position_embeddings); the estimate goes on, but quality past it is not guaranteed${suggestion}`;
}

export async function buildEstimateReport(options: EstimateOptions & { mode: 'inference' | 'training' }, io: Io): Promise<EstimateReport> {
  const model = await loadModel(options, io);
  const { arch } = model;
  const counts = countParameters(arch);
  const gpu = options.gpu === undefined ? null : findGpu(options.gpu);
  const gpuCount = options.gpus ?? 1;
  const contextTokens = options.ctx ?? Math.min(DEFAULT_CONTEXT_TOKENS, arch.maxPositionCount);
  const warnings: string[] = [...model.warnings];
  const tooLong = contextWarning(model, contextTokens, counts.totalCount);
  if (tooLong) warnings.push(tooLong);
  const common = {
    model: model.sourceKind === 'config' ? null : model.id,
    config: model.sourceKind === 'config' ? model.source : null,
    mode: options.mode,
    ctx: contextTokens,
    attention: options.attention,
    overhead: options.overhead,
    set: Object.fromEntries(options.set),
    offline: options.offline,
    gpu: gpu?.id ?? null,
    gpus: gpuCount,
    assertFits: options.assertFits,
    format: options.format,
    units: options.units,
    explain: options.explain,
  };

  let estimate: Estimate;
  let fit: EstimateReport['fit'] = null;
  let solution: TrainingSolution | null = null;
  let inputs: Record<string, unknown>;
  if (options.mode === 'inference') {
    const resolved = resolveInference(options, model, contextTokens, options.users ?? 1);
    const scenario = resolved.scenario;
    estimate = estimateInference(scenario);
    if (gpu) fit = fitInference(scenario, gpuSpec(gpu), gpuCount);
    const heads = leadAttention(arch).headCount;
    if (gpu && gpuCount > 1 && heads % gpuCount !== 0) {
      warnings.push(`--gpus ${gpuCount} does not divide the ${heads} attention heads: tensor-parallel engines need a divisor, so ${gpuCount} GPUs would run pipeline parallelism (layers split), which this estimate treats the same`);
    }
    inputs = { ...common, users: scenario.userCount, ...resolved.inputs };
  } else {
    const resolved = resolveTraining(options, model, contextTokens, warnings);
    const scenario = resolved.scenario;
    estimate = estimateTraining(scenario);
    if (gpu) {
      const spec = gpuSpec(gpu);
      fit = fitTraining(scenario, spec, estimate);
      if (options.solve === 'batch') solution = { target: 'batch', value: solveBatch(scenario, spec.memoryBytes) };
      if (options.solve === 'ctx') solution = { target: 'ctx', value: solveContext(scenario, spec.memoryBytes) };
      if (options.solve === 'gpus') solution = { target: 'gpus', byZeroStage: solveGpuCount(scenario, spec.memoryBytes) };
    }
    if (scenario.gradientAccumulation! > 1) {
      warnings.push(`--grad-accum ${scenario.gradientAccumulation}: accumulation multiplies the tokens per optimizer step, not peak memory; gradients accumulate in place in the gradient buffer counted here`);
    }
    inputs = { ...common, ...resolved.inputs };
  }
  if (gpu?.memoryIsMarketed) warnings.push(`${gpu.id}: no driver-reported memory size was found; the marketed size is used`);
  return {
    mode: options.mode,
    model: { ...model, parameterCount: counts.totalCount, activeParameterCount: counts.activeCount },
    inputs,
    estimate,
    gpu,
    fit,
    solution,
    warnings,
  };
}
