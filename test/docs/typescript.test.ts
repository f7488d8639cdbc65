/**
 * Every ```ts block of the README and docs/ (issue 13) is a program that compiles under
 * `tsc --strict` against the package as installed (its exports and declarations, linked as
 * node_modules/vram) and runs. Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const BUILT = existsSync(join(ROOT, 'dist', 'index.mjs'));
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((file) => join('docs', file))];

function typescriptBlocks(): [string, string][] {
  return PAGES.flatMap((page) =>
    [...readFileSync(join(ROOT, page), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match, i): [string, string] => [
      `${page} #${i + 1}`,
      match[1] ?? '',
    ]),
  );
}

describe.skipIf(!BUILT)('TypeScript examples in the README and docs/', () => {
  const blocks = typescriptBlocks();

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it('all compile under --strict against the package and run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vram-docs-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'vram'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'docs', private: true, type: 'module' }));
    const files = blocks.map(([, code], i) => {
      const file = `example${i + 1}.ts`;
      writeFileSync(join(dir, file), code);
      return file;
    });
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
    const compiled = spawnSync(process.execPath, [tsc, ...flags, '--skipLibCheck', '--outDir', 'out', ...files], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
    files.forEach((file, i) => {
      const ran = spawnSync(process.execPath, [join(dir, 'out', file.replace(/\.ts$/, '.js'))], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(ran.status, `${blocks[i]?.[0]}: ${ran.stderr}`).toBe(0);
    });
  }, 60_000);
});
