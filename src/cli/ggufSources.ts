/**
 * GGUF models from wherever they sit: a local file or URL (with the other parts of a split, as
 * llama.cpp finds them), an Ollama store (`ollama:<name>`), LM Studio's models folder
 * (`lmstudio:<publisher>/<repo>[/<file>]`) and a Hub repository's quant (`hf:<org>/<repo>:<quant>`).
 * Only headers are read: locally by positioned reads, remotely by HTTP Range requests.
 */
import { UserError } from '../core/errors.js';
import { type GgufModelFiles, ggufModels, isProjectorGguf, pickQuant } from '../checkpoint/ggufFileNames.js';
import { type OpenPart, type PartSource, readGgufSplits, splitName, splitPartName } from '../checkpoint/ggufSplits.js';
import { type HubFile, hubFileUrl, listHubFiles } from '../checkpoint/hubFiles.js';
import { httpSource } from '../checkpoint/httpSource.js';
import { localParts, shownSource } from '../checkpoint/localGgufParts.js';
import type { OllamaParams } from '../checkpoint/ollamaParams.js';
import { resolveOllamaModel } from '../checkpoint/ollamaStore.js';
import type { LoadedModel } from '../plan/model.js';
import { fromGgufHeader } from './checkpointModel.js';

/** What reading a GGUF source needs besides its name. */
export interface GgufContext {
  sets: readonly [string, unknown][];
  env: Readonly<Record<string, string | undefined>>;
  offline: boolean;
  /** The Hub (HF_ENDPOINT or the default), without a trailing slash or with. */
  endpoint: string;
  /** The Hub token, read only when a request needs it. */
  hubToken: () => string | null;
  timeoutMs: number;
}

/** A model and what its source says about running it: an Ollama model's params layer. */
export type SourcedModel = LoadedModel & { ollamaParams?: OllamaParams | null };

/** The names of the files of a model read from `first` in `partCount` parts, as messages and the summary show them. */
function partNames(first: string, partCount: number): string[] {
  const split = splitName(first);
  if (partCount <= 1 || split === null) return [first];
  return Array.from({ length: partCount }, (_, index) => splitPartName(split.prefix, index + 1, partCount));
}

/** Reads a GGUF model from its first file and its other parts; `shown` names the first in messages and the summary. */
async function readModel(first: PartSource, openPart: OpenPart, shown: string, label: string) {
  const { header, partCount } = await readGgufSplits(first, openPart, label);
  return { header, files: partNames(shown, partCount) };
}

/** A local `.gguf` file (the first part of a split brings the others), named `label`. */
export async function loadLocalGguf(
  path: string,
  shown: string,
  label: string,
  context: GgufContext,
  notes: readonly string[] = [],
): Promise<LoadedModel> {
  const source = shownSource(path, shown === path ? path : `${label}: ${shown}`);
  const read = await readModel(source, localParts(path, shown, label), shown, label);
  return fromGgufHeader(label, read.header, read.files, context.sets, notes);
}

/** A GGUF file at a URL, read with Range requests; the other parts of a split are the URLs llama.cpp's names give. */
export async function loadGgufUrl(url: string, label: string, token: string | null, context: GgufContext) {
  const openPart: OpenPart = (index, count) => {
    const split = splitName(url);
    if (split === null)
      throw new UserError(
        `${label}: says it is the first of ${count} parts, but its name is not <name>-00001-of-…gguf`,
      );
    return httpSource(splitPartName(split.prefix, index, count), token, context.timeoutMs);
  };
  const read = await readModel(httpSource(url, token, context.timeoutMs), openPart, label, label);
  return fromGgufHeader(label, read.header, read.files, context.sets);
}

/** `ollama:<name>`: the model blob of the manifest, and the params layer as `ollamaParams`. */
export async function loadOllamaModel(text: string, context: GgufContext): Promise<SourcedModel> {
  const found = resolveOllamaModel(text, context.env);
  const noParts: OpenPart = (_, count) => {
    throw new UserError(`${found.label}: its blob says it is the first of ${count} parts; Ollama stores one file`);
  };
  const source = shownSource(found.blob, `${found.label}: ${found.blobShown}`);
  const read = await readModel(source, noParts, found.blobShown, found.label);
  const model: SourcedModel = fromGgufHeader(found.label, read.header, read.files, context.sets, found.notes);
  model.ollamaParams = found.params;
  return model;
}

/** The model files of a Hub listing that `quant` picks, and notes on the projectors beside them. */
function hubQuantFiles(
  files: readonly HubFile[],
  quant: string,
  label: string,
): { model: GgufModelFiles; notes: string[] } {
  const model = pickQuant(
    ggufModels(files.map((file) => file.path)),
    quant,
    label,
    "pass one file's URL (…/resolve/<revision>/<file>) instead",
  );
  const projectors = files.map((file) => file.path).filter(isProjectorGguf);
  const notes =
    projectors.length === 0
      ? []
      : [
          `${label}: the repository has a vision projector (${projectors.join(', ')}) that llama.cpp's -hf also downloads and loads; it is not counted`,
        ];
  return { model, notes };
}

/** `hf:<org>/<repo>[@revision]:<quant>`: the quant's GGUF file (every part of a split), header only. */
export async function loadHubQuantModel(
  hub: { repo: string; revision: string; quant: string },
  context: GgufContext,
): Promise<LoadedModel> {
  const label = `hf:${hub.repo}${hub.revision === 'main' ? '' : `@${hub.revision}`}:${hub.quant}`;
  if (context.offline)
    throw new UserError(
      `${label}: picking a quant lists the repository's files on the Hub, and --offline forbids fetching; download the file and pass its path`,
    );
  const options = { ...hub, endpoint: context.endpoint, token: context.hubToken(), timeoutMs: context.timeoutMs };
  const files = await listHubFiles(options, label);
  const { model, notes } = hubQuantFiles(files, hub.quant, label);
  const sizes = new Map(files.map((file) => [file.path, file.size]));
  const open = (path: string): PartSource => {
    if (!sizes.has(path)) throw new UserError(`${label}: ${path} is not in the repository`);
    const source = httpSource(hubFileUrl(options, path), options.token, options.timeoutMs);
    return { ...source, label: `${label}: ${path}`, size: sizes.get(path) ?? null };
  };
  const first = model.files[0] as string;
  const openPart: OpenPart = (index, count) => {
    const split = splitName(first);
    if (split === null)
      throw new UserError(
        `${label}: ${first} says it is the first of ${count} parts, but its name is not <name>-00001-of-…gguf`,
      );
    const path = splitPartName(split.prefix, index, count);
    if (!sizes.has(path))
      throw new UserError(`${label}: part ${index} of ${count} (${path}) is missing from the repository`);
    return open(path);
  };
  const read = await readModel(open(first), openPart, first, label);
  return fromGgufHeader(label, read.header, read.files, context.sets, notes);
}
