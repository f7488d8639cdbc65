/**
 * vram's errors and exit codes, used by every layer. A UserError (bad input, a model or setting
 * vram does not understand) exits 2 with one line on stderr; an ExactnessError is one (a figure
 * would pass 2^53); "does not fit" exits 3 only when the user asked to gate on it; anything else
 * is unexpected and exits 1. Messages never carry a stack trace.
 */

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_DOES_NOT_FIT = 3;

/** A user error: one line on stderr, exit 2, no stack trace. */
export class UserError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A value that does not parse; the caller prefixes the option's name. */
export class ValueError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** An exact integer result would exceed Number.MAX_SAFE_INTEGER. */
export class ExactnessError extends UserError {
  constructor(what: string) {
    super(`${what} would exceed 2^53 and cannot be computed exactly`);
    this.name = 'ExactnessError';
  }
}
