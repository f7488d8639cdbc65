/**
 * One progress line on stderr while a repository is read (a Hub repository's shard headers, a
 * large local directory): rewritten in place with `\r` at least every half second, shown only after
 * half a second, cleared when reading ends. Only on a terminal, and not under `--format json`
 * unless VRAM_PROGRESS=1 asks for it (VRAM_PROGRESS=0 turns it off everywhere).
 */
import type { RepositoryProgress } from '../checkpoint/repository.js';
import type { Io } from './io.js';
import { printable } from './printable.js';

/** Nothing is shown for reads shorter than this; the line is redrawn this often after it. */
export const PROGRESS_SHOW_AFTER_MS = 500;
const PROGRESS_REDRAW_MS = 250;
const CLEAR_LINE = '\r\x1b[K';

export interface FetchProgress {
  report(progress: RepositoryProgress): void;
  /** Clears the line (if shown) and stops redrawing. */
  stop(): void;
}

const SILENT: FetchProgress = { report: () => {}, stop: () => {} };

export function progressWanted(io: Io, format: string | undefined): boolean {
  const asked = io.env.VRAM_PROGRESS;
  if (asked === '0') return false;
  return io.stderrIsTty === true && (format !== 'json' || asked === '1');
}

function describe(label: string, progress: RepositoryProgress | null, seconds: number): string {
  const what =
    progress === null || progress.step === 'config'
      ? 'reading config.json'
      : progress.step === 'index'
        ? 'reading the shard index'
        : `${progress.done} of ${progress.total} shard headers read`;
  return `${label}: ${what} (${seconds.toFixed(1)} s)`;
}

export function fetchProgress(io: Io, label: string, wanted: boolean, now: () => number = Date.now): FetchProgress {
  if (!wanted) return SILENT;
  const started = now();
  let latest: RepositoryProgress | null = null;
  let shown = false;
  const draw = () => {
    const elapsed = now() - started;
    if (elapsed < PROGRESS_SHOW_AFTER_MS) return;
    shown = true;
    io.stderr.write(`${CLEAR_LINE}${printable(describe(label, latest, elapsed / 1000))}`);
  };
  const timer = setInterval(draw, PROGRESS_REDRAW_MS);
  timer.unref?.();
  return {
    report: (progress) => {
      latest = progress;
    },
    stop: () => {
      clearInterval(timer);
      if (shown) io.stderr.write(CLEAR_LINE);
    },
  };
}
