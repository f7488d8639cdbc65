/**
 * The bundle runs the same program as the source: `node bin/vram.js …` (dist/cli.cjs, with the esbuild
 * stand-ins of scripts/bundle/, loaded through its code cache) prints byte-identical stdout and stderr, and
 * exits with the same code, as main(argv, io) run in-process, for every `vram …` command in the README's
 * example blocks and the commands below. Needs `npm run build` (npm test runs it first); builds nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, run } from '../helpers.js';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'vram.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli.cjs'));
const POOL_SIZE = Math.min(8, Math.max(2, availableParallelism()));

const DESIGN_CARD = 'estimate --model llama-70b --ctx 32k --users 10';
const SERVING = 'capacity --model llama-3.1-8b --gpu h100-80gb --ctx 8k --users 4 --engine';

/** Commands beyond the README's, each with the exit code it must give. */
const MORE_COMMANDS: [string, number][] = [
  ...['generic', 'vllm', 'sglang', 'tensorrt-llm', 'llama.cpp', 'transformers'].map((e): [string, number] => [
    `${SERVING} ${e}`,
    0,
  ]),
  ['capacity --model llama-70b --gpu h100-80gb --gpus 4 --engine vllm --ctx 32k --format json', 0],
  ['capacity --model llama-3.1-8b --gpu l40s --engine vllm --sweep-ctx 4k,8k,32k,128k --format markdown', 0],
  ['capacity --model qwen2.5-7b --gpu h100-80gb --engine sglang --users 512 --ctx 32k --assert-fits', 3],
  ['inspect deepseek-v3', 0],
  ['inspect llama-70b --format json --units gb', 0],
  ['models', 0],
  ['models --format json', 0],
  ['gpus --format markdown --units gb', 0],
  [`${DESIGN_CARD} --gpu h100-80gb --gpus 4 --format json`, 0],
  [`${DESIGN_CARD} --format markdown --explain`, 0],
  [`${DESIGN_CARD} --units gb`, 0],
  [`${DESIGN_CARD} --explain`, 0],
  ['estimate --mode training --model llama-7b --gpus 8 --zero 3 --batch 4 --ctx 4k --lora-rank 16 --gpu h100-80gb', 0],
  [`${DESIGN_CARD} --gpu h100-80gb --gpus 2 --assert-fits`, 3],
  ['estimate --model llama-70 --ctx 32k', 2],
  ['estimate --model llama-7b --ctx 4x', 2],
  ['estimate --model llama-7b --no-such-flag', 2],
  ['--help', 0],
  ['estimate --help', 0],
  ['plan --model llama-3.1-405b --dtype fp8 --ctx 128k --users 32 --gpu h100-80gb --top 3', 0],
  ['plan --model llama-70b --ctx 32k --users 10 --top 3 --format json', 0],
  ['plan --model llama-3.1-8b --engine llama.cpp --format json', 2],
  ['estimate --model llama-70b --ctx 32k --users 10 --format markdown', 0],
  ['explain', 0],
  ['inspect deepseek-v3 --explain', 0],
  ['capacity --model llama-70b --gpu h100-80gb --gpus 4 --engine vllm --ctx 32k --explain', 0],
  ['compare --model llama-3.1-8b,qwen2.5-7b --dtype bf16,fp8 --ctx 8k --gpu l4', 0],
  ['compare --model llama-70b --dtype bf16,int4 --format json', 0],
  ['completion bash', 0],
  ['completion zsh', 0],
  ['completion fish', 0],
  ['explain kv-cache --model deepseek-v3 --format markdown', 0],
  ['explain training --format json --units gb', 0],
  ['--version', 0],
  ['-V', 0],
];

/** Every `vram …` line of the README's and docs/' ```sh and ```console blocks, up to a comment, redirect or pipe. */
function readmeCommands(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).map((file) => join(ROOT, 'docs', file));
  const readme = [join(ROOT, 'README.md'), ...docs].map((file) => readFileSync(file, 'utf8')).join('\n');
  const blocks = [...readme.matchAll(/```(?:sh|console)\n([\s\S]*?)```/g)].map((m) => m[1]?.replace(/\\\n\s*/g, ''));
  const lines = blocks.flatMap((block) => [...(block ?? '').matchAll(/^(?:\$ |.*&& )?(?:npx )?vram ([^#>|&\n]+)/gm)]);
  return [...new Set(lines.map((m) => (m[1] ?? '').trim()))];
}

/** Runs the built binary as a user's script would: a child process, stdin closed, NO_COLOR set. */
function spawnVram(command: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', COLUMNS: '' }, maxBuffer: 16 * 2 ** 20 };
    const child = execFile(process.execPath, [BIN, ...command.split(' ')], options, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1; // -1: killed or not run
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** Maps `items` through `task` with at most `size` tasks running at once; results in input order. */
async function mapPool<T, R>(items: T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

const README_COMMANDS = readmeCommands();
const COMMANDS = [...README_COMMANDS, ...MORE_COMMANDS.map(([command]) => command)];
const EXPECTED_CODE = new Map(MORE_COMMANDS);

const TITLE = BUILT ? 'the bundled CLI' : 'the bundled CLI: SKIPPED, no dist/cli.cjs (run `npm run build` first)';
if (!BUILT) console.warn(`${TITLE}\n`);

describe.skipIf(!BUILT)(TITLE, () => {
  let bundled = new Map<string, RunResult>();

  beforeAll(async () => {
    bundled = new Map(await mapPool(COMMANDS, POOL_SIZE, async (c) => [c, await spawnVram(c)] as const));
  }, 60_000);

  it('finds the README examples', () => {
    expect(README_COMMANDS.length).toBeGreaterThanOrEqual(8);
  });

  it.each(COMMANDS)('`vram %s` prints and exits as main() does', async (command) => {
    const inProcess = await run(command.split(' '));
    expect(bundled.get(command)).toEqual(inProcess);
    expect(inProcess.code).toBe(EXPECTED_CODE.get(command) ?? 0);
  });
});
