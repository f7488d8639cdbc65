/**
 * vram as a library: the plans the CLI runs, with the same defaults, rules and numbers, and the
 * pure estimation core beneath them.
 *
 *   import { modelFromPreset, planEstimate, estimateJson } from 'vram';
 *   const plan = planEstimate(modelFromPreset('llama-70b'), { ctx: 32768, users: 10, gpu: 'h100-80gb', gpus: 4 });
 *   plan.fit?.fits; // true
 *   estimateJson(plan); // the document `vram estimate … --format json` prints
 */
export {
  planEstimate,
  type EstimateInput,
  type EstimatePlan,
  type EstimateInputs,
  type CatalogFit,
} from './plan/estimate.js';
export {
  planTraining,
  type TrainingPlanInput,
  type TrainingPlan,
  type TrainingPlanInputs,
  type TrainingSolution,
  type BreakdownPlan,
} from './plan/trainingPlan.js';
export { planCapacity, type CapacityInput, type CapacityPlan, type CapacityInputs } from './plan/capacity.js';
export {
  planLlamaCppEstimate,
  type EstimateLlamaCppInput,
  type LlamaCppSummary,
} from './plan/llamaCppEstimate.js';
export { resolveLlamaCppContext, type LlamaCppContext, type LlamaCppContextParams } from './core/llamaCpp/context.js';
export { llamaCppMemory, type LlamaCppMemory, type LlamaCppDevice } from './core/llamaCpp/memory.js';
export { computeTerms, type ComputeTerms } from './core/llamaCpp/computeBuffer.js';
export { FRONT_ENDS, FRONT_END_PROFILES, type FrontEnd, type FrontEndProfile } from './core/llamaCpp/frontEnds.js';
export { llamaCppMemoryOf } from './core/serving/llamaCpp.js';
export type { LlamaCppServing } from './core/llamaCpp/serving.js';
export { modelFromPreset, modelFromConfig, type LoadedModel } from './plan/model.js';
export { resolveDeployment, type Deployment, type DeploymentInput } from './plan/deployment.js';
export { DEFAULTS } from './plan/defaults.js';
export { modelRows, gpuRows, type ModelRow, type GpuRow } from './plan/catalogs.js';
export { estimateJson, type EstimateJson } from './render/estimateJson.js';
export { capacityJson, type CapacityJson } from './render/capacityJson.js';
export { DOCUMENT_SCHEMAS, type ErrorJson } from './render/documentSchemas.js';
export {
  planDeployments,
  type DeploymentPlan,
  type DeploymentPlanInput,
  type PlannedDeployment,
} from './plan/deploymentPlan.js';
export {
  deploymentOptions,
  estimateCheck,
  smallestDeployment,
  type DeploymentOption,
} from './plan/deploymentSearch.js';
export { planCompare, type ComparePlan, type CompareRow, type CompareAxes } from './plan/compare.js';
export { cheatSheet, type CheatSheet } from './plan/cheatSheet.js';
export { EXPLAIN_TOPICS, type ExplainTopic } from './plan/explainTopics.js';
// The JSON documents of plan, compare and explain, as types only (their renderers stay in the CLI).
export type { PlanJson } from './render/planText.js';
export type { CompareJson } from './render/compareText.js';
export type { CheatSheetJson } from './render/cheatSheet.js';
export { maxConcurrency, maxContextTokens, workloadNeed } from './core/serving/capacity.js';
export type { ModelArchitecture, MixtureOfExperts } from './core/architecture.js';
export type { Component, ComponentId, Basis, ByteRange } from './core/component.js';
export { COMPONENT_IDS, sumBytes } from './core/component.js';
export { DTYPES, DTYPE_BLOCKS, dtypeBits, dtypeBytes, type Dtype } from './core/dtype.js';
export { GGUF_FILE_TYPES, quantizedWeightsComponent, type WeightFormat } from './core/quantization.js';
export { weightMatrices, type WeightMatrix } from './core/weightMatrices.js';
export {
  estimateInference,
  estimateTraining,
  type Estimate,
  type InferenceScenario,
  type TrainingScenario,
} from './core/estimate.js';
export { fitInference, inferenceRequiredBytesPerGpu, type Fit, type GpuSpec, type InferenceSplit } from './core/fit.js';
export {
  fitTraining,
  solveBatch,
  solveContext,
  solveGpuCount,
  trainingRequirement,
  type Solved,
} from './core/training/trainingFit.js';
export { countParameters, type ParameterBreakdown } from './core/parameters.js';
export { kvCacheBytes, kvElementsPerToken } from './core/kvCache.js';
export {
  TRAINING_OPTIMIZERS,
  TRAINING_PRECISIONS,
  ZERO_STAGES,
  OFFLOADS,
  modelStates,
  parameterShare,
  type TrainingOptimizer,
  type TrainingPrecision,
  type TrainingParallelism,
  type FineTuning,
} from './core/training/modelStates.js';
export { loraParameterCount, loraTargets, type LoraSpec } from './core/training/lora.js';
export { capacity, minTensorParallel, type Capacity } from './core/serving/capacity.js';
export { ENGINES, type Engine, type ServingScenario } from './core/serving/types.js';
export { CUDA_CONTEXT_BYTES, ALLOCATOR_FRAGMENTATION_PERCENT, type OverheadSpec } from './core/overhead.js';
export { GRADIENT_CHECKPOINTING, type GradientCheckpointing } from './core/trainingActivations.js';
export { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from './core/attention.js';
export { UserError, ExactnessError, EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_DOES_NOT_FIT } from './core/errors.js';
export { GIB, GB, MIB } from './core/units.js';
export { readHfConfig, SUPPORTED_MODEL_TYPES } from './model/hfConfig.js';
export { PRESETS, findPreset, type Preset } from './model/presets.js';
export { GPUS, findGpu, gpuSpec, type GpuEntry } from './model/gpus.js';
