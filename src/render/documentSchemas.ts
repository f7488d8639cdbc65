/**
 * The JSON documents vram prints (`--format json`), as zod schemas: the contract scripts read.
 * scripts/build.mjs turns each into a JSON Schema (zod's toJSONSchema) in dist/schemas/, shipped in
 * the package; test/docs/schemas.test.ts parses real output of every command with them. Top-level
 * objects are strict (a new field is a contract change, caught by the test); the echoed inputs,
 * engine settings and explain's figures are open objects with their common fields typed.
 */
import * as z from 'zod/mini';
import { COMPONENT_IDS } from '../core/component.js';
import { FRONT_ENDS } from '../core/llamaCpp/frontEnds.js';

const count = z.int();
const bytes = z.int();
const nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);
const tool = z.strictObject({ name: z.literal('vram'), version: z.string() });
const outcome = z.strictObject({ worst: z.number(), expected: z.number(), best: z.number() });
const byteRange = z.strictObject({ lowBytes: bytes, highBytes: bytes });
const deployment = z.strictObject({
  gpu: z.string(),
  name: z.string(),
  memoryBytes: bytes,
  tensorParallel: count,
  pipelineParallel: count,
  replicas: count,
  gpuCount: count,
  nodes: count,
  requiredBytesPerGpu: bytes,
  headroomBytes: z.int(),
});

/** Every input a command echoes, under its option's camelCase name (the common ones typed). */
const inputs = z.looseObject({
  format: z.enum(['table', 'json', 'markdown']),
  units: z.enum(['gib', 'gb']),
});

const component = z.strictObject({
  id: z.enum(COMPONENT_IDS),
  label: z.string(),
  bytes,
  formula: z.string(),
  expression: z.string(),
  basis: z.enum(['exact', 'model', 'heuristic']),
  range: nullable(byteRange),
  notes: z.array(z.string()),
  bytesPerGpu: z.optional(bytes),
  hostBytes: z.optional(bytes),
});

const estimateFit = z.strictObject({
  gpu: z.string(),
  gpuName: z.string(),
  gpuCount: count,
  usableBytesPerGpu: bytes,
  requiredBytesPerGpu: bytes,
  fits: z.boolean(),
  headroomBytes: z.int(),
  /** Null in training, which has no users. */
  maxUsers: z.optional(nullable(count)),
  minGpuCount: z.optional(nullable(count)),
  perGpuFloorBytes: z.optional(bytes),
  requiredRangeBytesPerGpu: z.optional(byteRange),
});

const solved = z.strictObject({ expected: nullable(count), pessimistic: nullable(count), optimistic: nullable(count) });

const llamaCppDevice = {
  layers: count,
  weightBytes: bytes,
  kvBytes: bytes,
  computeBytes: bytes,
  totalBytes: bytes,
};

/** estimate --engine llama.cpp: settings as llama.cpp resolves them, and each device's buffers. */
const llamaCppSection = z.strictObject({
  frontEnd: z.enum(FRONT_ENDS),
  backend: z.enum(['cuda', 'metal', 'cpu']),
  settings: z.strictObject({
    nCtx: count,
    nCtxSeq: count,
    sequences: count,
    contextShared: z.boolean(),
    kvUnified: z.boolean(),
    batchSize: count,
    ubatchSize: count,
    flashAttention: z.boolean(),
    kType: z.string(),
    vType: z.string(),
    outputsMax: count,
    splitMode: z.enum(['layer', 'row', 'none']),
    tensorSplit: nullable(z.array(z.number())),
  }),
  layers: z.strictObject({ total: count, units: count, gpuUnits: count, host: count }),
  kvCells: z.strictObject({ full: count, sliding: nullable(count) }),
  gpus: z.array(z.strictObject({ index: count, output: z.boolean(), ...llamaCppDevice })),
  host: z.strictObject({ ...llamaCppDevice, outputBufferBytes: bytes }),
  notes: z.array(z.string()),
  /** --solve ctx: the longest context per sequence with every layer on the GPUs (null without --solve). */
  solvedContext: nullable(solved),
  /** Apple silicon: the Mac's RAM, shared by the GPU's buffers and the host's; null elsewhere. */
  unifiedMemoryBytes: nullable(bytes),
});

export const estimateDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  mode: z.enum(['inference', 'training']),
  model: z.looseObject({ id: z.string(), source: z.string(), modelType: z.string(), parameterCount: count }),
  inputs,
  components: z.array(component),
  totalBytes: bytes,
  totalBytesPerGpu: z.optional(bytes),
  totalHostBytes: z.optional(bytes),
  fit: nullable(estimateFit),
  engine: z.optional(z.literal('llama.cpp')),
  llamaCpp: z.optional(llamaCppSection),
  solve: z.optional(
    nullable(
      z.union([
        z.strictObject({ target: z.enum(['batch', 'ctx']), value: solved }),
        z.strictObject({
          target: z.literal('gpus'),
          byZeroStage: z.array(z.strictObject({ zeroStage: count, gpuCount: solved })),
        }),
      ]),
    ),
  ),
  gpus: z.optional(
    z.array(
      z.strictObject({
        gpu: z.string(),
        name: z.string(),
        memoryBytes: bytes,
        fits: z.boolean(),
        requiredBytesPerGpu: bytes,
        minGpuCount: nullable(count),
      }),
    ),
  ),
  fewestGpus: z.optional(
    z.array(
      z.strictObject({ gpu: z.string(), name: z.string(), memoryBytes: bytes, deployment: nullable(deployment) }),
    ),
  ),
  warnings: z.array(z.string()),
});

const levels = z.strictObject({ low: z.number(), expected: z.number(), high: z.number() });

export const capacityDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  engine: z.string(),
  model: z.strictObject({ id: z.string(), source: z.string(), modelType: z.string(), parameterCount: count }),
  inputs,
  gpu: nullable(z.string()),
  gpuName: nullable(z.string()),
  gpuCount: nullable(count),
  pipelineStages: count,
  dataParallel: count,
  totalGpuCount: nullable(count),
  gpuMemoryBytes: nullable(bytes),
  perGpu: nullable(
    z.array(
      z.strictObject({
        id: z.string(),
        label: z.string(),
        bytes: z.int(),
        range: z.strictObject({ lowBytes: z.int(), highBytes: z.int() }),
        formula: z.string(),
        basis: z.enum(['exact', 'model', 'heuristic', 'derived']),
        /** llama.cpp: what the row holds in host memory (layers left on the CPU, the output buffer). */
        hostBytes: z.optional(bytes),
      }),
    ),
  ),
  kvBytesPerTokenPerGpu: nullable(bytes),
  kvCacheBytes: nullable(z.number()),
  kvCacheTokens: nullable(z.number()),
  maxConcurrency: nullable(z.number()),
  maxContextTokens: nullable(z.number()),
  minGpuCount: nullable(count),
  minTensorParallel: nullable(count),
  fits: nullable(z.boolean()),
  fitsVerdict: nullable(z.enum(['yes', 'expected-only', 'no'])),
  fitsText: nullable(z.string()),
  refusal: z.optional(nullable(z.string())),
  ranges: z.optional(
    nullable(
      z.strictObject({
        kvCacheBytes: outcome,
        kvCacheTokens: outcome,
        maxConcurrency: outcome,
        maxContextTokens: outcome,
        terms: z.record(z.string(), levels),
      }),
    ),
  ),
  sweeps: z.optional(
    z.strictObject({
      ctx: z.array(z.strictObject({ ctx: count, maxConcurrency: outcome })),
      users: z.array(z.strictObject({ users: count, maxContextTokens: outcome })),
    }),
  ),
  gpus: z.optional(
    nullable(
      z.array(z.strictObject({ gpu: z.string(), name: z.string(), memoryBytes: bytes, minGpuCount: nullable(count) })),
    ),
  ),
  notes: z.optional(z.array(z.string())),
  warnings: z.array(z.string()),
});

export const planDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  engine: z.string(),
  model: z.strictObject({ id: z.string(), source: z.string(), parameterCount: count }),
  inputs,
  deployments: z.array(z.extend(deployment, { verdict: z.enum(['yes', 'expected-only']) })),
  unplaced: z.array(z.string()),
  warnings: z.array(z.string()),
});

export const compareDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  rows: z.array(
    z.strictObject({
      model: z.string(),
      parameterCount: count,
      dtype: nullable(z.string()),
      kvDtype: z.string(),
      ctx: count,
      users: count,
      weightsBytes: bytes,
      kvCacheBytes: bytes,
      activationsBytes: bytes,
      otherBytes: bytes,
      totalBytes: bytes,
      gpu: nullable(z.string()),
      fitsOnOne: nullable(z.boolean()),
      deployment: nullable(deployment),
    }),
  ),
  warnings: z.array(z.string()),
});

export const explainDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  model: z.strictObject({ id: z.string(), parameterCount: count }),
  topics: z.array(z.strictObject({ topic: z.string(), title: z.string(), lines: z.array(z.string()) })),
  figures: z.looseObject({}),
});

export const inspectDocument = z.strictObject({
  schemaVersion: z.literal(1),
  tool,
  model: z.looseObject({ id: z.string() }),
  architecture: z.looseObject({ summary: z.string(), layerCount: count, hiddenSize: count }),
  parameters: z.looseObject({ totalCount: count, activeCount: count }),
  kvCache: z.looseObject({}),
  recurrentState: z.looseObject({}),
  layerKinds: z.array(z.looseObject({ stack: z.string(), layerCount: count, summary: z.string() })),
  quantization: z.unknown(),
  checkpoint: z.unknown(),
  warnings: z.array(z.string()),
});

export const modelsDocument = z.strictObject({
  schemaVersion: z.literal(1),
  models: z.array(
    z.strictObject({
      id: z.string(),
      aliases: z.array(z.string()),
      name: z.string(),
      family: z.string(),
      parameterCount: count,
      activeParameterCount: count,
      layerCount: count,
      hiddenSize: count,
      attentionHeadCount: count,
      kvHeadCount: count,
      maxContextTokens: count,
      kvCacheBytesPerToken: bytes,
      source: z.string(),
    }),
  ),
});

export const gpusDocument = z.strictObject({
  schemaVersion: z.literal(1),
  gpus: z.array(z.looseObject({ id: z.string(), name: z.string(), reportedMiB: count, memoryBytes: bytes })),
});

export const errorDocument = z.strictObject({
  schemaVersion: z.literal(1),
  error: z.strictObject({
    code: z.enum(['usage', 'internal']),
    exitCode: count,
    message: z.string(),
    flag: nullable(z.string()),
  }),
});

/** The document a failed command prints under --format json. */
export type ErrorJson = z.infer<typeof errorDocument>;

/** Every document, by the name of its JSON Schema file (dist/schemas/<name>.schema.json). */
export const DOCUMENT_SCHEMAS = {
  estimate: estimateDocument,
  capacity: capacityDocument,
  plan: planDocument,
  compare: compareDocument,
  explain: explainDocument,
  inspect: inspectDocument,
  models: modelsDocument,
  gpus: gpusDocument,
  error: errorDocument,
} as const;
