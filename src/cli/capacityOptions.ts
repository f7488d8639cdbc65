/**
 * `vram capacity` options: commander's raw strings, validated by one zod schema; engine settings
 * given for another engine are an error rather than silently ignored.
 */
import * as z from 'zod/mini';
import { ATTENTION_IMPLEMENTATIONS } from '../core/attention.js';
import { DTYPES } from '../core/dtype.js';
import { MAX_GPU_COUNT } from '../core/fit.js';
import { SLIDING_WINDOW_POLICIES } from '../core/kvCache.js';
import { ENGINES, type Engine } from '../core/serving/types.js';
import { UserError } from '../model/errors.js';
import { FORMATS, UNIT_SYSTEMS } from './choices.js';
import { DTYPE_SYNONYMS, MAX_USERS, WEIGHT_DTYPES, choice, flagName, parsed } from './estimateOptions.js';
import { parseCount, parseFraction, parseList, parseSetPair, parseSize, parseTokenCount } from './values.js';

export const capacityOptionsSchema = z.object({
  model: z.optional(z.string()),
  config: z.optional(z.string()),
  set: z._default(z.array(parsed(parseSetPair)), []),
  offline: z._default(z.boolean(), false),
  engine: z._default(choice(ENGINES), 'generic'),
  /** A catalog GPU id, or "all" for the catalog table. */
  gpu: z.optional(z.string()),
  gpus: z.optional(parsed((raw) => parseCount(raw, MAX_GPU_COUNT))),
  /** Pipeline-parallel stages (vLLM --pipeline-parallel-size); total GPUs = gpus × pp. */
  pp: z.optional(parsed((raw) => parseCount(raw, 1024))),
  /** Memory of a GPU not in the catalog. */
  gpuMemory: z.optional(parsed(parseSize)),
  /** Tokens per request; default the model's trained maximum (vLLM's default max_model_len). */
  ctx: z.optional(parsed(parseTokenCount)),
  users: z.optional(parsed((raw) => parseCount(raw, MAX_USERS))),
  dtype: z.optional(choice(WEIGHT_DTYPES, DTYPE_SYNONYMS)),
  kvDtype: z.optional(choice(DTYPES, DTYPE_SYNONYMS)),
  attention: z._default(choice(ATTENTION_IMPLEMENTATIONS), 'flash'),
  slidingWindow: z.optional(choice(SLIDING_WINDOW_POLICIES)),
  gpuMemoryUtilization: z.optional(parsed(parseFraction)),
  maxModelLen: z.optional(parsed(parseTokenCount)),
  maxNumBatchedTokens: z.optional(parsed((raw) => parseCount(raw, 2 ** 24))),
  maxNumSeqs: z.optional(parsed((raw) => parseCount(raw, 1_000_000))),
  blockSize: z.optional(parsed((raw) => parseCount(raw, 1024))),
  memFractionStatic: z.optional(parsed(parseFraction)),
  freeGpuMemoryFraction: z.optional(parsed(parseFraction)),
  ubatchSize: z.optional(parsed((raw) => parseCount(raw, 65_536))),
  sweepCtx: z.optional(parsed((raw) => parseList(raw, parseTokenCount))),
  sweepUsers: z.optional(parsed((raw) => parseList(raw, (item) => parseCount(item, MAX_USERS)))),
  assertFits: z._default(z.boolean(), false),
  format: z._default(choice(FORMATS), 'table'),
  units: z._default(choice(UNIT_SYSTEMS), 'gib'),
});
export type CapacityOptions = z.output<typeof capacityOptionsSchema>;

/** Smallest --gpu-memory accepted. */
const MIN_GPU_MEMORY_BYTES = 2 ** 20;

/** Which engine each engine-specific option belongs to. */
const ENGINE_OPTIONS: Readonly<Record<string, readonly Engine[]>> = {
  gpuMemoryUtilization: ['vllm'],
  maxModelLen: ['vllm'],
  maxNumSeqs: ['vllm'],
  blockSize: ['vllm'],
  maxNumBatchedTokens: ['vllm', 'tensorrt-llm'],
  memFractionStatic: ['sglang'],
  freeGpuMemoryFraction: ['tensorrt-llm'],
  ubatchSize: ['llama.cpp'],
  pp: ['vllm', 'sglang', 'tensorrt-llm', 'generic'],
};

export function parseCapacityOptions(raw: Record<string, unknown>): CapacityOptions {
  const result = capacityOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UserError(`${flagName(String(issue.path[0]))}: ${issue.message}`);
  }
  const options = result.data;
  if (options.model === undefined && options.config === undefined) throw new UserError('--model: no model given; pass --model <preset|dir|hf:org/name|file.gguf> or --config <config.json>');
  if (options.model !== undefined && options.config !== undefined) throw new UserError(`--config: cannot be combined with --model "${options.model}"; give one of them`);
  for (const [key, engines] of Object.entries(ENGINE_OPTIONS)) {
    if (options[key as keyof CapacityOptions] !== undefined && !engines.includes(options.engine)) {
      throw new UserError(`${flagName(key)}: applies to --engine ${engines.join(' or ')}, not ${options.engine}`);
    }
  }
  if (options.gpu === 'all' && options.gpuMemory !== undefined) throw new UserError('--gpu-memory: cannot be combined with --gpu all');
  if (options.gpu !== undefined && options.gpu !== 'all' && options.gpuMemory !== undefined) throw new UserError(`--gpu-memory: cannot be combined with --gpu ${options.gpu}; give one of them`);
  if (options.assertFits && (options.gpu === undefined || options.gpu === 'all') && options.gpuMemory === undefined) {
    throw new UserError('--assert-fits: needs --gpu <id> or --gpu-memory <size> to check against');
  }
  if (options.gpus !== undefined && (options.gpu === undefined || options.gpu === 'all') && options.gpuMemory === undefined) {
    throw new UserError(`--gpus: ${options.gpus} GPUs of which type? give --gpu <id> or --gpu-memory <size> (without them every catalog GPU is listed)`);
  }
  if (options.gpuMemory !== undefined && options.gpuMemory < MIN_GPU_MEMORY_BYTES) {
    throw new UserError(`--gpu-memory: ${options.gpuMemory.toLocaleString('en-US')} B is less than 1 MiB; give a size such as 94GiB`);
  }
  if (options.blockSize !== undefined && (options.blockSize & (options.blockSize - 1)) !== 0) {
    throw new UserError(`--block-size: ${options.blockSize} is not a power of two; vLLM's CUDA block sizes are 8, 16 or 32 (other backends: powers of two)`);
  }
  if (options.maxNumBatchedTokens !== undefined && options.maxNumSeqs !== undefined && options.maxNumBatchedTokens < options.maxNumSeqs) {
    throw new UserError(`--max-num-batched-tokens: ${options.maxNumBatchedTokens} is less than --max-num-seqs ${options.maxNumSeqs}; vLLM requires max_num_batched_tokens ≥ max_num_seqs`);
  }
  return options;
}
