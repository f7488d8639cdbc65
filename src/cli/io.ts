/** The outside world as `main` sees it; bin/vram.js wires it to process, tests to memory. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour is used only then, and never with NO_COLOR). */
  stdoutIsTty: boolean;
  /** Reads standard input (for `--config -`), stopping after `maxBytes`. */
  readStdin(maxBytes: number): Promise<string | Uint8Array>;
}

/** Colour only on a TTY, never with NO_COLOR (https://no-color.org), always with FORCE_COLOR. */
export function useColor(io: Io): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTty;
}
