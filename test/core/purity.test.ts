import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(__dirname, '..', '..', 'src', 'core');
const FORBIDDEN_IMPORT = /from\s+['"](node:[^'"]+|fs|path|os|chalk|commander|cli-table3|zod[^'"]*)['"]/;

describe('src/core is pure', () => {
  const files = readdirSync(CORE).filter((file) => file.endsWith('.ts'));

  it.each(files)('%s imports no IO, CLI or validation library and never touches process', (file) => {
    const source = readFileSync(join(CORE, file), 'utf8');
    expect(source).not.toMatch(FORBIDDEN_IMPORT);
    expect(source).not.toMatch(/\bprocess\./);
    expect(source).not.toMatch(/\bconsole\./);
  });

  it.each(files)('%s opens with a docblock', (file) => {
    expect(readFileSync(join(CORE, file), 'utf8').trimStart().startsWith('/**')).toBe(true);
  });
});
