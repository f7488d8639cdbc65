/**
 * JSON read from a user or a repository (a config, an index, a --set value), parsed and bounded in
 * depth. JSON.parse accepts 100,000 nested arrays, but every reader after it walks values
 * recursively, and a config, index or safetensors header nests a few levels
 * (text_config.rope_scaling: 3). The depth walk is iterative, so the check itself cannot overflow
 * the stack.
 */
import { UserError } from '../core/errors.js';
import { errorMessage } from './errorFields.js';

/** Deepest nesting accepted: far beyond any real config, far below the stack's limit. */
export const MAX_JSON_DEPTH = 64;

/** Throws a UserError naming `label` when `value` nests deeper than MAX_JSON_DEPTH. */
export function checkJsonDepth(value: unknown, label: string): void {
  if (value === null || typeof value !== 'object') return;
  // Only objects and arrays go on the stack: an index's 92,000 strings cost a type check each.
  const stack: { value: object; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth >= MAX_JSON_DEPTH)
      throw new UserError(`${label}: JSON nested deeper than ${MAX_JSON_DEPTH} levels; a config nests a few`);
    const children: unknown[] = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: item.depth + 1 });
  }
}

/** `text` parsed as JSON within MAX_JSON_DEPTH; a UserError naming `label` (and where it broke) otherwise. */
export function parseBoundedJson(text: string, label: string): unknown {
  const value = parseJsonText(text, label);
  checkJsonDepth(value, label);
  return value;
}

/**
 * `text` parsed as JSON, at any depth: for a reader that reads fixed fields and checks their types
 * without walking the rest (a shard index's 92,000-entry weight_map: its depth walk alone took
 * 90 ms). A UserError naming `label` (and where it broke) when it is not JSON.
 */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the offending text; keep only its position.
    const position = /position (\d+)/.exec(errorMessage(error));
    throw new UserError(
      `${label}: not valid JSON${position ? ` (at character ${position[1]})` : text.trim() === '' ? ' (it is empty)' : ''}`,
    );
  }
}
