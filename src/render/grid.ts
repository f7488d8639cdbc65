/**
 * A table as the output format asks: cli-table3 with compact rows for people, or a GitHub-flavoured
 * markdown table (right-aligned columns marked `---:`). The renderers of every command share it.
 */
import Table from 'cli-table3';
import type { Format } from '../plan/common.js';
import { COMPACT_ROWS } from './estimateText.js';

export type Align = 'left' | 'right';

export function grid(head: string[], rows: string[][], align: Align[], format: Format, color: boolean): string {
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
