/**
 * vram as a library: the pure estimation core plus the preset and config readers.
 *
 *   import { estimateInference, readHfConfig, findPreset } from 'vram';
 *   const arch = readHfConfig(findPreset('llama-70b').config, 'llama-70b');
 *   const estimate = estimateInference({ arch, weightDtype: 'bf16', kvDtype: 'bf16',
 *     contextTokens: 32768, userCount: 10, attention: 'flash', overhead: { kind: 'model' } });
 */
export type { ModelArchitecture, MixtureOfExperts } from './core/architecture.js';
export type { Component, ComponentId, Basis, ByteRange } from './core/component.js';
export { COMPONENT_IDS, sumBytes } from './core/component.js';
export { DTYPES, DTYPE_BLOCKS, dtypeBits, dtypeBytes, type Dtype } from './core/dtype.js';
export { GGUF_FILE_TYPES, quantizedWeightsComponent, type WeightFormat } from './core/quantization.js';
export { weightMatrices, type WeightMatrix } from './core/weightMatrices.js';
export { estimateInference, estimateTraining, type Estimate, type InferenceScenario, type TrainingScenario } from './core/estimate.js';
export { fitInference, inferenceRequiredBytesPerGpu, type Fit, type GpuSpec } from './core/fit.js';
export { fitTraining, solveBatch, solveContext, solveGpuCount, trainingRequirement, type Solved } from './core/training/trainingFit.js';
export { countParameters, type ParameterBreakdown } from './core/parameters.js';
export { kvCacheBytes, kvElementsPerToken } from './core/kvCache.js';
export { TRAINING_OPTIMIZERS, TRAINING_PRECISIONS, ZERO_STAGES, OFFLOADS, modelStates, parameterShare, type TrainingOptimizer, type TrainingPrecision, type TrainingParallelism, type FineTuning } from './core/training/modelStates.js';
export { loraParameterCount, loraTargets, type LoraSpec } from './core/training/lora.js';
export { capacity, minTensorParallel, type Capacity } from './core/serving/capacity.js';
export { ENGINES, type Engine, type ServingScenario } from './core/serving/types.js';
export { CUDA_CONTEXT_BYTES, ALLOCATOR_FRAGMENTATION_PERCENT, type OverheadSpec } from './core/overhead.js';
export { GRADIENT_CHECKPOINTING, type GradientCheckpointing } from './core/trainingActivations.js';
export { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from './core/attention.js';
export { GIB, GB, MIB } from './core/units.js';
export { readHfConfig, SUPPORTED_MODEL_TYPES } from './model/hfConfig.js';
export { PRESETS, findPreset, type Preset } from './model/presets.js';
export { GPUS, findGpu, gpuSpec, type GpuEntry } from './model/gpus.js';
export { UserError } from './model/errors.js';
