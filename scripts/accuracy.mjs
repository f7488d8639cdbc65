#!/usr/bin/env node
/**
 * `npm run accuracy`: every measured case in test/fixtures/measured/*.json through vram (the CLI,
 * JSON output), a table of measured, estimate, range and signed error, and statistics per kind.
 * The comparison rules are in scripts/accuracy/compare.mjs; test/accuracy.test.ts enforces the
 * thresholds. Run `npm run build` first (the CLI runs from dist/).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { argvOf, comparison, pooledStatistics, signedError, statistics } from './accuracy/compare.mjs';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'test', 'fixtures', 'measured');
const GIB = 2 ** 30;

// A file with `replicationOf` reruns other files' cases on another GPU: test/accuracy.test.ts
// compares it with them; counting it here would count each case twice. llama.cpp's own buffer
// sizes (llama-cpp-*.json, `points`) are compared by test/llamaCppCalibration.test.ts.
function cases() {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && !file.startsWith('llama-cpp-'))
    .map((file) => ({ file, data: JSON.parse(readFileSync(join(dir, file), 'utf8')) }))
    .filter(({ file, data }) => {
      if (data.replicationOf)
        console.error(`${file}: a rerun of ${data.replicationOf.split(':')[0]}; not counted again`);
      return !data.replicationOf;
    })
    .flatMap(({ file, data }) => data.cases.map((c) => ({ ...c, file })));
}

function run(command) {
  const out = execFileSync(process.execPath, [join(root, 'bin', 'vram.js'), ...argvOf(command)], { encoding: 'utf8' });
  return JSON.parse(out);
}

const rows = [];
const excluded = [];
for (const testCase of cases()) {
  if (testCase.error || testCase.skipped || !testCase.vramCommand) continue;
  const row = comparison(testCase, run(testCase.vramCommand));
  if (!row) continue;
  // A case its own source contradicts is shown, with why, but not counted.
  if (testCase.excluded) excluded.push({ id: testCase.id, kind: testCase.kind, ...row, why: testCase.excluded });
  else rows.push({ id: testCase.id, kind: testCase.kind, ...row });
}
const gib = (value, row) =>
  value === null ? '—' : row.metric === 'engine KV tokens' ? String(value) : (value / GIB).toFixed(2);
console.log(['case', 'metric', 'measured (GiB or tokens)', 'estimate', 'range', 'error'].join('\t'));
for (const row of rows) {
  const range = row.low === null ? '—' : `${gib(row.low, row)}–${gib(row.high, row)}`;
  const error = `${(signedError(row) * 100).toFixed(1)}%`;
  console.log([row.id, row.metric, gib(row.measured, row), gib(row.estimate, row), range, error].join('\t'));
}
for (const row of excluded) {
  const error = `${(signedError(row) * 100).toFixed(1)}%`;
  console.log(
    [`${row.id} (excluded)`, row.metric, gib(row.measured, row), gib(row.estimate, row), '—', error].join('\t'),
  );
  console.log(`  excluded: ${row.why}`);
}
const sources = new Set(cases().map((c) => c.source?.url ?? c.source ?? c.file));
console.log(`\n${rows.length} cases compared (${excluded.length} excluded) from ${sources.size} sources`);
console.log('\nkind\tcases\tmedian |error|\tmax |error|\tunder\tinside range');
for (const s of [...statistics(rows), ...pooledStatistics(rows)]) {
  const pct = (x) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  console.log(
    [s.kind, s.count, pct(s.medianAbsError), pct(s.maxAbsError), pct(s.shareUnder), pct(s.shareInsideRange)].join('\t'),
  );
}
