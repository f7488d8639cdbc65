/**
 * The command-line shell: `main(argv, io)` parses argv with commander, runs a command and returns
 * the exit code. 0 success; 1 unexpected internal error; 2 bad input; 3 does not fit under
 * --assert-fits. It never calls process.exit and never prints a stack trace for user errors.
 */
import { Command, CommanderError } from 'commander';
import { ATTENTION_IMPLEMENTATIONS } from '../core/attention.js';
import { DTYPES } from '../core/dtype.js';
import { SLIDING_WINDOW_POLICIES } from '../core/kvCache.js';
import { ENGINES } from '../core/serving/types.js';
import { TRAINING_OPTIMIZERS as OPTIMIZERS, TRAINING_PRECISIONS as PRECISIONS } from '../core/training/modelStates.js';
import { GRADIENT_CHECKPOINTING } from '../core/trainingActivations.js';
import { ExactnessError } from '../core/units.js';
import { UserError } from '../model/errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { FORMATS, MODES, UNIT_SYSTEMS } from './choices.js';
import { WEIGHT_DTYPES, parseEstimateOptions, parseInspectOptions, parseOutputOptions } from './estimateOptions.js';
import { buildEstimateReport } from './estimateReport.js';
import { DEFAULT_LORA_TARGETS } from './trainingScenario.js';
import { type Io, useColor } from './io.js';
import { printable } from './printable.js';
import { ValueError } from './values.js';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_DOES_NOT_FIT = 3;

const ISSUES_URL = 'https://github.com/vram-dev/vram/issues';

const list = (values: readonly string[]) => values.join('|');

const CAPACITY_EXAMPLES = `
Examples:
  $ vram capacity --model llama-70b --gpu h100-80gb --gpus 4 --engine vllm --ctx 32k
  $ vram capacity --model llama-70b --ctx 32k --users 10
  $ vram capacity --model llama-3.1-8b --gpu l40s --engine vllm --sweep-ctx 4k,8k,32k,128k
  $ vram capacity --model qwen2.5-7b --gpu-memory 94GiB --engine sglang --users 64 --ctx 8k --assert-fits --format json

Ranges: heuristic terms carry low/expected/high values; capacities are shown as expected (worst – best).
Exit codes: 0 ok, 1 internal error, 2 bad input, 3 does not fit (with --assert-fits).`;

const ESTIMATE_EXAMPLES = `
Examples:
  $ vram estimate --model llama-70b --ctx 32k --users 10
  $ vram estimate --model llama-70b --ctx 32k --users 10 --explain
  $ vram estimate --model llama-70b --ctx 32k --users 10 --gpu h100-80gb --gpus 4 --assert-fits --format json
  $ vram estimate --model llama-7b --train --batch 4 --ctx 4k --grad-checkpointing full
  $ vram estimate --mode training --model llama-7b --gpus 8 --zero 3 --batch 4 --ctx 4k --grad-checkpointing full
  $ vram estimate --train --model llama-2-7b --lora-rank 16 --lora-targets all-linear --qlora --gpu rtx-4090 --solve batch
  $ vram estimate --config ./config.json --dtype int4 --kv-dtype fp8 --ctx 128k
  $ vram estimate --model hf:Qwen/Qwen2.5-7B-Instruct --ctx 32k --users 8 --gpu l40s
  $ vram estimate --model ./Llama-3.1-8B-Instruct-GPTQ --ctx 8k
  $ vram estimate --model ./llama-3.1-8b.Q4_K_M.gguf --ctx 16k
  $ vram estimate --model llama-70b --set num_key_value_heads=64 --ctx 32000 --users 10 --overhead 10%

Units: --ctx 32k means 32,768 tokens; sizes print in GiB (2^30 B) or, with --units gb, GB (10^9 B).
Exit codes: 0 ok, 1 internal error, 2 bad input, 3 does not fit (with --assert-fits).`;

function outputOptions(command: Command): Command {
  return command
    .option('--format <format>', `output format (${list(FORMATS)})`, 'table')
    .option('--units <units>', `byte units: gib = 2^30 B, gb = 10^9 B (${list(UNIT_SYSTEMS)})`, 'gib');
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const color = useColor(io);
  const program = new Command()
    .name(TOOL_NAME)
    .description('How much GPU memory a transformer needs to serve or train, and what that means in GPUs and users.')
    .version(TOOL_VERSION, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    })
    .addHelpText('after', '\nRun `vram <command> --help` for the options and examples of each command.');

  const estimate = program
    .command('estimate')
    .description('memory breakdown of serving (inference) or training one model, and whether it fits on GPUs')
    .option('-m, --model <model>', 'a preset id or alias (see `vram models`), a model directory (config.json + *.safetensors), hf:<org>/<name>[@revision], or a .gguf file or URL')
    .option('-c, --config <file>', 'a Hugging Face config.json (LLaMA, Mistral, Mixtral, Qwen, Phi-3, Gemma, gpt-oss, GPT-2, NeoX, OPT, BLOOM, Falcon, DeepSeek, BERT, T5 and others: see Model types in the README); - reads stdin')
    .option('--mode <mode>', `${list(MODES)} (default: inference)`)
    .option('--train', 'short for --mode training')
    .option('--ctx <tokens>', 'tokens per sequence; k = ×1024 (32k = 32,768) (default: 4096, capped at the model maximum)')
    .option('--users <n>', 'inference: concurrent sequences (default: 1)')
    .option('--batch <n>', 'training: micro-batch size per GPU (default: 1)')
    .option('--dtype <dtype>', `weight storage: ${list(WEIGHT_DTYPES)} (GGUF types follow llama.cpp's rules) (default: the checkpoint as stored, else quantization_config, else torch_dtype, else bf16)`)
    .option('--kv-dtype <dtype>', `inference: KV-cache dtype (${list(DTYPES)}) (default: 16-bit)`)
    .option('--optimizer <name>', `training: ${list(OPTIMIZERS)} (default: adamw)`)
    .option('--precision <p>', `training: ${list(PRECISIONS)}; mixed = 16-bit weights and grads, fp32 master and states (default: mixed)`)
    .option('--grad-checkpointing <kind>', `training: ${list(GRADIENT_CHECKPOINTING)} (default: none)`)
    .option('--grad-accum <n>', 'training: gradient accumulation steps; more tokens per step, not more memory (default: 1)')
    .option('--chunked-loss', 'training: a chunked/fused cross-entropy (Liger) that never holds all the fp32 logits')
    .option('--zero <stage>', 'training: ZeRO stage over the data-parallel GPUs: 0|1|2|3 (1 shards optimizer states, 2 also gradients, 3 also weights) (default: 0)')
    .option('--fsdp <mode>', 'training: FSDP sharding instead of --zero: full_shard (= ZeRO-3)|shard_grad_op (= 2)|hybrid (3 within a node)|no_shard')
    .option('--gpus-per-node <n>', `training: GPUs per node for --fsdp hybrid (default: 8)`)
    .option('--offload <what>', 'training: move to host RAM: none|optimizer (ZeRO-Offload: states, master, grads)|optimizer+params (ZeRO-3 only) (default: none)')
    .option('--zero-accounting <kind>', "training: paper (per-GPU shares, default) or deepspeed (DeepSpeed's estimate_zero2/3_model_states_mem_needs)")
    .option('--tp <n>', 'training: tensor-parallel degree (default: 1)')
    .option('--pp <n>', 'training: pipeline-parallel stages; the most loaded stage is reported (default: 1)')
    .option('--cp <n>', 'training: context-parallel degree (sequence split for attention) (default: 1)')
    .option('--ep <n>', 'training: expert-parallel degree for MoE (default: 1)')
    .option('--sp', 'training: sequence parallelism over the --tp group (Megatron)')
    .option('--lora-rank <r>', 'training: LoRA adapters of rank r on a frozen 16-bit base')
    .option('--lora-targets <list>', `training: modules to adapt, e.g. q_proj,v_proj or all-linear (default: ${DEFAULT_LORA_TARGETS})`)
    .option('--qlora', 'training: with --lora-rank, an NF4 base (double quantization) and paged 8-bit AdamW')
    .option('--train-embeddings', 'training: with --lora-rank, also train the embeddings (and an untied head)')
    .option('--solve <what>', 'training, with --gpu: batch = largest micro-batch, ctx = longest sequence, gpus = fewest GPUs per ZeRO stage')
    .option('--attention <impl>', `${list(ATTENTION_IMPLEMENTATIONS)}; eager stores the s×s scores (default: flash)`)
    .option('--sliding-window <policy>', `inference: ${list(SLIDING_WINDOW_POLICIES)}; cap = window layers cache at most their window (vLLM, llama.cpp), full = every token (default: cap)`)
    .option('--overhead <amount>', 'override the overhead model: a share of the other components (10%) or a size per GPU (1.5GiB)')
    .option('--set <field=value>', 'override a config field for what-if questions (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--gpu <id>', 'check the fit on this GPU type (see `vram gpus`)')
    .option('--gpus <n>', 'number of GPUs; inference: weights and KV cache split evenly; training: tp × pp × cp × data-parallel (default: 1)')
    .option('--assert-fits', 'with --gpu: exit 3 when it does not fit (for CI gates)')
    .option('--offline', 'use only the Hub cache ($XDG_CACHE_HOME/vram/hub); never fetch')
    .option('--explain', 'show each formula with the numbers substituted, and the assumptions');
  outputOptions(estimate)
    .addHelpText('after', ESTIMATE_EXAMPLES)
    .action(async (raw: Record<string, unknown>) => {
      const options = parseEstimateOptions(raw);
      const report = await buildEstimateReport(options, io);
      for (const warning of report.warnings) io.stderr.write(`warning: ${oneLine(warning)}\n`);
      if (options.format === 'json') {
        const { estimateJson } = await import('../render/estimateJson.js');
        io.stdout.write(`${JSON.stringify(estimateJson(report), null, 2)}\n`);
      } else if (options.format === 'markdown') {
        const { renderEstimateMarkdown } = await import('../render/estimateMarkdown.js');
        io.stdout.write(renderEstimateMarkdown(report, options.units, options.explain));
      } else {
        const { renderEstimateText } = await import('../render/estimateText.js');
        io.stdout.write(renderEstimateText(report, { units: options.units, color, explain: options.explain }));
      }
      if (options.assertFits && report.fit && !report.fit.fits) setExit(EXIT_DOES_NOT_FIT);
    });

  const capacityCommand = program
    .command('capacity')
    .description('serving capacity on GPUs under an engine profile: KV pool, max concurrent users, max context, GPUs needed')
    .option('-m, --model <model>', 'a preset, a model directory, hf:<org>/<name>[@revision], or a .gguf file or URL')
    .option('-c, --config <file>', 'a Hugging Face config.json; - reads stdin')
    .option('--set <field=value>', 'override a config field (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--offline', 'use only the Hub cache; never fetch')
    .option('--engine <engine>', `${list(ENGINES)} (default: generic)`)
    .option('--gpu <id>', 'a catalog GPU (see `vram gpus`), or all for the GPUs each catalog type needs (the default without --gpu)')
    .option('--gpus <n>', 'tensor-parallel GPUs of that type (llama.cpp: GPUs the layers split over) (default: 1)')
    .option('--pp <n>', 'vllm, sglang, tensorrt-llm, generic: pipeline-parallel stages of --gpus GPUs each; total GPUs = --gpus × --pp (default: 1)')
    .option('--gpu-memory <size>', 'memory of a GPU not in the catalog, e.g. 94GiB')
    .option('--ctx <tokens>', 'tokens per request (vLLM max_model_len); k = ×1024 (default: the model maximum)')
    .option('--users <n>', 'concurrent requests (default: 1)')
    .option('--dtype <dtype>', `weight storage: ${list(WEIGHT_DTYPES)} (default: as stored / quantization_config / torch_dtype)`)
    .option('--kv-dtype <dtype>', `KV-cache dtype (${list(DTYPES)}) (default: the weights' float type)`)
    .option('--attention <impl>', `${list(ATTENTION_IMPLEMENTATIONS)} (default: flash)`)
    .option('--sliding-window <policy>', `${list(SLIDING_WINDOW_POLICIES)} (default: cap)`)
    .option('--gpu-memory-utilization <f>', 'vllm: share of GPU memory vLLM may use, in (0, 1] (default: 0.9)')
    .option('--max-model-len <tokens>', 'vllm: max_model_len (default: --ctx)')
    .option('--max-num-batched-tokens <n>', 'vllm, tensorrt-llm: tokens in the profiled forward (default: vLLM 8192 on ≥70 GiB GPUs other than A100, else 2048; TensorRT-LLM 8192)')
    .option('--max-num-seqs <n>', 'vllm: sequences in the profiled sampler (default: 1024 or 256, as above)')
    .option('--block-size <n>', 'vllm: tokens per KV block (default: 16)')
    .option('--mem-fraction-static <f>', 'sglang: share of GPU memory for weights + KV pool (default: 0.88 at 1 GPU … 0.79 at 16)')
    .option('--free-gpu-memory-fraction <f>', 'tensorrt-llm: share of the memory still free given to the KV pool (default: 0.9)')
    .option('--ubatch-size <n>', 'llama.cpp: micro-batch of the compute buffer (default: 512)')
    .option('--sweep-ctx <list>', 'max concurrency at each context, e.g. 4k,8k,32k,128k')
    .option('--sweep-users <list>', 'max context for each user count, e.g. 1,8,32')
    .option('--assert-fits', 'exit 3 when the workload does not fit (needs --gpu <id> or --gpu-memory)');
  outputOptions(capacityCommand)
    .addHelpText('after', CAPACITY_EXAMPLES)
    .action(async (raw: Record<string, unknown>) => {
      const { parseCapacityOptions } = await import('./capacityOptions.js');
      const options = parseCapacityOptions(raw);
      const { buildCapacityReport } = await import('./capacityReport.js');
      const report = await buildCapacityReport(options, io);
      for (const warning of report.warnings) io.stderr.write(`warning: ${oneLine(warning)}\n`);
      if (options.format === 'json') {
        const { capacityJson } = await import('../render/capacityJson.js');
        io.stdout.write(`${JSON.stringify(capacityJson(report), null, 2)}\n`);
      } else {
        const { renderCapacity } = await import('../render/capacityText.js');
        io.stdout.write(renderCapacity(report, options.format, options.units, color));
      }
      if (options.assertFits && report.capacity?.fits === 'no') setExit(EXIT_DOES_NOT_FIT);
    });

  outputOptions(
    program
      .command('inspect')
      .description('where a model comes from, its architecture, parameters by part and KV bytes per token')
      .argument('[model]', 'a preset, a model directory, hf:<org>/<name>[@revision], or a .gguf file or URL')
      .option('-c, --config <file>', 'a Hugging Face config.json instead of <model>; - reads stdin')
      .option('--set <field=value>', 'override a config field (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
      .option('--offline', 'use only the Hub cache; never fetch'),
  )
    .addHelpText('after', '\nExamples:\n  $ vram inspect deepseek-v3\n  $ vram inspect hf:Qwen/Qwen2.5-7B-Instruct --format json\n  $ vram inspect ./model.Q4_K_M.gguf')
    .action(async (model: string | undefined, raw: Record<string, unknown>) => {
      const options = parseInspectOptions({ ...raw, model });
      const { loadModel } = await import('./modelSource.js');
      const loaded = await loadModel(options, io);
      for (const warning of loaded.warnings) io.stderr.write(`warning: ${oneLine(warning)}\n`);
      const { renderInspect } = await import('../render/inspect.js');
      io.stdout.write(renderInspect(loaded, options.format, options.units, color));
    });

  const listing = (name: 'models' | 'gpus', description: string, example: string) =>
    outputOptions(program.command(name).description(description))
      .addHelpText('after', `\nExamples:\n  $ vram ${name}\n  $ vram ${name} ${example}`)
      .action(async (raw: Record<string, unknown>) => {
        const { format, units } = parseOutputOptions(raw);
        const catalogs = await import('../render/catalogs.js');
        io.stdout.write((name === 'models' ? catalogs.renderModels : catalogs.renderGpus)(format, units, color));
      });
  listing('models', 'list the model presets: size, shape, trained context and KV bytes per token', '--format json');
  listing('gpus', 'list the GPU catalog: memory as the driver reports it, with sources', '--format json --units gb');

  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function oneLine(message: string): string {
  return printable(message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim());
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    io.stderr.write('error: no command given; run `vram --help` (commands: estimate, capacity, inspect, models, gpus)\n');
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      io.stderr.write(`error: ${oneLine(error.message)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UserError || error instanceof ValueError || error instanceof ExactnessError) {
      io.stderr.write(`error: ${oneLine(error.message)}\n`);
      return EXIT_USAGE;
    }
    const detail = io.env.VRAM_DEBUG ? `\n${(error as Error).stack ?? String(error)}` : ' (set VRAM_DEBUG=1 for details)';
    io.stderr.write(`error: internal error: ${oneLine(String((error as Error)?.message ?? error))}; please report it at ${ISSUES_URL}${detail}\n`);
    return EXIT_INTERNAL;
  }
}

