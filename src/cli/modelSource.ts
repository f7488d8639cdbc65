/**
 * Loads the model named by --model (a preset, a local model directory, hf:<org>/<name>[@rev][:quant],
 * a GGUF file or URL, ollama:<name>, lmstudio:<publisher>/<repo>) or --config (a config.json file
 * or stdin), applies --set overrides to the raw config, and reads the architecture and, where there
 * is one, the checkpoint's stored bytes.
 */
import { UserError } from '../core/errors.js';
import { printable } from './printable.js';
import { errorCode } from '../checkpoint/errorFields.js';
import { readFileCapped } from '../checkpoint/fileSource.js';
import {
  DEFAULT_HUB_ENDPOINT,
  HUB_TIMEOUT_MS,
  hubCacheDir,
  hubRepository,
  parseHubSpec,
} from '../checkpoint/hubRepository.js';
import { isDirectory, localRepository } from '../checkpoint/localRepository.js';
import { resolveLmStudioModel } from '../checkpoint/lmstudioStore.js';
import { type ModelRepository, readRepository } from '../checkpoint/repository.js';
import { fetchProgress, progressWanted } from './fetchProgress.js';
import { fromCheckpoint } from './checkpointModel.js';
import {
  type GgufContext,
  type SourcedModel,
  loadGgufUrl,
  loadHubQuantModel,
  loadLocalGguf,
  loadOllamaModel,
} from './ggufSources.js';
import type { Io } from './io.js';
import { type LoadedModel, modelFromConfig, modelFromPreset } from '../plan/model.js';
import { ownValue } from '../core/ownKey.js';
import { parseBoundedJson } from '../checkpoint/boundedJson.js';
import { formatInt } from '../core/units.js';

export function quoted(text: string): string {
  return JSON.stringify(text);
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a parent is not a directory',
  ENOTREG: 'not a regular file (a FIFO or socket would wait for a writer); use --config - for a pipe',
  EAGAIN: 'nothing to read without waiting',
};

/** Largest config.json accepted (real ones are a few KiB; this stops /dev/zero or a weights file). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

async function readConfigText(path: string, io: Io): Promise<string> {
  let bytes: Uint8Array | string;
  if (path === '-') bytes = await io.readStdin(MAX_CONFIG_BYTES + 1);
  else {
    try {
      bytes = readFileCapped(path, MAX_CONFIG_BYTES);
    } catch (error) {
      const code = errorCode(error);
      if (code === undefined) throw error;
      throw new UserError(`--config: cannot read ${quoted(path)}: ${ownValue(READ_ERRORS, code) ?? code}`);
    }
  }
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new UserError(
      `--config: ${path === '-' ? 'stdin' : quoted(path)} is larger than 16 MiB; a config.json is a few KiB`,
    );
  return typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Whether a URL belongs to the Hub (HF_ENDPOINT, huggingface.co, hf.co): only those get HF_TOKEN. */
function isHubOrigin(url: string, endpoint: string): boolean {
  try {
    const { origin, hostname } = new URL(url);
    return (
      origin === new URL(endpoint).origin ||
      ['huggingface.co', 'hf.co'].some((host) => hostname === host || hostname.endsWith(`.${host}`))
    );
  } catch {
    return false;
  }
}

/** The token `huggingface-cli login` saved ($HF_HOME/token, else ~/.cache/huggingface/token), if any. */
function hubTokenFile(env: Readonly<Record<string, string | undefined>>): string | null {
  const home = env.HF_HOME || (env.HOME ? `${env.HOME}/.cache/huggingface` : null);
  if (home === null) return null;
  try {
    const token = readFileCapped(`${home}/token`, 4096).toString('utf8').trim();
    return token === '' ? null : token;
  } catch {
    return null;
  }
}

/**
 * The Hub token (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, else the saved token file), read only when a
 * request needs it. A token is printable ASCII without spaces; one with a newline, NUL or other
 * control character would be echoed by the HTTP layer's header error, so it is refused unprinted.
 */
function hubToken(env: Readonly<Record<string, string | undefined>>): string | null {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || hubTokenFile(env);
  if (token !== null && !/^[\x21-\x7e]+$/.test(token))
    throw new UserError(
      'the Hub token (HF_TOKEN, HUGGING_FACE_HUB_TOKEN or $HF_HOME/token) has a character no token has (a space, newline or control character); it is not printed',
    );
  return token;
}

/** Longest timeout setTimeout honours (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** VRAM_HUB_TIMEOUT_MS: a whole number of milliseconds from 1 to 2^31 − 1, else the default. */
function hubTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.VRAM_HUB_TIMEOUT_MS;
  if (raw === undefined || raw === '') return HUB_TIMEOUT_MS;
  const value = /^\d{1,10}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(value >= 1 && value <= MAX_TIMEOUT_MS))
    throw new UserError(
      `VRAM_HUB_TIMEOUT_MS: ${quoted(raw.slice(0, 40))} is not a whole number of milliseconds from 1 to ${formatInt(MAX_TIMEOUT_MS)}`,
    );
  return value;
}

type ModelOptions = {
  model?: string | undefined;
  config?: string | undefined;
  set: readonly [string, unknown][];
  offline?: boolean;
  /** The output format: a progress line stays off under json unless VRAM_PROGRESS=1 (fetchProgress.ts). */
  format?: string | undefined;
};

/** readRepository with a progress line on a terminal. */
async function readWithProgress(repo: ModelRepository, options: ModelOptions, io: Io) {
  const progress = fetchProgress(io, repo.label, progressWanted(io, options.format));
  try {
    return await readRepository(repo, progress.report);
  } finally {
    progress.stop();
  }
}

/** What the GGUF sources need from the environment and the options. */
function ggufContext(options: ModelOptions, io: Io): GgufContext {
  const env = io.env;
  return {
    sets: options.set,
    env,
    offline: options.offline === true,
    endpoint: env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT,
    hubToken: () => hubToken(env),
    timeoutMs: hubTimeoutMs(env),
  };
}

/** hf:<org>/<name>[@revision]: config.json and the safetensors headers, or with :<quant> the quant's GGUF file. */
async function loadHubModel(
  hub: { repo: string; revision: string; quant: string | null },
  options: ModelOptions,
  io: Io,
): Promise<LoadedModel> {
  const { quant, ...where } = hub;
  if (quant !== null) return loadHubQuantModel({ ...where, quant }, ggufContext(options, io));
  const env = io.env;
  const wholeFetchLine = progressWanted(io, options.format);
  const repo = hubRepository({
    ...where,
    endpoint: env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT,
    token: options.offline === true ? null : hubToken(env),
    cacheDir: hubCacheDir(env),
    offline: options.offline === true,
    timeoutMs: hubTimeoutMs(env),
    // Without the whole-fetch line (not a terminal), one line for each fetch slower than a second.
    ...(wholeFetchLine ? {} : { progress: (line: string) => io.stderr.write(`${printable(line)}\n`) }),
  });
  const { config, checkpoint } = await readWithProgress(repo, options, io);
  return fromCheckpoint(repo.label, 'hub', config, checkpoint, options.set);
}

/** A .gguf file or URL (a split's first part brings the others). */
async function loadGgufFile(spec: string, options: ModelOptions, io: Io): Promise<LoadedModel> {
  const context = ggufContext(options, io);
  const label = printable(spec);
  if (!/^https?:\/\//i.test(spec)) return loadLocalGguf(spec, label, label, context);
  if (options.offline)
    throw new UserError(
      `--model: ${label} is a URL and --offline forbids fetching; download the file and pass its path`,
    );
  return loadGgufUrl(spec, label, isHubOrigin(spec, context.endpoint) ? hubToken(io.env) : null, context);
}

/** lmstudio:<path>: a GGUF model of LM Studio's models folder, or an MLX model directory there. */
async function loadLmStudio(text: string, options: ModelOptions, io: Io): Promise<LoadedModel> {
  const found = resolveLmStudioModel(text, io.env);
  if (found.kind === 'gguf')
    return loadLocalGguf(found.first, found.firstShown, found.label, ggufContext(options, io), found.notes);
  const { config, checkpoint } = await readWithProgress(localRepository(found.dir), options, io);
  return fromCheckpoint(found.label, 'directory', config, checkpoint, options.set);
}

async function loadCheckpointModel(spec: string, options: ModelOptions, io: Io): Promise<SourcedModel | null> {
  const hub = parseHubSpec(spec);
  if (hub) return loadHubModel(hub, options, io);
  if (spec.startsWith('ollama:')) return loadOllamaModel(spec.slice('ollama:'.length), ggufContext(options, io));
  if (spec.startsWith('lmstudio:')) return loadLmStudio(spec.slice('lmstudio:'.length), options, io);
  if (/\.gguf$/i.test(spec)) return loadGgufFile(spec, options, io);
  if (isDirectory(spec)) {
    const { config, checkpoint } = await readWithProgress(localRepository(spec), options, io);
    return fromCheckpoint(printable(spec), 'directory', config, checkpoint, options.set);
  }
  if (/[\\/]/.test(spec) || spec.startsWith('.')) {
    const hub = hubSpecFor(spec);
    const what = /^https?:/i.test(spec) ? 'is a Hugging Face Hub page' : 'is not a directory';
    throw new UserError(
      hub
        ? `--model: ${quoted(spec)} ${what}; for the Hub repository pass ${hub}`
        : `--model: ${quoted(spec)} is not a directory, a .gguf file, hf:<org>/<name>, ollama:<name>, lmstudio:<publisher>/<repo> or a preset`,
    );
  }
  return null;
}

/**
 * The hf: spelling of what looks like a Hub repository: `org/name` (as transformers and vLLM take
 * it) or a Hub page URL (`https://huggingface.co/org/name[/tree/<revision>]`); null otherwise.
 */
function hubSpecFor(spec: string): string | null {
  const name = '[A-Za-z0-9][\\w.-]{0,95}';
  const bare = new RegExp(`^(${name})/(${name})$`).exec(spec);
  if (bare) return `hf:${bare[1]}/${bare[2]}`;
  const page = new RegExp(
    `^https?://(?:www\\.)?(?:huggingface\\.co|hf\\.co)/(${name})/(${name})(?:/(?:tree|blob)/([\\w.-]{1,100}))?/?$`,
  ).exec(spec);
  if (!page) return null;
  return `hf:${page[1]}/${page[2]}${page[3] && page[3] !== 'main' ? `@${page[3]}` : ''}`;
}

/**
 * The model --model or --config names. A model from `ollama:` carries its params layer as
 * `ollamaParams` (null when the manifest has none); other sources leave it out.
 */
export async function loadModel(options: ModelOptions, io: Io): Promise<SourcedModel> {
  if (options.model !== undefined) {
    const fromFiles = await loadCheckpointModel(options.model, options, io);
    return fromFiles ?? modelFromPreset(options.model, options.set);
  }
  const path = options.config;
  if (path === undefined)
    throw new UserError('--model: no model given; pass --model <preset> or --config <config.json>');
  const label = path === '-' ? 'stdin' : printable(path);
  const raw = parseBoundedJson(await readConfigText(path, io), label);
  const model = modelFromConfig(raw, label, options.set, path === '-' ? 'stdin' : fileName(path));
  return { ...model, id: printable(model.id), name: printable(model.name) };
}
