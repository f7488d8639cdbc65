/**
 * The PARAMETERs of an Ollama model (its `application/vnd.ollama.image.params` layer, a JSON object
 * written by server/create.go setParameters at fb30760, decoded into api.Options by GetModel and Options.FromMap in api/types.go).
 * The memory-relevant ones are typed: `num_ctx` (the context Ollama runs the model with),
 * `num_batch` (tokens per prompt batch), `num_gpu` (layers offloaded; -1 all) and `num_predict`;
 * every parameter is kept as written in `all`, for a front-end profile that wants the rest.
 */
import { UserError } from '../core/errors.js';
import { parseBoundedJson } from './boundedJson.js';

/** What an Ollama model's params layer sets. Counts are tokens or layers, as Ollama's api.Options names them. */
export interface OllamaParams {
  /** Context window, in tokens (PARAMETER num_ctx), when set. */
  num_ctx?: number;
  /** Prompt tokens processed per batch (num_batch), when set. */
  num_batch?: number;
  /** Layers offloaded to GPUs (num_gpu; -1 means all), when set. */
  num_gpu?: number;
  /** Most tokens generated (num_predict; -1 means no limit), when set. */
  num_predict?: number;
  /** Every parameter as the layer holds it (stop strings, temperature…). */
  all: Record<string, unknown>;
}

const TYPED = ['num_ctx', 'num_batch', 'num_gpu', 'num_predict'] as const;

/** Parses the params blob; a UserError naming `label` when it is not a JSON object. */
export function parseOllamaParams(text: string, label: string): OllamaParams {
  const value = parseBoundedJson(text, label);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UserError(`${label}: the params layer is not a JSON object`);
  const all = Object.fromEntries(Object.entries(value));
  const params: OllamaParams = { all };
  for (const key of TYPED) {
    const given = all[key];
    if (given === undefined || given === null) continue;
    // api/types.go Options.FromMap: null is skipped, a JSON number is truncated to an integer,
    // anything else is refused ("must be of type integer").
    if (typeof given !== 'number' || !Number.isSafeInteger(Math.trunc(given)))
      throw new UserError(`${label}: ${key} is ${JSON.stringify(given).slice(0, 40)}, not an integer`);
    params[key] = Math.trunc(given);
  }
  return params;
}
