// Start-up benchmark: whole-process runs of the design-card command against bare `node -e 0`,
// interleaved in the same run so machine noise hits both alike. Prints the medians and the ratio.
// Usage: npm run bench [-- --runs 30]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 25;
if (!existsSync('dist/cli.cjs')) {
  console.error('dist/cli.cjs is missing: run `npm run build` first');
  process.exit(1);
}
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'vram estimate --model llama-70b --ctx 32k --users 10': [
    process.execPath,
    ['bin/vram.js', 'estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'],
  ],
};
const env = { ...process.env, NO_COLOR: '1' };
const timings = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      console.error(`${name} exited ${result.status}`);
      process.exit(1);
    }
    if (i >= 2) timings[name].push(ms); // the first two rounds warm the file cache
  }
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const [bare, tool] = Object.keys(cases).map((name) => median(timings[name]));
console.log(`runs: ${runs} each, interleaved (node ${process.version})`);
console.log(`median node -e 0:        ${bare.toFixed(1)} ms`);
console.log(`median vram estimate:    ${tool.toFixed(1)} ms`);
console.log(`ratio:                   ${(tool / bare).toFixed(2)}× bare node (target ≤ 1.30×)`);
