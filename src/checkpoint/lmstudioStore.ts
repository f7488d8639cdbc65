/**
 * A model in LM Studio's models directory, found as LM Studio's own tools find it:
 * - LM Studio's home is the path in `~/.lmstudio-home-pointer` when that file holds one, else
 *   `~/.cache/lm-studio` when it exists (older installs), else `~/.lmstudio` (findLMStudioHome,
 *   lmstudio-ai/lmstudio-js packages/lms-common-server/src/findLMStudioHome.ts at 6ec11db);
 * - the models directory is `downloadsFolder` in the home's settings.json (set in the app's My
 *   Models tab), else `<home>/models` (resolveModelsFolderPath, lmstudio-ai/lms
 *   src/subcommands/importCmd.ts at 07b7252);
 * - LM Studio reads no environment variable for it; `LMSTUDIO_MODELS` is vram's own override;
 * - models sit at `<publisher>/<repo>/<file>.gguf` (LM Studio docs, "Import Models",
 *   lmstudio-ai/docs 0_app/5_advanced/import-model.md at c6854fb), splits and quant folders kept
 *   as on the Hub.
 * `lmstudio:<publisher>/<repo>/<file>.gguf` names a file; `lmstudio:<publisher>/<repo>` the
 * folder's one GGUF model (a split counts once), `:<quant>` picking one of several as
 * ggufFileNames.ts says; a folder with no GGUF but a config.json (an MLX model) is read as a
 * model directory.
 */
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { type GgufModelFiles, ggufModels, isProjectorGguf, pickQuant, quantList } from './ggufFileNames.js';
import { installedHint } from './nearestNames.js';
import { type StoreDir, homeDir, isDir, isFile, readSmallText, storeDir } from './storeDirs.js';

/** Folder levels searched below a repository folder for GGUF files (quant folders, as on the Hub). */
const MAX_DEPTH = 3;
/** Entries listed for a suggestion or a folder at most. */
const MAX_ENTRIES = 10_000;
/** Largest settings.json or home pointer read. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

/** What `lmstudio:<path>` resolves to: a GGUF model's first file, or a model directory. */
export type LmStudioModel =
  | { kind: 'gguf'; label: string; first: string; firstShown: string; notes: string[] }
  | { kind: 'directory'; label: string; dir: string };

/** LM Studio's home (findLMStudioHome), without writing the pointer file as LM Studio does. */
function lmStudioHome(home: string): string {
  const pointer = readSmallText(join(home, '.lmstudio-home-pointer'), MAX_SETTINGS_BYTES, '~/.lmstudio-home-pointer');
  if (pointer !== null && pointer.trim() !== '') return pointer.trim();
  const cache = join(home, '.cache', 'lm-studio');
  return isDir(cache) ? cache : join(home, '.lmstudio');
}

/** settings.json's downloadsFolder, or null when absent or unreadable (LM Studio then uses the default). */
function downloadsFolder(lmHome: string): string | null {
  try {
    const text = readSmallText(join(lmHome, 'settings.json'), MAX_SETTINGS_BYTES, 'settings.json');
    const folder = text === null ? undefined : (JSON.parse(text) as { downloadsFolder?: unknown }).downloadsFolder;
    return typeof folder === 'string' && folder !== '' ? folder : null;
  } catch {
    return null;
  }
}

/** The models directory (see the module comment); a UserError when there is no home to start from. */
export function lmStudioModelsDir(env: Readonly<Record<string, string | undefined>>): StoreDir {
  const given = (env.LMSTUDIO_MODELS ?? '').trim();
  if (given !== '') return storeDir(given, env, `$LMSTUDIO_MODELS (${given.slice(0, 100)})`);
  const home = homeDir(env);
  if (home === null)
    throw new UserError(
      "lmstudio: no home directory (HOME is not set); set LMSTUDIO_MODELS to LM Studio's models folder",
    );
  const lmHome = lmStudioHome(home);
  return storeDir(downloadsFolder(lmHome) ?? join(lmHome, 'models'), env);
}

/** Names of the folders in `path` (empty when it cannot be read). */
function folders(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .slice(0, MAX_ENTRIES)
      .sort();
  } catch {
    return [];
  }
}

/** `<publisher>/<repo>` folders of the models directory. */
export function installedLmStudioRepos(dir: string): string[] {
  return folders(dir)
    .flatMap((publisher) => folders(join(dir, publisher)).map((repo) => `${publisher}/${repo}`))
    .slice(0, MAX_ENTRIES);
}

/** `.gguf` files under `dir`, `/`-separated relative paths, MAX_DEPTH levels down at most. */
function ggufFilesUnder(dir: string, prefix = '', depth = 0): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.slice(0, MAX_ENTRIES).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return depth + 1 < MAX_DEPTH ? ggufFilesUnder(dir, path, depth + 1) : [];
    return entry.name.toLowerCase().endsWith('.gguf') ? [path] : [];
  });
}

/** A `/`-separated relative path with no empty, `.` or `..` part; a UserError otherwise. */
function checkedPath(text: string, spec: string): string[] {
  const parts = text.split('/');
  if (parts.length < 2 || parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\\')))
    throw new UserError(
      `--model: ${JSON.stringify(spec.slice(0, 120))} is not lmstudio:<publisher>/<repo>[/<file>.gguf] or lmstudio:<publisher>/<repo>:<quant> (a path inside LM Studio's models folder, / between parts, no . or ..)`,
    );
  return parts;
}

/** The models directory, checked to exist. */
function existingStore(env: Readonly<Record<string, string | undefined>>, label: string): StoreDir {
  const dir = lmStudioModelsDir(env);
  if (!isDir(dir.path))
    throw new UserError(
      `${label}: no LM Studio models directory at ${dir.shown}; set LMSTUDIO_MODELS to the folder LM Studio's My Models tab shows`,
    );
  return dir;
}

/** The repository folder, checked to exist; a UserError with the nearest installed ones otherwise. */
function repoFolder(dir: StoreDir, repo: string, label: string): string {
  const path = join(dir.path, ...repo.split('/'));
  if (isDir(path)) return path;
  const hint = installedHint(repo, installedLmStudioRepos(dir.path), 'lmstudio:');
  throw new UserError(`${label}: not in LM Studio's models (no folder ${repo} in ${dir.shown})${hint}`);
}

/** Resolves `lmstudio:<path>` (`text` is what follows `lmstudio:`). */
export function resolveLmStudioModel(text: string, env: Readonly<Record<string, string | undefined>>): LmStudioModel {
  const spec = `lmstudio:${text}`;
  const quantAt = text.lastIndexOf(':');
  const quant = quantAt > text.lastIndexOf('/') ? text.slice(quantAt + 1) : null;
  const parts = checkedPath(quant === null ? text : text.slice(0, quantAt), spec);
  const namesFile = (parts.at(-1) ?? '').toLowerCase().endsWith('.gguf');
  if (quant !== null && (namesFile || parts.length !== 2 || !/^[\w-]{1,64}$/.test(quant)))
    throw new UserError(
      `--model: ${JSON.stringify(spec.slice(0, 120))}: a :<quant> (letters, digits, _ and -) follows lmstudio:<publisher>/<repo> only`,
    );
  const label = spec;
  const dir = existingStore(env, label);
  const repo = parts.slice(0, 2).join('/');
  const repoPath = repoFolder(dir, repo, label);
  const files = ggufFilesUnder(repoPath);
  const notes = projectorNotes(files, repo, label);
  if (namesFile) return namedFile(repoPath, parts.slice(2).join('/'), files, { label, repo, dir, notes });
  if (files.length === 0 && quant === null && isFile(join(repoPath, 'config.json')))
    return { kind: 'directory', label, dir: repoPath };
  const model = quant === null ? onlyModel(ggufModels(files), label) : pickQuant(ggufModels(files), quant, label);
  return gguf(repoPath, repo, model.files[0] as string, label, notes);
}

/** Where a resolved model sits, for building its result. */
interface Found {
  label: string;
  repo: string;
  dir: StoreDir;
  notes: string[];
}

function gguf(repoPath: string, repo: string, file: string, label: string, notes: string[]): LmStudioModel {
  return { kind: 'gguf', label, first: join(repoPath, ...file.split('/')), firstShown: `${repo}/${file}`, notes };
}

/** The file `file` (relative to the repository folder); a UserError listing the folder's GGUF files when absent. */
function namedFile(repoPath: string, file: string, files: readonly string[], found: Found): LmStudioModel {
  if (files.includes(file)) return gguf(repoPath, found.repo, file, found.label, found.notes);
  throw new UserError(
    `${found.label}: no ${file} in ${found.repo} (in ${found.dir.shown}); ${files.length === 0 ? 'it holds no .gguf file' : `its GGUF files: ${files.slice(0, 8).join(', ')}${files.length > 8 ? `, … (${files.length})` : ''}`}`,
  );
}

/** The folder's one model; a UserError when it has none or several (listing their quants). */
function onlyModel(models: readonly GgufModelFiles[], label: string): GgufModelFiles {
  if (models.length === 1) return models[0] as GgufModelFiles;
  throw new UserError(
    models.length === 0
      ? `${label}: holds no GGUF model file (nor a config.json)`
      : `${label}: holds ${models.length} GGUF models (${quantList(models)}); pick one with ${label}:<quant> or name the file`,
  );
}

/** A note when the folder holds multimodal projectors: LM Studio loads one beside the model, vram does not count it. */
function projectorNotes(files: readonly string[], repo: string, label: string): string[] {
  const projectors = files.filter(isProjectorGguf);
  if (projectors.length === 0) return [];
  return [
    `${label}: ${repo} holds a vision projector (${projectors.join(', ')}) that LM Studio loads beside the model; it is not counted`,
  ];
}
