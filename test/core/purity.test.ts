/**
 * The functional core and the plan layer are pure: every file under src/core/ and src/plan/ (walked
 * recursively) imports no IO, CLI or validation library, never touches process or the console, and
 * opens with a docblock.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', '..', 'src');
const FORBIDDEN_IMPORT = /from\s+['"](node:[^'"]+|fs|path|os|child_process|chalk|commander|cli-table3|zod[^'"]*)['"]/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const FILES = ['core', 'plan'].flatMap((layer) => walk(join(SRC, layer))).map((file) => relative(SRC, file));

describe('src/core and src/plan are pure', () => {
  it('walks both layers, subfolders included', () => {
    expect(FILES.some((file) => file.startsWith('core/serving/'))).toBe(true);
    expect(FILES.some((file) => file.startsWith('core/training/'))).toBe(true);
    expect(FILES.some((file) => file.startsWith('plan/'))).toBe(true);
  });

  it.each(FILES)('%s imports no IO, CLI or validation library and never touches process', (file) => {
    const source = readFileSync(join(SRC, file), 'utf8');
    expect(source).not.toMatch(FORBIDDEN_IMPORT);
    expect(source).not.toMatch(/\bprocess\./);
    expect(source).not.toMatch(/\bconsole\./);
    expect(source).not.toMatch(/\brequire\(/);
  });

  it.each(FILES)('%s opens with a docblock', (file) => {
    expect(readFileSync(join(SRC, file), 'utf8').trimStart().startsWith('/**')).toBe(true);
  });

  it('render/ imports nothing from cli/', () => {
    for (const file of walk(join(SRC, 'render')))
      expect(readFileSync(file, 'utf8')).not.toMatch(/from\s+['"]\.\.\/cli\//);
  });
});
