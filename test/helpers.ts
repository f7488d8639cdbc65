import { main } from '../src/cli/main.js';
import type { ModelArchitecture } from '../src/core/architecture.js';
import { type UniformShape, uniformArchitecture } from '../src/core/uniformArchitecture.js';
import { readHfConfig } from '../src/model/hfConfig.js';
import { findPreset } from '../src/model/presets.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main() in-process with in-memory streams; colour off unless `tty` and no NO_COLOR. */
export async function run(
  argv: string[],
  options: { stdin?: string; env?: Record<string, string>; tty?: boolean; stderrTty?: boolean } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? { NO_COLOR: '1' },
    stdoutIsTty: options.tty ?? false,
    stderrIsTty: options.stderrTty ?? false,
    readStdin: async () => options.stdin ?? '',
  });
  return { code, stdout, stderr };
}

/** Runs main() and parses stdout as the one JSON document it must hold. */
export async function runJson(
  argv: string[],
  options: Parameters<typeof run>[1] = {},
): Promise<{ code: number; json: any; stderr: string }> {
  const result = await run([...argv, '--format', 'json'], options);
  return { code: result.code, json: JSON.parse(result.stdout), stderr: result.stderr };
}

export function presetArch(name: string): ModelArchitecture {
  const preset = findPreset(name);
  return readHfConfig(preset.config, preset.id);
}

/** The shape of a small LLaMA-style decoder whose numbers are easy to check by hand. */
export const TINY_SHAPE: UniformShape = {
  modelType: 'llama',
  hiddenSize: 8,
  layerCount: 2,
  headCount: 4,
  kvHeadCount: 2,
  headDim: 2,
  intermediateSize: 16,
  vocabSize: 10,
  maxPositionCount: 64,
  defaultDtype: 'bf16',
};

export const TINY_LLAMA: ModelArchitecture = uniformArchitecture(TINY_SHAPE);

/** TINY_SHAPE with some fields changed. */
export function tiny(overrides: Partial<UniformShape>): ModelArchitecture {
  return uniformArchitecture({ ...TINY_SHAPE, ...overrides });
}

export function componentBytes(json: { components: { id: string; bytes: number }[] }, id: string): number {
  const component = json.components.find((c) => c.id === id);
  if (!component) throw new Error(`no component ${id}`);
  return component.bytes;
}
