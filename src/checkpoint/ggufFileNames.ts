/**
 * Which GGUF files of a folder or Hub repository make up which model, and which one a quant name
 * picks, after llama.cpp's `-hf <repo>:<quant>` (common/download.cpp at 80fb11a):
 * - a model file is a `.gguf` whose name holds none of `mmproj`, `imatrix`, `mtp-`, `eagle3-`,
 *   `dflash-`, `dspark-` (gguf_filename_is_model); `mmproj` files are multimodal projectors;
 * - split files `<prefix>-0000i-of-0000N.gguf` are one model (get_gguf_split_info, get_split_files);
 * - a file's quant is the last `[-.]`-separated word of its name before the split suffix and
 *   `.gguf` (get_gguf_split_info's `[-.]([A-Z0-9_]+)$`), upper-cased: `Q4_K_M` in
 *   `Llama-3.2-1B-Instruct-Q4_K_M.gguf`.
 * llama.cpp picks the first file matching `<quant>[.-]` anywhere in its path (find_best_model).
 * vram asks more: the quant must stand between separators (start, `/`, `-` or `.` before it; `.`,
 * `-` or `/` after it, so a `Q4_K_M/` folder counts), case-insensitive, so `F16` does not pick
 * `BF16` and `Q4_K` does not pick `Q4_K_M`; and several models matching is an error listing them,
 * not a silent first pick.
 */
import { UserError } from '../core/errors.js';
import { splitName } from './ggufSplits.js';

/** Words in a file name that mark a GGUF as something other than a model (gguf_filename_is_model). */
const NOT_A_MODEL = ['mmproj', 'imatrix', 'mtp-', 'eagle3-', 'dflash-', 'dspark-'] as const;

/** The base name of a `/`-separated path. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether `path` is a GGUF model file, not a projector, imatrix or draft (gguf_filename_is_model). */
export function isModelGguf(path: string): boolean {
  const name = baseName(path);
  return name.endsWith('.gguf') && !NOT_A_MODEL.some((word) => name.includes(word));
}

/** Whether `path` is a multimodal projector GGUF (llama.cpp find_best_mmproj's `mmproj`). */
export function isProjectorGguf(path: string): boolean {
  const name = baseName(path);
  return name.endsWith('.gguf') && name.includes('mmproj');
}

/** One model: its files in order (one, or every part of a split) and its quant name. */
export interface GgufModelFiles {
  /** Paths in part order; a split lists the parts present, `partCount` says how many there should be. */
  files: string[];
  partCount: number;
  /** Upper-cased quant from the file name (`Q4_K_M`), or null when the name has none. */
  quant: string | null;
}

/** The quant word of a GGUF path (get_gguf_split_info's tag), upper-cased, or null. */
export function ggufQuant(path: string): string | null {
  const split = splitName(path);
  const stem = split ? split.prefix : path.replace(/\.gguf$/i, '');
  const match = /[-.]([A-Z0-9_]+)$/i.exec(baseName(stem));
  return match ? (match[1] as string).toUpperCase() : null;
}

/** The model files among `paths`, split parts grouped (by prefix and count), in path order. */
export function ggufModels(paths: readonly string[]): GgufModelFiles[] {
  const models = new Map<string, GgufModelFiles>();
  for (const path of [...paths].sort()) {
    if (!isModelGguf(path)) continue;
    const split = splitName(path);
    const key = split ? `${split.prefix}\u0000${split.count}` : path;
    const model = models.get(key) ?? { files: [], partCount: split?.count ?? 1, quant: ggufQuant(path) };
    model.files.push(path);
    models.set(key, model);
  }
  return [...models.values()];
}

/** Whether `path` names `quant` between separators, case-insensitive (see the module comment). */
export function namesQuant(path: string, quant: string): boolean {
  const escaped = quant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[/.-])${escaped}(?:[/.-])`, 'i').test(path);
}

/** The distinct quants of `models` (a model without one is named by its first file), sorted, for a message. */
export function quantList(models: readonly GgufModelFiles[]): string {
  const names = [...new Set(models.map((model) => model.quant ?? baseName(model.files[0] ?? '')))];
  return names.sort().join(', ');
}

/**
 * The one model of `models` that `quant` names; a UserError naming `label` when none or several
 * do, listing the quants there are (or the matching files) and, for several, `hint`.
 */
export function pickQuant(
  models: readonly GgufModelFiles[],
  quant: string,
  label: string,
  hint = 'name the file instead',
): GgufModelFiles {
  const matches = models.filter((model) => model.files.some((file) => namesQuant(file, quant)));
  if (matches.length === 1) return matches[0] as GgufModelFiles;
  if (matches.length === 0)
    throw new UserError(
      models.length === 0
        ? `${label}: holds no GGUF model file`
        : `${label}: no GGUF file for quant ${quant}; the quants there: ${quantList(models)}`,
    );
  throw new UserError(
    `${label}: ${matches.length} GGUF models match quant ${quant} (${matches.map((model) => model.files[0]).join(', ')}); ${hint}`,
  );
}
