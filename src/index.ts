/**
 * vram as a library: the plans the CLI runs, with the same defaults, rules and numbers, and the
 * pure estimation core beneath them.
 *
 *   import { modelFromPreset, planEstimate, estimateJson } from 'vram';
 *   const plan = planEstimate(modelFromPreset('llama-70b'), { ctx: 32768, users: 10, gpu: 'h100-80gb', gpus: 4 });
 *   plan.fit?.fits; // true
 *   estimateJson(plan); // the document `vram estimate … --format json` prints
 */
export { planEstimate, type EstimateInput, type EstimatePlan, type EstimateInputs, type CatalogFit } from './plan/estimate.js';
export { planTraining, type TrainingPlanInput, type TrainingPlan, type TrainingPlanInputs, type TrainingSolution, type BreakdownPlan } from './plan/trainingPlan.js';
export { planCapacity, type CapacityInput, type CapacityPlan, type CapacityInputs } from './plan/capacity.js';
export { modelFromPreset, modelFromConfig, type LoadedModel } from './plan/model.js';
export { resolveDeployment, type Deployment, type DeploymentInput } from './plan/deployment.js';
export { DEFAULTS } from './plan/defaults.js';
export { modelRows, gpuRows, type ModelRow, type GpuRow } from './plan/catalogs.js';
export { estimateJson, type EstimateJson } from './render/estimateJson.js';
export { capacityJson, type CapacityJson } from './render/capacityJson.js';
export type { ModelArchitecture } from './core/architecture.js';
export type { Component, ComponentId, ByteRange } from './core/component.js';
export { DTYPES, type Dtype } from './core/dtype.js';
export { estimateInference, estimateTraining, type Estimate, type InferenceScenario, type TrainingScenario } from './core/estimate.js';
export { fitInference, type Fit, type GpuSpec } from './core/fit.js';
export { countParameters, type ParameterBreakdown } from './core/parameters.js';
export { capacity, type Capacity } from './core/serving/capacity.js';
export { ENGINES, type Engine, type ServingScenario } from './core/serving/types.js';
export { UserError, ExactnessError, EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_DOES_NOT_FIT } from './core/errors.js';
export { GIB, GB, MIB } from './core/units.js';
export { readHfConfig, SUPPORTED_MODEL_TYPES } from './model/hfConfig.js';
export { PRESETS, findPreset, type Preset } from './model/presets.js';
export { GPUS, findGpu, type GpuEntry } from './model/gpus.js';
