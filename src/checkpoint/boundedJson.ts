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
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_JSON_DEPTH)
      throw new UserError(`${label}: JSON nested deeper than ${MAX_JSON_DEPTH} levels; a config nests a few`);
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
}

/** `text` parsed as JSON within MAX_JSON_DEPTH; a UserError naming `label` (and where it broke) otherwise. */
export function parseBoundedJson(text: string, label: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the offending text; keep only its position.
    const position = /position (\d+)/.exec(errorMessage(error));
    throw new UserError(
      `${label}: not valid JSON${position ? ` (at character ${position[1]})` : text.trim() === '' ? ' (it is empty)' : ''}`,
    );
  }
  checkJsonDepth(value, label);
  return value;
}
