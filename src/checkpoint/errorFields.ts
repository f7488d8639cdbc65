/** Fields of a caught value, read with type guards: `catch` gives `unknown`, and not every throw is an Error. */

/** The error's name (TimeoutError, AbortError…), or undefined when it is not an Error. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The error's message, or the value as text when it is not an Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Node's string error code (ENOENT, ECONNREFUSED…), or undefined when it has none. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
