/**
 * Ollama model names, parsed as Ollama parses them (types/model/name.go at fb30760: ParseName,
 * ParseNameBare, Merge with DefaultName, IsFullyQualified, Filepath, DisplayShortest):
 * `[host/][namespace/]model[:tag]`, the tag cut at the last `:` only when it comes after the last
 * `/` (a host may carry a port), then model, namespace and host cut at the last `/` each; missing
 * parts default to host `registry.ollama.ai`, namespace `library`, tag `latest`. Parts: a letter,
 * digit or `_` first, then letters, digits, `_`, `-`, `.` (not in a namespace) and `:` (only in a
 * host); a host up to 350 characters, the others up to 80. The manifest is
 * `manifests/<host>/<namespace>/<model>/<tag>` under the models directory.
 */
import { UserError } from '../core/errors.js';

export const OLLAMA_DEFAULT_HOST = 'registry.ollama.ai';
export const OLLAMA_DEFAULT_NAMESPACE = 'library';
export const OLLAMA_DEFAULT_TAG = 'latest';

export interface OllamaName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

type Part = keyof OllamaName;

/** name.go isValidPart: the first character, the characters allowed after it, and the length. */
function isValidPart(kind: Part, text: string): boolean {
  if (text.length < 1 || text.length > (kind === 'host' ? 350 : 80)) return false;
  const rest = kind === 'host' ? '[\\w.:-]' : kind === 'namespace' ? '[\\w-]' : '[\\w.-]';
  return new RegExp(`^\\w${rest}*$`).test(text);
}

/** name.go MissingPart: a part a separator promised but the text left empty; no part is valid with it. */
const MISSING = '!MISSING!';

/**
 * Cuts `text` at the last `separator`: [before, after], either MISSING when empty, or null when
 * there is no separator (name.go cutPromised).
 */
function cutPromised(text: string, separator: string): [string, string] | null {
  const at = text.lastIndexOf(separator);
  return at < 0 ? null : [text.slice(0, at) || MISSING, text.slice(at + 1) || MISSING];
}

/** name.go ParseNameBare: the parts the text gives, empty where it gives none. */
function parseBare(text: string): OllamaName {
  const name: OllamaName = { host: '', namespace: '', model: '', tag: '' };
  let rest = text;
  if (text.lastIndexOf(':') > text.lastIndexOf('/')) {
    [rest, name.tag] = cutPromised(text, ':') as [string, string];
  }
  const model = cutPromised(rest, '/');
  if (model === null) return { ...name, model: rest };
  name.model = model[1];
  const namespace = cutPromised(model[0], '/');
  if (namespace === null) return { ...name, namespace: model[0] };
  name.namespace = namespace[1];
  // A scheme (`https://`) before the host is accepted and dropped, as ParseNameBare does.
  const host = namespace[0];
  name.host = host.includes('://') ? host.slice(host.indexOf('://') + 3) : host;
  return name;
}

/** A name as Ollama resolves it (defaults merged); a UserError naming `spec` when a part is invalid. */
export function parseOllamaName(text: string, spec: string): OllamaName {
  const bare = parseBare(text);
  const name: OllamaName = {
    host: bare.host || OLLAMA_DEFAULT_HOST,
    namespace: bare.namespace || OLLAMA_DEFAULT_NAMESPACE,
    model: bare.model,
    tag: bare.tag || OLLAMA_DEFAULT_TAG,
  };
  for (const part of ['host', 'namespace', 'model', 'tag'] as const) {
    const value = name[part];
    if (isValidPart(part, value)) continue;
    const why =
      value === '' || value === MISSING ? 'is empty' : `${JSON.stringify(value.slice(0, 80))} is not one Ollama allows`;
    throw new UserError(
      `--model: ${JSON.stringify(spec.slice(0, 120))} is not ollama:[<host>/][<namespace>/]<model>[:<tag>]: its ${part} ${why} (a letter, digit or _, then letters, digits, _ - and .)`,
    );
  }
  return name;
}

/** The manifest's path under the models directory, `/`-separated (name.go Filepath under manifests/). */
export function manifestPath(name: OllamaName): string {
  return `manifests/${name.host}/${name.namespace}/${name.model}/${name.tag}`;
}

/** The shortest spelling of a name, as `ollama list` prints it (name.go DisplayShortest). */
export function displayName(name: OllamaName): string {
  const host = name.host.toLowerCase() !== OLLAMA_DEFAULT_HOST;
  const namespace = name.namespace.toLowerCase() !== OLLAMA_DEFAULT_NAMESPACE;
  const prefix = host ? `${name.host}/${name.namespace}/` : namespace ? `${name.namespace}/` : '';
  return `${prefix}${name.model}:${name.tag}`;
}

/** The name a manifest's path parts spell (name.go ParseNameFromFilepath), or null when they are not a valid name. */
export function nameFromManifestPath(parts: readonly string[]): OllamaName | null {
  if (parts.length !== 4) return null;
  const [host, namespace, model, tag] = parts as [string, string, string, string];
  const name: OllamaName = { host, namespace, model, tag };
  return (['host', 'namespace', 'model', 'tag'] as const).every((part) => isValidPart(part, name[part])) ? name : null;
}
