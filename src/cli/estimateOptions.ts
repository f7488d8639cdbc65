/**
 * The `vram estimate` options: commander hands over raw strings, this zod schema validates them
 * and fills every default that does not depend on the model (those are filled in
 * resolveScenario once the model is known). Errors name the flag, the value and what is allowed.
 */
import * as z from 'zod/mini';
import { ATTENTION_IMPLEMENTATIONS } from '../core/attention.js';
import { DTYPES, type Dtype } from '../core/dtype.js';
import { GGUF_FILE_TYPES } from '../core/quantization.js';
import { SLIDING_WINDOW_POLICIES } from '../core/kvCache.js';
import { MAX_GPU_COUNT, MAX_USER_COUNT } from '../core/fit.js';
import { OFFLOADS, TRAINING_OPTIMIZERS as OPTIMIZERS, TRAINING_PRECISIONS as PRECISIONS } from '../core/training/modelStates.js';
import { closestName } from '../core/suggest.js';
import { GRADIENT_CHECKPOINTING } from '../core/trainingActivations.js';
import type { OverheadSpec } from '../core/overhead.js';
import { UserError } from '../model/errors.js';
import { FORMATS, MODES, UNIT_SYSTEMS } from './choices.js';
import { ValueError, parseCount, parseOverhead, parseSetPair, parseTokenCount } from './values.js';

/** --dtype: plain dtypes and llama.cpp's GGUF file types (q4_k_m…), which follow llama.cpp's mixing rules. */
export const WEIGHT_DTYPES = [...DTYPES.filter((d) => !(d in GGUF_FILE_TYPES)), ...Object.keys(GGUF_FILE_TYPES)] as readonly string[] as readonly [Dtype | GgufFileType, ...(Dtype | GgufFileType)[]];
type GgufFileType = keyof typeof GGUF_FILE_TYPES;

/** PyTorch / Hugging Face dtype names accepted for --dtype and --kv-dtype. */
export const DTYPE_SYNONYMS = { float32: 'fp32', float16: 'fp16', half: 'fp16', bfloat16: 'bf16', float8: 'fp8' } as const;

/** Most concurrent sequences accepted by --users (the fit solver's limit too). */
export const MAX_USERS = MAX_USER_COUNT;
/** Largest micro-batch accepted by --batch. */
export const MAX_BATCH = 65_536;

/** A string parsed by `parse`; a ValueError becomes a zod issue carrying its message. */
export function parsed<T>(parse: (raw: string) => T) {
  return z.pipe(
    z.string(),
    z.transform((raw: string, ctx): T => {
      try {
        return parse(raw);
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        ctx.issues.push({ code: 'custom', message: error.message, input: raw });
        return z.NEVER;
      }
    }),
  );
}

/** One of `list`, case-insensitive (or a synonym), with the closest name suggested on a typo. */
export function choice<const T extends readonly string[]>(list: T, synonyms: Readonly<Record<string, T[number]>> = {}) {
  return parsed((raw): T[number] => {
    const value = raw.toLowerCase();
    if ((list as readonly string[]).includes(value)) return value as T[number];
    const synonym = synonyms[value];
    if (synonym !== undefined) return synonym;
    const suggestion = closestName(value, list);
    throw new ValueError(`"${raw}" is not one of ${list.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
  });
}

/** FSDP sharding strategies and the ZeRO stage each matches. */
export const FSDP_MODES = ['full_shard', 'shard_grad_op', 'hybrid', 'no_shard'] as const;
export const FSDP_ZERO_STAGE: Readonly<Record<(typeof FSDP_MODES)[number], 0 | 2 | 3>> = { full_shard: 3, shard_grad_op: 2, hybrid: 3, no_shard: 0 };
export const SOLVE_TARGETS = ['batch', 'ctx', 'gpus'] as const;

const formatOption = z._default(choice(FORMATS), 'table');
const unitsOption = z._default(choice(UNIT_SYSTEMS), 'gib');

/** --format and --units, shared by every command. */
export const outputOptionsSchema = z.object({ format: formatOption, units: unitsOption });

export const estimateOptionsSchema = z.object({
  /** Preset id or alias, a model directory, hf:<org>/<name>[@rev], or a .gguf file or URL. */
  model: z.optional(z.string()),
  /** Path to a Hugging Face config.json, or "-" for stdin. */
  config: z.optional(z.string()),
  mode: z.optional(choice(MODES)),
  /** Short form of --mode training. */
  train: z._default(z.boolean(), false),
  /** Tokens per sequence; default min(4096, the model's trained maximum). */
  ctx: z.optional(parsed(parseTokenCount)),
  /** Concurrent sequences (inference); default 1. */
  users: z.optional(parsed((raw) => parseCount(raw, MAX_USERS))),
  /** Micro-batch per GPU (training); default 1. */
  batch: z.optional(parsed((raw) => parseCount(raw, MAX_BATCH))),
  /** Weight storage: a plain dtype or a GGUF file type; default the checkpoint, quantization_config or torch_dtype. */
  dtype: z.optional(choice(WEIGHT_DTYPES, DTYPE_SYNONYMS)),
  /** KV-cache dtype; default the weights' float type. */
  kvDtype: z.optional(choice(DTYPES, DTYPE_SYNONYMS)),
  optimizer: z.optional(choice(OPTIMIZERS)),
  precision: z.optional(choice(PRECISIONS)),
  gradCheckpointing: z.optional(choice(GRADIENT_CHECKPOINTING)),
  attention: z._default(choice(ATTENTION_IMPLEMENTATIONS), 'flash'),
  /** Inference: sliding-window layers cache at most their window (cap) or every token (full). */
  slidingWindow: z.optional(choice(SLIDING_WINDOW_POLICIES)),
  /** Overhead override: "10%" or a size; default the CUDA-context + allocator model. */
  overhead: z._default(parsed(parseOverhead), { kind: 'model' } as OverheadSpec),
  /** Config overrides, field=value. */
  set: z._default(z.array(parsed(parseSetPair)), []),
  /** Use only the Hub cache; never fetch. */
  offline: z._default(z.boolean(), false),
  gpu: z.optional(z.string()),
  gpus: z.optional(parsed((raw) => parseCount(raw, MAX_GPU_COUNT))),
  // Training plans (issue 5): parallelism, sharding, fine-tuning, solvers.
  zero: z.optional(choice(['0', '1', '2', '3'] as const)),
  fsdp: z.optional(choice(FSDP_MODES)),
  tp: z.optional(parsed((raw) => parseCount(raw, 1024))),
  pp: z.optional(parsed((raw) => parseCount(raw, 1024))),
  cp: z.optional(parsed((raw) => parseCount(raw, 1024))),
  ep: z.optional(parsed((raw) => parseCount(raw, 1024))),
  sp: z._default(z.boolean(), false),
  gpusPerNode: z.optional(parsed((raw) => parseCount(raw, 1024))),
  offload: z.optional(choice(OFFLOADS)),
  zeroAccounting: z.optional(choice(['paper', 'deepspeed'] as const)),
  loraRank: z.optional(parsed((raw) => parseCount(raw, 65_536))),
  loraTargets: z.optional(z.string()),
  qlora: z._default(z.boolean(), false),
  trainEmbeddings: z._default(z.boolean(), false),
  gradAccum: z.optional(parsed((raw) => parseCount(raw, 1_000_000))),
  chunkedLoss: z._default(z.boolean(), false),
  solve: z.optional(choice(SOLVE_TARGETS)),
  assertFits: z._default(z.boolean(), false),
  format: formatOption,
  units: unitsOption,
  explain: z._default(z.boolean(), false),
});
export type EstimateOptions = z.output<typeof estimateOptionsSchema>;

/** Options that only make sense in one mode. */
const TRAINING_ONLY = ['batch', 'optimizer', 'precision', 'gradCheckpointing', 'zero', 'fsdp', 'tp', 'pp', 'cp', 'ep', 'gpusPerNode', 'offload', 'zeroAccounting', 'loraRank', 'loraTargets', 'gradAccum', 'solve'] as const;
const TRAINING_FLAGS = ['sp', 'qlora', 'trainEmbeddings', 'chunkedLoss'] as const;
const INFERENCE_ONLY = ['users', 'kvDtype', 'slidingWindow'] as const;

export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Parses with `schema`; the first issue becomes a UserError naming its flag. */
function parseFlags<T>(schema: z.ZodMiniType<T>, raw: Record<string, unknown>): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new UserError(`${flagName(String(issue.path[0]))}: ${issue.message}`);
}

/** Validates --format and --units of the listing commands. */
export function parseOutputOptions(raw: Record<string, unknown>): z.output<typeof outputOptionsSchema> {
  return parseFlags(outputOptionsSchema, { format: raw.format, units: raw.units });
}

const inspectOptionsSchema = z.object({
  model: z.optional(z.string()),
  config: z.optional(z.string()),
  set: z._default(z.array(parsed(parseSetPair)), []),
  offline: z._default(z.boolean(), false),
  format: formatOption,
  units: unitsOption,
});

/** Validates `vram inspect` options: exactly one of <model> and --config. */
export function parseInspectOptions(raw: Record<string, unknown>): z.output<typeof inspectOptionsSchema> {
  const options = parseFlags(inspectOptionsSchema, raw);
  if (options.model === undefined && options.config === undefined) throw new UserError('inspect: no model given; pass a preset, a directory, hf:<org>/<name>, a .gguf file, or --config <config.json>');
  if (options.model !== undefined && options.config !== undefined) throw new UserError(`--config: cannot be combined with the model "${options.model}"; give one of them`);
  return options;
}

/** Validates raw commander options; throws a UserError naming the first bad flag. */
export function parseEstimateOptions(raw: Record<string, unknown>): EstimateOptions & { mode: 'inference' | 'training' } {
  const options = parseFlags(estimateOptionsSchema, raw);
  if (options.train && options.mode === 'inference') throw new UserError('--train conflicts with --mode inference; give one of them');
  const mode = options.train ? 'training' : (options.mode ?? 'inference');
  if (options.model === undefined && options.config === undefined) {
    throw new UserError('--model: no model given; pass --model <preset> (see `vram models`) or --config <config.json>');
  }
  if (options.model !== undefined && options.config !== undefined) {
    throw new UserError(`--config: cannot be combined with --model "${options.model}"; give one of them`);
  }
  const misplaced =
    (mode === 'training' ? INFERENCE_ONLY : TRAINING_ONLY).find((key) => options[key] !== undefined) ??
    (mode === 'inference' ? TRAINING_FLAGS.find((key) => options[key] === true) : undefined);
  if (misplaced) {
    const other = mode === 'training' ? 'inference' : 'training';
    const hint = misplaced === 'users' ? ' (training uses --batch)' : misplaced === 'batch' ? ' (inference uses --users)' : '';
    throw new UserError(`${flagName(misplaced)}: applies to --mode ${other}, not ${mode}${hint}`);
  }
  if (options.gpu === undefined) {
    if (options.assertFits) throw new UserError('--assert-fits: needs --gpu <id> to check against (see `vram gpus`)');
    if (options.solve !== undefined) throw new UserError(`--solve: needs --gpu <id> to solve against (see \`vram gpus\`)`);
    if (options.gpus !== undefined && mode === 'inference') throw new UserError('--gpus: needs --gpu <id> (see `vram gpus`)');
  }
  if (options.zero !== undefined && options.fsdp !== undefined) throw new UserError('--fsdp: cannot be combined with --zero; give one of them');
  if ((options.qlora || options.trainEmbeddings || options.loraTargets !== undefined) && options.loraRank === undefined) {
    throw new UserError(`${options.qlora ? '--qlora' : options.trainEmbeddings ? '--train-embeddings' : '--lora-targets'}: needs --lora-rank <r>`);
  }
  return { ...options, mode };
}

