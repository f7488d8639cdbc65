/**
 * Framework buffers: what the sharding framework allocates on each GPU beyond the sharded model
 * states, as DeepSpeed and PyTorch FSDP implement them by default. Each term has a low, expected and
 * high figure; `--without framework-buffers` drops them all (a framework configured otherwise).
 *
 * DeepSpeed ZeRO (`--zero 1|2|3`; deepspeedai/DeepSpeed @ edaa7221, deepspeed/runtime/zero/):
 * - reduce bucket: `reduce_bucket_size` elements (config.py default 5e8; HF's "auto" h², as
 *   transformers' trainer_config_finalize and accelerate set it) in the gradient dtype.
 *   Stage 1/2: setup_buckets (stage_1_and_2.py) allocates torch.empty(reduce_bucket_size) at the
 *   first gradient hook of each backward, a second one with overlap_comm; the flatten of the
 *   all-reduce path can add one more (high end). Stage 3: one bucket allocated at init, its
 *   reduce-scatter copy up to one more (high end).
 * - ZeRO-3 gathered parameters (stage3.py, partitioned_param_coordinator.py): the module being
 *   computed is gathered whole — its largest leaf module, Lmax, DeepSpeed's own
 *   `largest_layer_params` — while the next ones are prefetched up to `stage3_prefetch_bucket_size`
 *   (5e7; "auto" 0.9·h²); parameters under `stage3_param_persistence_threshold` (1e5; "auto" 10·h:
 *   norms, biases) stay whole on every GPU. Low: Lmax alone; high: twice Lmax + prefetch (an
 *   all-gather briefly holds input and output).
 * PyTorch FSDP (`--fsdp`; FSDP1 as accelerate and PEFT configure it: FULL_SHARD, BACKWARD_PRE,
 * limit_all_gathers; torch/distributed/fsdp/_runtime_utils.py):
 * - the root unit (embeddings and head: the large parameters outside the transformer blocks)
 *   is never resharded after forward, so it stays whole through forward and backward;
 * - one block unit being computed and one prefetched (BACKWARD_PRE, the rate limiter allows two
 *   all-gathers in flight); FSDP2's forward holds up to three (high end);
 * - the unsharded gradient of the unit before its reduce-scatter (trainable parameters only);
 *   one more in flight at the high end.
 * DDP's bucket copy of the gradients is counted with the gradients (modelStates.ts); NCCL's
 * communicator buffers are outside PyTorch's allocator and counted in the overhead.
 */
import type { ModelArchitecture } from '../architecture.js';
import { allLayerGroups, layerCount } from '../architecture.js';
import type { ByteRange } from '../component.js';
import { countParameters, trainingParameterCount } from '../parameters.js';
import { perArchitectureAndKey } from '../perArchitecture.js';
import { exact, formatInt } from '../units.js';
import { matrixParameterCount, weightMatrices } from '../weightMatrices.js';
import type { TrainingParallelism } from './modelStates.js';

/** Matrices outside the transformer blocks. */
const ROOT_KINDS: ReadonlySet<string> = new Set(['token_embd', 'output']);

/** DeepSpeed's ZeRO defaults (deepspeed/runtime/zero/config.py), in elements. */
export const DEEPSPEED_DEFAULTS = {
  reduceBucketSize: 500_000_000,
  prefetchBucketSize: 50_000_000,
  persistenceThreshold: 100_000,
} as const;

/** ZeRO's bucket sizes: DeepSpeed's defaults, HF's "auto" (derived from the hidden size), or a given reduce bucket. */
export type ZeroBuckets = { kind: 'default' } | { kind: 'auto' } | { kind: 'elements'; reduceBucketSize: number };

export interface FrameworkTerm {
  name: string;
  bytes: number;
  range: ByteRange;
  /** The formula with its numbers (written when asked for: only --explain and JSON read it). */
  formula: () => string;
}

export interface FrameworkInput {
  arch: ModelArchitecture;
  parallelism: TrainingParallelism;
  /** Bytes per stored weight element in the blocks (2 for a 16-bit base, 4 fp32, about 0.5 for NF4). */
  weightBytesPerParameter: number;
  /** Bytes per element of the embeddings and head (16-bit under QLoRA, which quantizes only the blocks' linears). */
  rootBytesPerParameter: number;
  /** Bytes per gradient element. */
  gradientBytes: number;
  /** Trainable parameters on this GPU before ZeRO sharding. */
  trainableCount: number;
  /** Whether every parameter trains (full fine-tuning), else only adapters. */
  fullTraining: boolean;
  buckets: ZeroBuckets;
}

function term(name: string, low: number, expected: number, high: number, formula: () => string): FrameworkTerm {
  return {
    name,
    bytes: exact(expected, name),
    range: { lowBytes: exact(low, name), highBytes: exact(high, name) },
    formula,
  };
}

interface BucketSizes {
  reduce: number;
  prefetch: number;
  persistence: number;
  source: string;
}

function bucketSizes(arch: ModelArchitecture, buckets: ZeroBuckets): BucketSizes {
  const h = arch.hiddenSize;
  switch (buckets.kind) {
    case 'default':
      return {
        reduce: DEEPSPEED_DEFAULTS.reduceBucketSize,
        prefetch: DEEPSPEED_DEFAULTS.prefetchBucketSize,
        persistence: DEEPSPEED_DEFAULTS.persistenceThreshold,
        source: "DeepSpeed's default",
      };
    case 'auto':
      return { reduce: h * h, prefetch: Math.floor(0.9 * h * h), persistence: 10 * h, source: 'HF "auto": h²' };
    case 'elements':
      return {
        reduce: buckets.reduceBucketSize,
        prefetch: DEEPSPEED_DEFAULTS.prefetchBucketSize,
        persistence: DEEPSPEED_DEFAULTS.persistenceThreshold,
        source: '--zero-bucket-size',
      };
  }
}

/** Parameters in one transformer block and outside the blocks (embeddings and head), on one GPU after tp; the block count. */
function unitSizes(arch: ModelArchitecture, tensorParallel: number): { block: number; root: number; layers: number } {
  const counts = countParameters(arch);
  const total = trainingParameterCount(arch);
  const layers = Math.max(1, layerCount(allLayerGroups(arch)));
  const root = counts.embeddingCount + counts.headCount;
  return {
    block: Math.ceil((total - root) / layers / tensorParallel),
    root: Math.ceil(root / tensorParallel),
    layers,
  };
}

/** Vectors (norms, biases): the parameters under ZeRO-3's persistence threshold. */
function persistentCount(arch: ModelArchitecture, threshold: number, tensorParallel: number): number {
  return Math.ceil((trainingParameterCount(arch) - largeMatrixCount(arch, threshold)) / tensorParallel);
}

/** Parameters in matrices above `threshold` elements (once per architecture and threshold: asked at every estimate). */
const largeMatrixCount = perArchitectureAndKey((arch: ModelArchitecture, threshold: number) =>
  matrixParameterCount(weightMatrices(arch).filter((m) => m.inFeatures * m.outFeatures > threshold)),
);

function deepspeedTerms(input: FrameworkInput): FrameworkTerm[] {
  const { arch, parallelism: p } = input;
  const sizes = bucketSizes(arch, input.buckets);
  const g = input.gradientBytes;
  const bucket = sizes.reduce * g;
  const terms = [
    term(
      'ZeRO reduce bucket',
      bucket,
      bucket,
      2 * bucket,
      () => `${formatInt(sizes.reduce)} elements (reduce_bucket_size, ${sizes.source}) × ${g} B`,
    ),
  ];
  if (p.zeroStage < 3) return terms;
  const w = input.weightBytesPerParameter;
  // The largest module in bytes: a block's matrix, or the embedding or head (stored as the root is).
  const largestBytes = Math.max(
    ...weightMatrices(arch).map(
      (m) =>
        (m.inFeatures * m.outFeatures * (ROOT_KINDS.has(m.kind) ? input.rootBytesPerParameter : w)) / p.tensorParallel,
    ),
  );
  const persistent = persistentCount(arch, sizes.persistence, p.tensorParallel);
  const at = (largest: number, prefetched: number) => Math.ceil(largest + (prefetched + persistent) * w);
  terms.push(
    term(
      'ZeRO-3 gathered parameters',
      at(largestBytes, 0),
      at(largestBytes, sizes.prefetch),
      at(2 * largestBytes, 2 * sizes.prefetch),
      () =>
        `${formatInt(Math.ceil(largestBytes))} B largest module + (${formatInt(sizes.prefetch)} prefetched (stage3_prefetch_bucket_size) + ${formatInt(persistent)} persistent) params × ${w} B`,
    ),
  );
  return terms;
}

function fsdpTerms(input: FrameworkInput): FrameworkTerm[] {
  const { arch, parallelism: p } = input;
  if (p.zeroStage < 3) return [];
  const units = unitSizes(arch, p.tensorParallel);
  const w = input.weightBytesPerParameter;
  const r = input.rootBytesPerParameter;
  const bytes = (count: number) => Math.ceil(count * w);
  const rootBytes = Math.ceil(units.root * r);
  const blockTrainable = input.fullTraining ? units.block : Math.ceil(input.trainableCount / units.layers);
  const rootTrainable = input.fullTraining ? units.root : 0;
  const g = input.gradientBytes;
  return [
    term(
      'FSDP unsharded root',
      rootBytes,
      rootBytes,
      rootBytes,
      () =>
        `${formatInt(units.root)} params outside the blocks (embeddings and head) × ${r} B, whole through forward and backward`,
    ),
    term(
      'FSDP gathered blocks',
      bytes(units.block),
      bytes(2 * units.block),
      bytes(3 * units.block),
      () => `2 × ${formatInt(units.block)} params per block (the block computed and the one prefetched) × ${w} B`,
    ),
    term(
      'FSDP unsharded gradients',
      blockTrainable * g,
      (blockTrainable + rootTrainable) * g,
      (2 * blockTrainable + rootTrainable) * g,
      () =>
        `${formatInt(blockTrainable + rootTrainable)} trainable params of one unit × ${g} B before its reduce-scatter`,
    ),
  ];
}

/** The framework's buffers on one GPU, term by term (none on one GPU, or when turned off). */
export function frameworkTerms(input: FrameworkInput): FrameworkTerm[] {
  const p = input.parallelism;
  if (!p.frameworkBuffers) return [];
  if (p.framework === 'deepspeed' && p.zeroStage > 0) return deepspeedTerms(input);
  if (p.framework === 'fsdp') return fsdpTerms(input);
  return [];
}
