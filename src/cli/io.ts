/** The outside world as `main` sees it; bin/vram.js wires it to process, tests to memory. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour is used only then, and never with NO_COLOR). */
  stdoutIsTty: boolean;
  /** The terminal's width in columns when stdout is one (tables are fitted to it). */
  stdoutColumns?: number | undefined;
  /** Whether stderr is a terminal (a progress line is drawn only then); absent: it is not. */
  stderrIsTty?: boolean;
  /** Reads standard input (for `--config -`), stopping after `maxBytes`. */
  readStdin(maxBytes: number): Promise<string | Uint8Array>;
}

/**
 * Colour as chalk's supports-color decides it: never with a non-empty NO_COLOR
 * (https://no-color.org), which wins; FORCE_COLOR=0 or false turns it off, any other FORCE_COLOR
 * (empty, 1, 2, 3, true) on; otherwise only on a terminal that is not TERM=dumb.
 */
export function useColor(io: Io): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return io.stdoutIsTty && io.env.TERM !== 'dumb';
}

/**
 * The width tables are fitted to: the terminal's when stdout is one, else COLUMNS when it is set
 * (a script can ask for a width); null (no limit) for pipes and files.
 */
export function terminalColumns(io: Io): number | null {
  const fromEnv = Number(io.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv >= 20) return fromEnv;
  return io.stdoutIsTty && io.stdoutColumns !== undefined && io.stdoutColumns >= 20 ? io.stdoutColumns : null;
}
