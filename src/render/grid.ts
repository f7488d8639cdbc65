/**
 * A table as the output format asks: cli-table3 with compact rows for people, or a GitHub-flavoured
 * markdown table (right-aligned columns marked `---:`). The renderers of every command share it.
 */
import Table from 'cli-table3';
import type { Format } from '../plan/common.js';

export type Align = 'left' | 'right';

/** Table borders without a rule between body rows. */
export const COMPACT_ROWS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A width to fit (null: none) and the columns that may go, by index, first to go first. */
export interface Fit {
  columns: number | null;
  drop: readonly number[];
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Widest line of a rendered table, in columns (box-drawing characters are one column each). */
function widthOf(table: string): number {
  return Math.max(...table.split('\n').map((line) => line.replace(ANSI, '').length));
}

/**
 * The table, with columns dropped in `fit.drop` order until it is no wider than `fit.columns`:
 * a column goes whole, so no number is ever cut or wrapped. Markdown is never fitted.
 */
export function grid(
  head: string[],
  rows: string[][],
  align: Align[],
  format: Format,
  color: boolean,
  fit: Fit = { columns: null, drop: [] },
): string {
  let table = drawn(head, rows, align, format, color);
  if (format === 'markdown' || fit.columns === null) return table;
  const kept = head.map((_h, i) => i);
  for (const column of fit.drop) {
    if (widthOf(table) <= fit.columns) break;
    kept.splice(kept.indexOf(column), 1);
    const pick = <T>(cells: readonly T[]) => kept.map((i) => cells[i] as T);
    table = drawn(pick(head), rows.map(pick), pick(align), format, color);
  }
  return table;
}

function drawn(head: string[], rows: string[][], align: Align[], format: Format, color: boolean): string {
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
    return [
      line(head),
      `| ${align.map((a) => (a === 'right' ? '---:' : '---')).join(' | ')} |`,
      ...rows.map(line),
    ].join('\n');
  }
  const table = new Table({
    head,
    colAligns: align,
    chars: COMPACT_ROWS,
    style: { head: color ? ['cyan'] : [], border: color ? ['gray'] : [] },
  });
  table.push(...rows);
  return table.toString();
}
