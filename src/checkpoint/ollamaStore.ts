/**
 * A model in a local Ollama store, found as Ollama finds it (ollama/ollama at fb30760):
 * - the models directory is envconfig.Models() (envconfig/config.go): $OLLAMA_MODELS, trimmed of
 *   spaces and quotes as envconfig.Var trims it, else `<home>/.ollama/models`;
 * - without OLLAMA_MODELS vram also looks in /usr/share/ollama/.ollama/models, where the Linux
 *   install script's system service keeps models (scripts/install.sh creates user `ollama` with
 *   home /usr/share/ollama; docs/faq.mdx "Where are models stored?"), when the home store lacks
 *   the model. That directory's blobs belong to user `ollama`, so reading them may be refused;
 *   the error then says so;
 * - the manifest is `manifests/<host>/<namespace>/<model>/<tag>` (manifest/paths.go), its layers
 *   read as ollamaManifest.ts says, the weights blob as a GGUF file, header only.
 * Messages show paths relative to the models directory.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { errorCode } from './errorFields.js';
import { installedHint } from './nearestNames.js';
import {
  OLLAMA_PARAMS_MEDIA_TYPE,
  type OllamaLayer,
  blobPath,
  lastLayer,
  modelLayer,
  notCountedNotes,
  parseManifest,
} from './ollamaManifest.js';
import { type OllamaName, displayName, manifestPath, nameFromManifestPath, parseOllamaName } from './ollamaName.js';
import { type OllamaParams, parseOllamaParams } from './ollamaParams.js';
import { type StoreDir, homeDir, isDir, isFile, readSmallText, storeDir } from './storeDirs.js';

/** Where the Linux install script's service (user `ollama`, home /usr/share/ollama) keeps models. */
export const OLLAMA_SERVICE_MODELS_DIR = '/usr/share/ollama/.ollama/models';
/** Largest manifest or params blob read (real ones are well under a KiB). */
const MAX_SMALL_BLOB_BYTES = 1024 * 1024;
/** Manifests listed for a suggestion at most. */
const MAX_LISTED_MANIFESTS = 10_000;

/** What `ollama:<name>` resolves to. */
export interface OllamaModel {
  /** `ollama:<name as ollama list shows it>`. */
  label: string;
  /** The GGUF blob of the weights. */
  blob: string;
  /** The blob relative to the models directory, for messages. */
  blobShown: string;
  /** The params layer, when the model has one. */
  params: OllamaParams | null;
  /** Layers loaded beside the weights that are not counted. */
  notes: string[];
}

/** The models directories to look in, in order (see the module comment). */
export function ollamaModelsDirs(env: Readonly<Record<string, string | undefined>>): StoreDir[] {
  const given = (env.OLLAMA_MODELS ?? '').trim().replace(/^["']+|["']+$/g, '');
  if (given !== '') return [storeDir(given, env, `$OLLAMA_MODELS (${given.slice(0, 100)})`)];
  const home = homeDir(env);
  const dirs = home === null ? [] : [storeDir(join(home, '.ollama', 'models'), env)];
  return [...dirs, storeDir(OLLAMA_SERVICE_MODELS_DIR, env)];
}

/** Installed names (as `ollama list` shows them) under `dir`: files at manifests/*\/*\/*\/* (manifest.Manifests). */
export function installedOllamaNames(dir: string): string[] {
  const names: string[] = [];
  const walk = (path: string, parts: string[]) => {
    if (names.length >= MAX_LISTED_MANIFESTS) return;
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      if (parts.length < 3) walk(join(path, entry), [...parts, entry]);
      else if (names.length < MAX_LISTED_MANIFESTS) {
        const name = nameFromManifestPath([...parts, entry]);
        if (name !== null) names.push(displayName(name));
      }
    }
  };
  walk(join(dir, 'manifests'), []);
  return names;
}

/** The first store holding the name's manifest; a UserError naming what is missing otherwise. */
function storeWith(name: OllamaName, label: string, dirs: readonly StoreDir[]): StoreDir {
  const manifest = manifestPath(name);
  const existing = dirs.filter((dir) => isDir(dir.path));
  const found = existing.find((dir) => isFile(join(dir.path, manifest)));
  if (found) return found;
  if (existing.length === 0)
    throw new UserError(
      `${label}: no Ollama models directory (looked in ${dirs.map((dir) => dir.shown).join(' and ')}); set OLLAMA_MODELS to the directory \`ollama pull\` stores models in`,
    );
  const installed = [...new Set(existing.flatMap((dir) => installedOllamaNames(dir.path)))];
  throw new UserError(
    `${label}: not installed (no ${manifest} in ${existing.map((dir) => dir.shown).join(' or ')})${installedHint(displayName(name), installed, 'ollama:')}`,
  );
}

/** A blob's path, checked to exist and be readable; a UserError naming it relative to the store otherwise. */
function checkedBlob(dir: StoreDir, layer: OllamaLayer, what: string, label: string): string {
  const relative = blobPath(layer.digest);
  const path = join(dir.path, relative);
  try {
    if (!statSync(path).isFile()) throw new UserError(`${label}: ${what} ${relative} in ${dir.shown} is not a file`);
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(blobFailure(errorCode(error), `${what} ${relative}`, dir, label));
  }
  return path;
}

/** Why a blob cannot be read, in one line. */
function blobFailure(code: string | undefined, what: string, dir: StoreDir, label: string): string {
  if (code === 'ENOENT')
    return `${label}: ${what} is missing from ${dir.shown} (an interrupted pull? run \`ollama pull ${label.slice('ollama:'.length)}\`)`;
  if (code === 'EACCES')
    return `${label}: cannot read ${what} in ${dir.shown}: permission denied (a store kept by the \`ollama\` service user is readable by that user only; run vram as that user, or point OLLAMA_MODELS at a store you can read)`;
  return `${label}: cannot read ${what} in ${dir.shown} (${code ?? 'unreadable'})`;
}

/** The params layer's values, or null when the manifest has none. */
function readParams(dir: StoreDir, layers: readonly OllamaLayer[], label: string): OllamaParams | null {
  const layer = lastLayer(layers, OLLAMA_PARAMS_MEDIA_TYPE);
  if (layer === null) return null;
  const path = checkedBlob(dir, layer, 'the params blob', label);
  const shown = `${label}: ${blobPath(layer.digest)}`;
  return parseOllamaParams(readSmallText(path, MAX_SMALL_BLOB_BYTES, shown) ?? '', shown);
}

/** Resolves `ollama:<name>` (`text` is what follows `ollama:`) in the stores the environment names. */
export function resolveOllamaModel(text: string, env: Readonly<Record<string, string | undefined>>): OllamaModel {
  const name = parseOllamaName(text, `ollama:${text}`);
  const label = `ollama:${displayName(name)}`;
  const dir = storeWith(name, label, ollamaModelsDirs(env));
  const manifest = manifestPath(name);
  const manifestLabel = `${label}: ${manifest}`;
  const layers = parseManifest(
    readSmallText(join(dir.path, manifest), MAX_SMALL_BLOB_BYTES, manifestLabel) ?? '',
    manifestLabel,
  );
  const model = modelLayer(layers, label);
  const blob = checkedBlob(dir, model, 'the model blob', label);
  const params = readParams(dir, layers, label);
  return { label, blob, blobShown: blobPath(model.digest), params, notes: notCountedNotes(layers, label) };
}
