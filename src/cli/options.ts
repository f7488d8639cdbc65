/**
 * Every command-line option, declared once: its flags, its parser (a zod schema from the raw
 * string to the value), its help text and the default the help prints (taken from the plan's
 * DEFAULTS, which the plans apply). The key is commander's attribute name, the plan input's field
 * and the JSON `inputs` name. Commands list the keys they take, so a shared option (--model,
 * --gpus, --format…) means the same everywhere.
 */
import * as z from 'zod/mini';
import { ATTENTION_IMPLEMENTATIONS } from '../core/attention.js';
import { DTYPES } from '../core/dtype.js';
import { MAX_GPU_COUNT, MAX_USER_COUNT } from '../core/fit.js';
import { SLIDING_WINDOW_POLICIES } from '../core/kvCache.js';
import { GGUF_FILE_TYPES } from '../core/quantization.js';
import { ENGINES } from '../core/serving/types.js';
import { FRONT_ENDS } from '../core/llamaCpp/frontEnds.js';
import { SPLIT_MODES } from '../core/llamaCpp/serving.js';
import { closestName } from '../core/suggest.js';
import {
  OFFLOADS,
  TRAINING_OPTIMIZERS,
  TRAINING_PRECISIONS,
  ZERO_STAGES,
  type ZeroStage,
} from '../core/training/modelStates.js';
import { GRADIENT_CHECKPOINTING } from '../core/trainingActivations.js';
import { ValueError } from '../core/errors.js';
import type { ZeroBuckets } from '../core/training/frameworkBuffers.js';
import { ASSERT_LEVELS, INFERENCE_ONLY, WITHOUT_TERMS, flagOf } from '../plan/common.js';
import { DEFAULTS } from '../plan/defaults.js';
import { ENGINE_SETTINGS, VLLM_ENGINE_VERSIONS } from '../plan/engineSettings.js';
import { LLAMA_CPP_OPTIONS } from '../plan/llamaCppOptions.js';
import { FSDP_MODES, SOLVE_TARGETS, TRAINING_FLAGS, TRAINING_OPTIONS, ZERO_ACCOUNTINGS } from '../plan/training.js';
import {
  parseCount,
  parseFraction,
  parseList,
  parseOverhead,
  parseSetPair,
  parseSize,
  parseTokenCount,
} from './values.js';
import { ownValue } from '../core/ownKey.js';

export const MODES = ['inference', 'training'] as const;
export const FORMATS = ['table', 'json', 'markdown'] as const;
export const UNIT_SYSTEMS = ['gib', 'gb'] as const;
/** --dtype: plain dtypes and llama.cpp's GGUF file types (q4_k_m…), which follow llama.cpp's mixing rules. */
export const WEIGHT_DTYPES: readonly string[] = [
  ...DTYPES.filter((d) => !Object.hasOwn(GGUF_FILE_TYPES, d)),
  ...Object.keys(GGUF_FILE_TYPES),
];
/** PyTorch / Hugging Face dtype names accepted for --dtype and --kv-dtype. */
/** Other spellings of dtypes: PyTorch's and Hugging Face's names, and vLLM's fp8 KV-cache formats (1 byte each). */
const DTYPE_SYNONYMS = {
  float32: 'fp32',
  float: 'fp32',
  float16: 'fp16',
  half: 'fp16',
  bfloat16: 'bf16',
  float8: 'fp8',
  fp8_e4m3: 'fp8',
  fp8_e5m2: 'fp8',
  float8_e4m3fn: 'fp8',
  float8_e5m2: 'fp8',
  f32: 'fp32',
  f16: 'fp16',
} as const;
/** Other spellings of engines (package, binary and image names). */
const ENGINE_SYNONYMS = {
  tensorrt_llm: 'tensorrt-llm',
  trtllm: 'tensorrt-llm',
  'trt-llm': 'tensorrt-llm',
  llamacpp: 'llama.cpp',
  'llama-cpp': 'llama.cpp',
  'llama-server': 'llama.cpp',
  hf: 'transformers',
} as const;
/** Other spellings of llama.cpp front ends. */
const FRONT_END_SYNONYMS = {
  server: 'llama-server',
  cli: 'llama-cli',
  'llama-completion': 'llama-completion',
  lmstudio: 'lm-studio',
  'lm studio': 'lm-studio',
  'node-llama': 'node-llama-cpp',
} as const;

/** --gpu-layers: a count, auto or max (llama.cpp's -ngl all). */
function parseGpuLayers(raw: string): number | 'auto' | 'max' {
  const text = raw.trim().toLowerCase();
  if (text === 'auto' || text === 'max') return text;
  if (text === 'all') return 'max';
  if (!/^\d+$/.test(text)) throw new ValueError(`"${raw}" is not a layer count, auto or max`);
  const value = Number(text);
  if (value > 100_000) throw new ValueError(`"${raw}" is more layers than any model has`);
  return value;
}

/** One --tensor-split share: a non-negative number. */
function parseShare(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1e6)
    throw new ValueError(`"${raw}" is not a share (a number from 0, e.g. 3,1)`);
  return value;
}

/** A flag that may say on or off (`--kv-unified`, `--kv-unified off`): a boolean. */
function onOff() {
  return z.pipe(
    z.union([z.boolean(), z.string()]),
    z.transform((raw: boolean | string, ctx): boolean => {
      if (typeof raw === 'boolean') return raw;
      const text = raw.trim().toLowerCase();
      if (['on', 'true', '1'].includes(text)) return true;
      if (['off', 'false', '0'].includes(text)) return false;
      ctx.issues.push({ code: 'custom', message: `"${raw}" is not on or off`, input: raw });
      return z.NEVER;
    }),
  );
}

/** Largest micro-batch accepted by --batch. */
const MAX_BATCH = 65_536;
/** Largest parallel degree accepted by --tp, --pp, --dp, --cp, --ep. */
const MAX_DEGREE = 1024;

/** A string parsed by `parse`; a ValueError becomes a zod issue carrying its message. */
function parsed<T>(parse: (raw: string) => T) {
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
function choice<const T extends readonly string[]>(list: T, synonyms: Readonly<Record<string, T[number]>> = {}) {
  return parsed((raw): T[number] => {
    const value = raw.toLowerCase();
    const found = list.find((item) => item === value) ?? ownValue(synonyms, value);
    if (found !== undefined) return found;
    const suggestion = closestName(value, list);
    throw new ValueError(
      `"${raw}" is not one of ${list.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  });
}

/** A flag that may name one of `list` (`--assert-fits`, `--assert-fits worst`): true, or the name. */
function flagOrChoice<const T extends readonly string[]>(list: T) {
  const named = choice(list);
  return z.pipe(
    z.union([z.boolean(), z.string()]),
    z.transform((raw: boolean | string, ctx): boolean | T[number] => {
      if (typeof raw === 'boolean') return raw;
      const result = named.safeParse(raw);
      if (result.success) return result.data;
      ctx.issues.push({ code: 'custom', message: result.error.issues[0]?.message ?? 'invalid value', input: raw });
      return z.NEVER;
    }),
  );
}

const count = (max: number) => parsed((raw) => parseCount(raw, max));
const flag = z.boolean();
const list = (values: readonly string[]) => values.join('|');

/** DeepSpeed's reduce bucket: a positive number of elements (5e8, 200000000) or auto. */
function parseZeroBuckets(raw: string): ZeroBuckets {
  const text = raw.trim().toLowerCase();
  if (text === 'auto') return { kind: 'auto' };
  if (!/^\d+(\.\d+)?(e\d+)?$/.test(text))
    throw new ValueError(`"${raw}" is not a number of elements (e.g. 5e8) or auto`);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new ValueError(`"${raw}" must be a whole number of elements, at least 1`);
  if (value > 1e12) throw new ValueError(`"${raw}" is more than the 1e12 elements vram accepts`);
  return { kind: 'elements', reduceBucketSize: value };
}

/** One of `values`, or a ValueError naming them. */
function oneOf<T extends string>(values: readonly T[], raw: string): T {
  const found = values.find((value) => value === raw);
  if (found === undefined) throw new ValueError(`"${raw}" is not one of ${values.join(', ')}`);
  return found;
}

function zeroStage(raw: string): ZeroStage {
  const stage = ZERO_STAGES.find((s) => String(s) === raw.trim());
  if (stage === undefined) throw new ValueError(`"${raw}" is not one of ${ZERO_STAGES.join(', ')}`);
  return stage;
}

interface OptionSpec {
  /** Commander's flags, e.g. '--tp <n>'. */
  flags: string;
  /** The help line, or one per command where they differ (`default` for the rest). */
  help: string | ({ default: string } & Partial<Record<CommandName, string>>);
  /** The default the help prints (per command where they differ); the plans apply it (plan/defaults.ts). */
  default?: string | number | Partial<Record<CommandName, string | number>>;
  schema: z.ZodMiniType;
  /** Repeatable (--set a=1 --set b=2): the values are collected in a list. */
  repeatable?: true;
}

/** Every option of every command (see the docblock). */
export const OPTIONS = {
  model: {
    flags: '-m, --model <model>',
    help: 'a preset id or alias (see `vram models`), a model directory (config.json + *.safetensors), hf:<org>/<name>[@revision][:<quant>], a .gguf file or URL, ollama:<name>[:<tag>], or lmstudio:<publisher>/<repo>[/<file>.gguf][:<quant>]',
    schema: z.string(),
  },
  config: {
    flags: '-c, --config <file>',
    help: 'a Hugging Face config.json (LLaMA, Mistral, Mixtral, Qwen (incl. Qwen3-Next), Phi-3, Gemma, gpt-oss, GPT-2, NeoX, OPT, BLOOM, Falcon, DeepSeek, Kimi, GLM, MiniMax, Mamba, Nemotron-H, Jamba, Granite 4.0-H, Falcon-H1, RWKV, LLaVA and Qwen-VL towers, BERT, ModernBERT, T5, Whisper, BART and others: see docs/model-types.md); - reads stdin',
    schema: z.string(),
  },
  set: {
    flags: '--set <field=value>',
    help: 'override a config field for what-if questions (repeatable)',
    schema: z.array(parsed(parseSetPair)),
    repeatable: true,
  },
  offline: { flags: '--offline', help: 'use only the Hub cache ($XDG_CACHE_HOME/vram/hub); never fetch', schema: flag },
  mode: { flags: '--mode <mode>', help: list(MODES), default: 'inference', schema: choice(MODES) },
  train: { flags: '--train', help: 'short for --mode training', schema: flag },
  engine: {
    flags: '--engine <engine>',
    help: {
      default: list(ENGINES),
      estimate: 'inference: generic|llama.cpp (the other engines: vram capacity --engine)',
    },
    default: {
      estimate: `${DEFAULTS.engine}; llama.cpp for a GGUF file or with a llama.cpp option`,
      capacity: `${DEFAULTS.engine}; llama.cpp for a GGUF file or with a llama.cpp option`,
      plan: `${DEFAULTS.planEngine} (chunked prefill, as serving fleets run)`,
    },
    schema: choice(ENGINES, ENGINE_SYNONYMS),
  },
  ctx: {
    flags: '--ctx <tokens>',
    help: 'tokens per sequence (vLLM max_model_len); k = ×1024 (32k = 32,768)',
    default: {
      estimate: "inference: the model's maximum; training: 4096, capped at it",
      capacity: "the model's maximum",
    },
    schema: parsed(parseTokenCount),
  },
  users: {
    flags: '--users <n>',
    help: 'inference: concurrent sequences',
    default: DEFAULTS.users,
    schema: count(MAX_USER_COUNT),
  },
  batch: {
    flags: '--batch <n>',
    help: 'training: micro-batch size per GPU',
    default: DEFAULTS.batch,
    schema: count(MAX_BATCH),
  },
  dtype: {
    flags: '--dtype <dtype>',
    help: `weight storage: ${list(WEIGHT_DTYPES)} (GGUF types follow llama.cpp's rules)`,
    default: 'the checkpoint as stored, else quantization_config, else torch_dtype, else bf16',
    schema: choice(WEIGHT_DTYPES, DTYPE_SYNONYMS),
  },
  kvDtype: {
    flags: '--kv-dtype <dtype>',
    help: `inference: KV-cache dtype (${list(DTYPES)})`,
    default: "the weights' float type",
    schema: choice(DTYPES, DTYPE_SYNONYMS),
  },
  attention: {
    flags: '--attention <impl>',
    help: `${list(ATTENTION_IMPLEMENTATIONS)}|auto; eager stores the s×s scores; auto is llama.cpp's -fa auto (flash where the backend has it)`,
    default: `${DEFAULTS.attention}; llama.cpp: the front end's (auto)`,
    schema: choice([...ATTENTION_IMPLEMENTATIONS, 'auto'] as const),
  },
  slidingWindow: {
    flags: '--sliding-window <policy>',
    help: `inference: ${list(SLIDING_WINDOW_POLICIES)}; cap = window layers cache at most their window (vLLM, llama.cpp), full = every token`,
    default: DEFAULTS.slidingWindow,
    schema: choice(SLIDING_WINDOW_POLICIES),
  },
  images: {
    flags: '--images <n>',
    help: 'inference: images per request the vision tower encodes at once (multimodal models); their tokens take part of --ctx',
    default: '1 for models with a vision tower',
    schema: count(1_000),
  },
  textOnly: {
    flags: '--text-only',
    help: 'inference: serve the language model of a multimodal model alone, without its vision tower',
    schema: flag,
  },
  promptTokens: {
    flags: '--prompt-tokens <n>',
    help: 'inference: tokens of each prompt: the prefill is sized on them, the KV cache on the whole --ctx (the rest is generated)',
    default: 'the whole --ctx',
    schema: parsed(parseTokenCount),
  },
  prefillBatch: {
    flags: '--prefill-batch <n>',
    help: "inference: sequences prefilled in one forward; 1 = engines that prefill one request while the others decode (vLLM, SGLang), --users = transformers' generate() on a batch",
    default: 1,
    schema: count(MAX_USER_COUNT),
  },
  mtp: {
    flags: '--mtp',
    help: "inference: load the model's multi-token-prediction layers (MTP speculative decoding: DeepSeek-V3/R1, Kimi K2, GLM-4.5); they are stored but not loaded otherwise",
    schema: flag,
  },
  optimizer: {
    flags: '--optimizer <name>',
    help: `training: ${list(TRAINING_OPTIMIZERS)}`,
    default: `${DEFAULTS.optimizer} (${DEFAULTS.qloraOptimizer} with --qlora)`,
    schema: choice(TRAINING_OPTIMIZERS),
  },
  precision: {
    flags: '--precision <p>',
    help: `training: ${list(TRAINING_PRECISIONS)}; mixed = 16-bit weights and grads, fp32 master and states`,
    default: DEFAULTS.precision,
    schema: choice(TRAINING_PRECISIONS),
  },
  gradCheckpointing: {
    flags: '--grad-checkpointing <kind>',
    help: `training: ${list(GRADIENT_CHECKPOINTING)}`,
    default: DEFAULTS.gradCheckpointing,
    schema: choice(GRADIENT_CHECKPOINTING),
  },
  gradAccum: {
    flags: '--grad-accum <n>',
    help: 'training: gradient accumulation steps; more tokens per step, not more memory',
    default: DEFAULTS.gradAccum,
    schema: count(1_000_000),
  },
  ddpBucketView: {
    flags: '--ddp-bucket-view',
    help: "training: plain data parallelism with DDP's gradient_as_bucket_view=True (gradients are views into the all-reduce buckets; without it DDP keeps a second copy)",
    schema: flag,
  },
  keepOutput: {
    flags: '--keep-output',
    help: "training: the loop keeps the model's output through backward (`output = model(...)`; `output.loss.backward()`: accelerate's examples, AnswerAI's fsdp_qlora), so its logits stay: + 4 B per logit (fp32, as transformers before 4.45 returned them; 16-bit since, 2 B). HF Trainer and TRL drop it",
    schema: flag,
  },
  chunkedLoss: {
    flags: '--chunked-loss',
    help: 'training: a chunked/fused cross-entropy (Liger) that never holds all the fp32 logits',
    schema: flag,
  },
  zero: {
    flags: '--zero <stage>',
    help: 'training: ZeRO stage over the data-parallel GPUs: 0|1|2|3 (1 shards optimizer states, 2 also gradients, 3 also weights)',
    default: DEFAULTS.zeroStage,
    schema: parsed(zeroStage),
  },
  fsdp: {
    flags: '--fsdp <mode>',
    help: `training: FSDP sharding instead of --zero: ${list(FSDP_MODES)} (= ZeRO 3, 2, 3 within a node, 0)`,
    schema: choice(FSDP_MODES),
  },
  offload: {
    flags: '--offload <what>',
    help: `training: move to host RAM: ${list(OFFLOADS)} (optimizer = ZeRO-Offload: states, master, grads; optimizer+params: ZeRO-3 only)`,
    default: DEFAULTS.offload,
    schema: choice(OFFLOADS),
  },
  zeroAccounting: {
    flags: '--zero-accounting <kind>',
    help: "training: paper (per-GPU shares) or deepspeed (DeepSpeed's estimate_zero2/3_model_states_mem_needs)",
    default: DEFAULTS.zeroAccounting,
    schema: choice(ZERO_ACCOUNTINGS),
  },
  zeroBucketSize: {
    flags: '--zero-bucket-size <n>',
    help: 'training: DeepSpeed\'s reduce_bucket_size in elements (e.g. 2e8), or auto: h², with stage3_prefetch_bucket_size 0.9·h² and stage3_param_persistence_threshold 10·h, as HF Trainer and accelerate fill "auto"',
    default: "DeepSpeed's 5e8 (prefetch 5e7, persistence 1e5)",
    schema: parsed(parseZeroBuckets),
  },
  without: {
    flags: '--without <terms>',
    help: `leave out terms your setup does not have: ${list(WITHOUT_TERMS)} (all but allocator-cache: training; optimizer-step for a fused optimizer)`,
    schema: parsed((raw) => parseList(raw, (item) => oneOf(WITHOUT_TERMS, item))),
  },
  gpu: {
    flags: '--gpu <id>',
    help: 'a catalog GPU type to check against (see `vram gpus`), or all for every catalog GPU',
    schema: z.string(),
  },
  gpuMemory: {
    flags: '--gpu-memory <size>',
    help: 'memory of a GPU not in the catalog, e.g. 94GiB',
    schema: parsed(parseSize),
  },
  gpus: {
    flags: '--gpus <n>',
    help: {
      default: 'GPUs in all: --tp × --pp × --dp',
      estimate: 'GPUs in all: --tp × --pp × --dp (training: × --cp)',
    },
    default: 'the product of the degrees given, else 1',
    schema: count(MAX_GPU_COUNT),
  },
  tp: {
    flags: '--tp <n>',
    help: 'tensor-parallel GPUs per pipeline stage',
    default: {
      estimate: 'inference: min(--gpus ÷ --dp, --gpus-per-node); training: 1',
      capacity: 'min(--gpus ÷ --dp, --gpus-per-node); llama.cpp: 1',
    },
    schema: count(MAX_DEGREE),
  },
  pp: {
    flags: '--pp <n>',
    help: 'pipeline-parallel stages (llama.cpp: the GPUs its layers split over); the most loaded stage is reported',
    default: { estimate: 'inference: --gpus ÷ (--tp × --dp); training: 1', capacity: '--gpus ÷ (--tp × --dp)' },
    schema: count(MAX_DEGREE),
  },
  dp: {
    flags: '--dp <n>',
    help: 'replicas (serving: each serves its share of --users) or data-parallel ranks (training)',
    default: { estimate: 'inference: 1; training: --gpus ÷ (--tp × --pp × --cp)', capacity: 1 },
    schema: count(MAX_GPU_COUNT),
  },
  gpusPerNode: {
    flags: '--gpus-per-node <n>',
    help: {
      default: 'GPUs per node: tensor parallelism stays within one, pipeline stages span nodes',
      estimate:
        'GPUs per node: tensor parallelism stays within one, pipeline stages span nodes; --fsdp hybrid shards within one',
    },
    default: DEFAULTS.gpusPerNode,
    schema: count(MAX_DEGREE),
  },
  cp: {
    flags: '--cp <n>',
    help: 'training: context-parallel degree (sequence split for attention)',
    default: 1,
    schema: count(MAX_DEGREE),
  },
  ep: { flags: '--ep <n>', help: 'training: expert-parallel degree for MoE', default: 1, schema: count(MAX_DEGREE) },
  sp: { flags: '--sp', help: 'training: sequence parallelism over the --tp group (Megatron)', schema: flag },
  loraRank: {
    flags: '--lora-rank <r>',
    help: 'training: LoRA adapters of rank r on a frozen 16-bit base',
    schema: count(65_536),
  },
  loraTargets: {
    flags: '--lora-targets <list>',
    help: 'training: modules to adapt, e.g. q_proj,v_proj or all-linear',
    default: DEFAULTS.loraTargets,
    schema: z.string(),
  },
  qlora: {
    flags: '--qlora',
    help: 'training: with --lora-rank, an NF4 base (double quantization) and paged 8-bit AdamW',
    schema: flag,
  },
  trainEmbeddings: {
    flags: '--train-embeddings',
    help: 'training: with --lora-rank, also train the embeddings (and an untied head)',
    schema: flag,
  },
  solve: {
    flags: '--solve <what>',
    help: `training, with --gpu: ${list(SOLVE_TARGETS)}: the largest micro-batch, the longest sequence, or the fewest GPUs per ZeRO stage`,
    schema: choice(SOLVE_TARGETS),
  },
  overhead: {
    flags: '--overhead <amount>',
    help: 'override the overhead model: a share of the other components (10%) or a size per GPU (1.5GiB)',
    schema: parsed(parseOverhead),
  },
  gpuMemoryUtilization: {
    flags: '--gpu-memory-utilization <f>',
    help: 'vllm: share of GPU memory vLLM may use, in (0, 1]',
    default: 0.9,
    schema: parsed(parseFraction),
  },
  maxModelLen: {
    flags: '--max-model-len <tokens>',
    help: 'vllm: max_model_len',
    default: '--ctx',
    schema: parsed(parseTokenCount),
  },
  maxNumBatchedTokens: {
    flags: '--max-num-batched-tokens <n>',
    help: 'vllm, tensorrt-llm: tokens in the profiled forward',
    default: 'vLLM 8192 on ≥70 GiB GPUs other than A100, else 2048; TensorRT-LLM 8192',
    schema: count(2 ** 24),
  },
  engineVersion: {
    flags: '--engine-version <v>',
    help: `vllm: whose profiling rules: ${list(VLLM_ENGINE_VERSIONS)}; v0 (before 0.8) profiled max(max_model_len, 2048) tokens and 256 sequences, with chunked prefill (2,048 tokens) above 32k`,
    default: 'v1',
    schema: choice(VLLM_ENGINE_VERSIONS),
  },
  maxNumSeqs: {
    flags: '--max-num-seqs <n>',
    help: 'vllm: sequences in the profiled sampler',
    default: '1024 or 256, as above',
    schema: count(1_000_000),
  },
  blockSize: { flags: '--block-size <n>', help: 'vllm: tokens per KV block', default: 16, schema: count(1024) },
  memFractionStatic: {
    flags: '--mem-fraction-static <f>',
    help: 'sglang: share of GPU memory for weights + KV pool',
    default: '0.88 at 1 GPU … 0.79 at 16',
    schema: parsed(parseFraction),
  },
  freeGpuMemoryFraction: {
    flags: '--free-gpu-memory-fraction <f>',
    help: 'tensorrt-llm: share of the memory still free given to the KV pool',
    default: 0.9,
    schema: parsed(parseFraction),
  },
  ubatchSize: {
    flags: '--ubatch-size <n>',
    help: 'llama.cpp: micro-batch the compute buffer is reserved for (-ub, n_ubatch; at most --batch-size)',
    default: "the front end's: 512 (node-llama-cpp: --batch-size)",
    schema: count(65_536),
  },
  batchSize: {
    flags: '--batch-size <n>',
    help: 'llama.cpp: logical batch (-b, n_batch)',
    default: "the front end's: llama-server 2048, Ollama and node-llama-cpp 512",
    schema: count(65_536),
  },
  frontEnd: {
    flags: '--front-end <name>',
    help: `llama.cpp: whose defaults to use (${list(FRONT_ENDS)}; see docs/local-inference.md)`,
    default: 'llama-server',
    schema: choice(FRONT_ENDS, FRONT_END_SYNONYMS),
  },
  gpuLayers: {
    flags: '--gpu-layers <n>',
    help: 'llama.cpp: units on the GPUs (-ngl): the last n of the layers + the output layer (output first); auto = as many as fit with 1 GiB free per GPU (--fit); max = all',
    default: "the front end's: auto (LM Studio: max)",
    schema: parsed(parseGpuLayers),
  },
  kvUnified: {
    flags: '--kv-unified [on|off]',
    help: 'llama.cpp: one KV cache shared by the sequences (--kv-unified), or one per sequence (off)',
    default: 'llama-server without --users (-np auto) and LM Studio: on; else off',
    schema: onOff(),
  },
  kDtype: {
    flags: '--k-dtype <dtype>',
    help: 'llama.cpp: K cache type (-ctk: f32|f16|bf16|q8_0|q5_1|q5_0|q4_1|q4_0)',
    default: '--kv-dtype, else f16',
    schema: choice(DTYPES, DTYPE_SYNONYMS),
  },
  vDtype: {
    flags: '--v-dtype <dtype>',
    help: 'llama.cpp: V cache type (-ctv); a quantized one needs flash attention',
    default: '--kv-dtype, else f16',
    schema: choice(DTYPES, DTYPE_SYNONYMS),
  },
  tensorSplit: {
    flags: '--tensor-split <list>',
    help: "llama.cpp: each GPU's share of the layers (-ts), e.g. 3,1",
    default: 'equal (llama.cpp splits by free memory)',
    schema: parsed((raw) => parseList(raw, parseShare)),
  },
  splitMode: {
    flags: '--split-mode <mode>',
    help: `llama.cpp: how several GPUs share the model (-sm: ${list(SPLIT_MODES)}); row is not modelled`,
    default: 'layer',
    schema: choice(SPLIT_MODES),
  },
  sweepCtx: {
    flags: '--sweep-ctx <list>',
    help: 'max concurrency at each context, e.g. 4k,8k,32k,128k',
    schema: parsed((raw) => parseList(raw, parseTokenCount)),
  },
  sweepUsers: {
    flags: '--sweep-users <list>',
    help: 'max context for each user count, e.g. 1,8,32',
    schema: parsed((raw) => parseList(raw, (item) => parseCount(item, MAX_USER_COUNT))),
  },
  assertFits: {
    flags: '--assert-fits [level]',
    help: `with a GPU type: exit 3 when it does not fit (for CI gates); level ${list(ASSERT_LEVELS)}: worst also fails when only the expected figures fit`,
    default: 'expected',
    schema: flagOrChoice(ASSERT_LEVELS),
  },
  top: {
    flags: '--top <n>',
    help: 'plan: how many deployments to list',
    default: String(DEFAULTS.planTop),
    schema: count(100),
  },
  explain: {
    flags: '--explain',
    help: 'show each formula with the numbers substituted, and the assumptions',
    schema: flag,
  },
  format: {
    flags: '--format <format>',
    help: `output format (${list(FORMATS)})`,
    default: DEFAULTS.format,
    schema: choice(FORMATS),
  },
  units: {
    flags: '--units <units>',
    help: `byte units: gib = 2^30 B, gb = 10^9 B (${list(UNIT_SYSTEMS)})`,
    default: DEFAULTS.units,
    schema: choice(UNIT_SYSTEMS),
  },
} satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof OPTIONS;

const MODEL = ['model', 'config', 'set', 'offline'] as const;
/** Serving options: the context, the weights' dtype and attention (shared with training), then the inference-only ones. */
const SERVING = ['ctx', 'dtype', 'attention', ...INFERENCE_ONLY] as const;
const DEPLOYMENT = ['gpu', 'gpuMemory', 'gpus', 'tp', 'pp', 'dp', 'gpusPerNode', 'assertFits'] as const;
const OUTPUT = ['format', 'units'] as const;
const TRAINING = [...TRAINING_OPTIONS, 'cp', ...TRAINING_FLAGS] as const;
/** llama.cpp's own options. */
const LLAMA_CPP = LLAMA_CPP_OPTIONS;
const ENGINE = ['engine', ...ENGINE_SETTINGS, 'engineVersion', ...LLAMA_CPP, 'sweepCtx', 'sweepUsers'] as const;

/** The options of each command, in the order --help lists them. */
export const COMMAND_OPTIONS = {
  estimate: [
    ...MODEL,
    'mode',
    'train',
    ...SERVING,
    ...TRAINING,
    'overhead',
    'without',
    ...DEPLOYMENT,
    'engine',
    'ubatchSize',
    ...LLAMA_CPP,
    'explain',
    ...OUTPUT,
  ],
  capacity: [...MODEL, ...SERVING, ...DEPLOYMENT, ...ENGINE, 'explain', ...OUTPUT],
  plan: [
    ...MODEL,
    ...SERVING,
    'gpu',
    'gpuMemory',
    'gpusPerNode',
    'engine',
    ...ENGINE_SETTINGS,
    'engineVersion',
    'top',
    ...OUTPUT,
  ],
  inspect: ['config', 'set', 'offline', 'explain', ...OUTPUT],
  explain: [...MODEL, ...OUTPUT],
  listing: OUTPUT,
} as const;

export type CommandName = keyof typeof COMMAND_OPTIONS;
type KeysOf<C extends CommandName> = (typeof COMMAND_OPTIONS)[C][number];
type ValueOf<K extends OptionKey> = z.output<(typeof OPTIONS)[K]['schema']>;
/** The parsed options of a command: every option optional (the plans apply the defaults). */
export type ParsedOptions<C extends CommandName> = { [K in KeysOf<C>]?: ValueOf<K> };

/**
 * One comma-separated list option of `vram compare` (--model, --dtype, --ctx, --users, --gpu,
 * --kv-dtype): each item validated as the option of the same name validates one value.
 */
export function parseListOption(key: 'dtype' | 'ctx' | 'users' | 'gpu' | 'kvDtype', raw: unknown): unknown[] {
  if (raw === undefined) return [undefined];
  const items = parseList(String(raw), (item) => item);
  return items.map((item) => {
    const result = OPTIONS[key].schema.safeParse(item);
    if (!result.success) throw new ValueError(`${flagOf(key)}: ${result.error.issues[0]?.message ?? 'invalid value'}`);
    return result.data;
  });
}

/** The help line of an option, with the default it prints. */
/**
 * The help line of an option in one command, with the default it prints. Only `estimate` has two
 * modes, so elsewhere the "inference: " that marks a mode's option is left out.
 */
export function helpText(spec: OptionSpec, command: CommandName): string {
  const line = typeof spec.help === 'string' ? spec.help : (spec.help[command] ?? spec.help.default);
  const help = command === 'estimate' ? line : line.replace(/^inference: /, '');
  const given = typeof spec.default === 'object' ? spec.default[command] : spec.default;
  return given === undefined ? help : `${help} (default: ${given})`;
}

/** Validates a command's raw commander options; the first bad value becomes a ValueError naming its flag. */
export function parseOptions<C extends CommandName>(
  command: C,
  raw: Readonly<Record<string, unknown>>,
): ParsedOptions<C> {
  const keys: readonly OptionKey[] = COMMAND_OPTIONS[command];
  const shape = Object.fromEntries(keys.map((key) => [key, z.optional(OPTIONS[key].schema)]));
  const result = z.object(shape).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValueError(`${flagOf(String(issue?.path[0]))}: ${issue?.message ?? 'invalid value'}`);
  }
  return result.data as ParsedOptions<C>;
}
