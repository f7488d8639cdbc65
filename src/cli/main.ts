/**
 * The command-line shell: `main(argv, io)` parses argv with commander, runs a command and returns
 * the exit code (core/errors.ts: 0 success; 1 unexpected internal error; 2 bad input; 3 does not fit
 * under --assert-fits). It never calls process.exit and never prints a stack trace for user errors.
 * Options come from one registry (options.ts); the actions live in actions.ts.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, ExactnessError, UserError } from '../core/errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import {
  capacityAction,
  compareAction,
  completionAction,
  estimateAction,
  explainAction,
  inspectAction,
  listingAction,
  oneLine,
  planAction,
} from './actions.js';
import { type Io, useColor } from './io.js';
import { COMMAND_OPTIONS, type CommandName, OPTIONS, helpText } from './options.js';
import { withoutTokens } from './printable.js';

const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 internal error, 2 bad input, 3 does not fit (with --assert-fits).';

const CAPACITY_EXAMPLES = `
Examples:
  $ vram capacity --model llama-70b --gpu h100-80gb --gpus 4 --engine vllm --ctx 32k
  $ vram capacity --model llama-70b --ctx 32k --users 10
  $ vram capacity --model llama-3.1-70b --gpu h100-80gb --gpus 16 --engine vllm --ctx 32k   # tp 8 × pp 2
  $ vram capacity --model llama-3.1-8b --gpu l40s --engine vllm --sweep-ctx 4k,8k,32k,128k
  $ vram capacity --model qwen2.5-7b --gpu-memory 94GiB --engine sglang --users 64 --ctx 8k --assert-fits --format json

Deployment: --gpus is the total; --tp × --pp × --dp = --gpus (tensor parallel within a node, pipeline across nodes by default).
Ranges: heuristic terms carry low/expected/high values; capacities are shown as expected (worst – best).
${EXIT_CODES_HELP}`;

const PLAN_EXAMPLES = `
Examples:
  $ vram plan --model llama-3.1-405b --dtype fp8 --ctx 128k --users 32
  $ vram plan --model llama-3.1-405b --dtype fp8 --ctx 128k --users 32 --gpu h100-80gb
  $ vram plan --model llama-70b --ctx 32k --users 10 --engine sglang --format json

Search: for each GPU type, every tensor-parallel size that splits the heads (within a node), the fewest
pipeline stages that fit, and 1, 2, 4 or 8 replicas; ranked by fewest GPUs, then most headroom.
${EXIT_CODES_HELP}`;

const ESTIMATE_EXAMPLES = `
Examples:
  $ vram estimate --model llama-70b --ctx 32k --users 10
  $ vram estimate --model llama-70b --ctx 32k --users 10 --explain
  $ vram estimate --model llama-70b --ctx 32k --users 10 --gpu h100-80gb --gpus 4 --assert-fits --format json
  $ vram estimate --model llama-70b --ctx 32k --users 10 --gpu all
  $ vram estimate --model llama-7b --train --batch 4 --ctx 4k --grad-checkpointing full
  $ vram estimate --mode training --model llama-7b --gpus 8 --zero 3 --batch 4 --ctx 4k --grad-checkpointing full
  $ vram estimate --train --model llama-2-7b --lora-rank 16 --lora-targets all-linear --qlora --gpu rtx-4090 --solve batch
  $ vram estimate --config ./config.json --dtype int4 --kv-dtype fp8 --ctx 128k
  $ vram estimate --model hf:Qwen/Qwen2.5-7B-Instruct --ctx 32k --users 8 --gpu l40s
  $ vram estimate --model ./Llama-3.1-8B-Instruct-GPTQ --ctx 8k
  $ vram estimate --model ./llama-3.1-8b.Q4_K_M.gguf --ctx 16k
  $ vram estimate --model llama-70b --set num_key_value_heads=64 --ctx 32000 --users 10 --overhead 10%

Units: --ctx 32k means 32,768 tokens; sizes print in GiB (2^30 B) or, with --units gb, GB (10^9 B).
Deployment: --gpus is the total; --tp × --pp × --dp = --gpus (training: × --cp; data parallel by default).
${EXIT_CODES_HELP}`;

type Action = (raw: Readonly<Record<string, unknown>>) => Promise<number>;

/** Adds the registry's options of `name` to a commander command. */
function withOptions(command: Command, name: CommandName): Command {
  for (const key of COMMAND_OPTIONS[name]) {
    const spec = OPTIONS[key];
    if ('repeatable' in spec)
      command.option(spec.flags, helpText(spec, name), (value: string, previous: string[] = []) => [
        ...previous,
        value,
      ]);
    else command.option(spec.flags, helpText(spec, name));
  }
  return command;
}

/** The commands that take an argument: explain [topic], inspect [model]. */
function commandsWithArguments(
  program: Command,
  io: Io,
  run: (action: () => Promise<number>) => Promise<void>,
  color: boolean,
): void {
  withOptions(
    program
      .command('explain')
      .description(
        "the interview cheat-sheet: the memory rules with their derivations, sources and vram's figures for a model",
      ),
    'explain',
  )
    .argument('[topic]', 'training, zero, kv-cache, activations, concurrency or rules-of-thumb (default: all)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vram explain\n  $ vram explain training --model llama-7b\n  $ vram explain kv-cache --model qwen2.5-72b --format markdown',
    )
    .action((topic: string | undefined, raw: Record<string, unknown>) => run(() => explainAction(topic, raw, io)));
  program
    .command('compare')
    .description('models, dtypes, contexts, users or GPUs side by side (inference): one estimate per combination')
    .option('-m, --model <list>', 'models, comma-separated: presets, directories, hf:<org>/<name>, .gguf files')
    .option('--dtype <list>', 'weight dtypes, comma-separated (e.g. bf16,fp8,int4,q4_k_m)')
    .option('--kv-dtype <list>', 'KV-cache dtypes, comma-separated')
    .option('--ctx <list>', 'contexts, comma-separated (e.g. 4k,32k,128k)')
    .option('--users <list>', 'concurrent sequences, comma-separated')
    .option('--gpu <list>', 'GPU types, comma-separated: the fewest of each that hold every row')
    .option('--offline', 'use only the Hub cache')
    .option('--format <format>', 'output format (table|json|markdown) (default: table)')
    .option('--units <units>', 'byte units: gib = 2^30 B, gb = 10^9 B (gib|gb) (default: gib)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vram compare --model llama-3.1-8b,qwen2.5-7b,mistral-7b --ctx 32k\n  $ vram compare --model llama-70b --dtype bf16,fp8,int4 --gpu h100-80gb\n  $ vram compare --model llama-3.1-8b --ctx 4k,32k,128k --users 1,8 --format json',
    )
    .action((raw: Record<string, unknown>) => run(() => compareAction(raw, io, color)));
  program
    .command('completion')
    .description('a shell completion script for bash, zsh or fish')
    .argument('[shell]', 'bash, zsh or fish')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vram completion bash > /etc/bash_completion.d/vram\n  $ vram completion zsh > ~/.zsh/completions/_vram   (a folder in $fpath)\n  $ vram completion fish > ~/.config/fish/completions/vram.fish',
    )
    .action((shell: string | undefined) => run(() => completionAction(shell, io)));
  withOptions(
    program
      .command('inspect')
      .description('where a model comes from, its architecture, parameters by part and KV bytes per token'),
    'inspect',
  )
    .argument(
      '[model]',
      'a preset, a model directory, hf:<org>/<name>[@revision][:<quant>], a .gguf file or URL, ollama:<name>[:<tag>] or lmstudio:<publisher>/<repo>[/<file>.gguf][:<quant>]',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ vram inspect deepseek-v3\n  $ vram inspect hf:Qwen/Qwen2.5-7B-Instruct --format json\n  $ vram inspect ./model.Q4_K_M.gguf',
    )
    .action((model: string | undefined, raw: Record<string, unknown>) =>
      run(() => inspectAction(model, raw, io, color)),
    );
}

function commandsOf(program: Command, io: Io, run: (action: () => Promise<number>) => Promise<void>): void {
  const color = useColor(io);
  const add = (name: string, options: CommandName, description: string, examples: string, action: Action) =>
    withOptions(program.command(name).description(description), options)
      .addHelpText('after', examples)
      .action((raw: Record<string, unknown>) => run(() => action(raw)));
  add(
    'estimate',
    'estimate',
    'memory breakdown of serving (inference) or training one model, and whether it fits on GPUs',
    ESTIMATE_EXAMPLES,
    (raw) => estimateAction(raw, io, color),
  );
  add(
    'capacity',
    'capacity',
    'serving capacity on GPUs under an engine profile: KV pool, max concurrent users, max context, GPUs needed',
    CAPACITY_EXAMPLES,
    (raw) => capacityAction(raw, io, color),
  );
  add(
    'plan',
    'plan',
    'what to run it on: the cheapest deployments (GPUs, tensor parallel × pipeline stages × replicas) that serve --ctx × --users',
    PLAN_EXAMPLES,
    (raw) => planAction(raw, io, color),
  );
  commandsWithArguments(program, io, run, color);
  for (const [name, description, example] of [
    ['models', 'list the model presets: size, shape, trained context and KV bytes per token', '--format json'],
    ['gpus', 'list the GPU catalog: memory as the driver reports it, with sources', '--format json --units gb'],
  ] as const) {
    add(name, 'listing', description, `\nExamples:\n  $ vram ${name}\n  $ vram ${name} ${example}`, (raw) =>
      listingAction(name, raw, io, color),
    );
  }
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
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
  commandsOf(program, io, async (action) => setExit(await action()));
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** The one line a failure prints, and its exit code. */
function failure(error: unknown, io: Io): { line: string; code: number } {
  if (error instanceof CommanderError) {
    const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return quiet ? { line: '', code: EXIT_OK } : { line: `error: ${oneLine(error.message)}`, code: EXIT_USAGE };
  }
  if (error instanceof ExactnessError)
    return {
      line: `error: ${oneLine(error.message)}; reduce --ctx, --users, --batch or the model's size fields`,
      code: EXIT_USAGE,
    };
  if (error instanceof UserError) return { line: `error: ${oneLine(error.message)}`, code: EXIT_USAGE };
  const message = error instanceof Error ? error.message : String(error);
  const detail = io.env.VRAM_DEBUG
    ? `\n${error instanceof Error ? error.stack : String(error)}`
    : ' (set VRAM_DEBUG=1 for details)';
  return {
    line: `error: internal error (a bug in vram): ${oneLine(message)}${detail}`,
    code: EXIT_INTERNAL,
  };
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    io.stderr.write(
      'error: no command given; run `vram --help` (commands: estimate, capacity, inspect, models, gpus)\n',
    );
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const { line, code } = failure(error, io);
    if (line === '') return code;
    const safe = withoutTokens(line, io.env);
    io.stderr.write(`${safe}\n`);
    if (asksForJson(argv)) io.stdout.write(`${JSON.stringify(errorDocument(safe, code), null, 2)}\n`);
    return code;
  }
}

/** Whether the command line asks for JSON (its last --format), read from argv: parsing may be what failed. */
function asksForJson(argv: readonly string[]): boolean {
  let format: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--format') format = argv[i + 1];
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
  });
  return format === 'json';
}

/**
 * The JSON a failed command prints on stdout under --format json, beside its stderr line, so a
 * script that parses stdout always gets a document: code "usage" (exit 2) or "internal" (exit 1),
 * the message, and the flag it names (null when none).
 */
function errorDocument(line: string, code: number) {
  const message = line.replace(/^error: /, '').split('\n')[0] ?? '';
  const flag = (/^(--[a-z][a-z0-9-]*)\b/.exec(message) ?? /'(--[a-z][a-z0-9-]*)/.exec(message))?.[1] ?? null;
  return {
    schemaVersion: 1,
    error: { code: code === EXIT_USAGE ? 'usage' : 'internal', exitCode: code, message, flag },
  };
}
