// `npm run bench`: start-up of every command against bare `node -e 0`, interleaved in the same
// rounds so machine noise hits all alike (median and interquartile spread of each, and its ratio to
// bare node against the 1.2× goal), whether V8 accepted the code cache, and the library's
// in-process throughput (operations per second, median and spread of five timed batches).
// Usage: npm run bench [-- --runs 30]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;
if (!existsSync('dist/cli.cjs')) {
  console.error('dist/cli.cjs is missing: run `npm run build` first');
  process.exit(1);
}
const GOAL = 1.2;
const config = join(mkdtempSync(join(tmpdir(), 'vram-bench-')), 'config.json');
writeFileSync(config, JSON.stringify(JSON.parse(readText('presets/models/llama-3.1-8b.json')).config));
function readText(path) {
  return createRequire(import.meta.url)('node:fs').readFileSync(path, 'utf8');
}
const vram = (...args) => [process.execPath, ['bin/vram.js', ...args]];
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'estimate (design card)': vram('estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'),
  '--help': vram('--help'),
  '--version': vram('--version'),
  'training, ZeRO-3': vram(
    'estimate',
    '--train',
    '--model',
    'llama-70b',
    '--gpus',
    '8',
    '--zero',
    '3',
    '--gpu',
    'h100',
  ),
  'capacity, whole catalog': vram('capacity', '--model', 'llama-70b'),
  'capacity, vLLM': vram('capacity', '--model', 'llama-70b', '--gpu', 'h100', '--gpus', '4'),
  'capacity, vLLM, 6-point sweep': vram(
    'capacity',
    '--model',
    'llama-70b',
    '--gpu',
    'h100',
    '--gpus',
    '4',
    '--sweep-ctx',
    '4k,8k,16k,32k,64k,128k',
  ),
  gpus: vram('gpus'),
  models: vram('models'),
  inspect: vram('inspect', 'llama-70b'),
  '--config': vram('estimate', '--config', config),
};
const env = { ...process.env, NO_COLOR: '1' };
const timings = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      console.error(`${name} exited ${result.status}: ${result.stderr}`);
      process.exit(1);
    }
    if (i >= 2) timings[name].push(ms); // the first two rounds warm the file cache
  }
}
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
};
const bare = quantile(timings['node -e 0'], 0.5);
console.log(`start-up: ${runs} interleaved runs each (node ${process.version}); goal ≤ ${GOAL}× bare node`);
console.log(['command', 'median ms', 'spread (IQR) ms', 'ratio', 'goal'].join('\t'));
for (const [name, values] of Object.entries(timings)) {
  const median = quantile(values, 0.5);
  const spread = `${quantile(values, 0.25).toFixed(1)}–${quantile(values, 0.75).toFixed(1)}`;
  const ratio = median / bare;
  const met = name === 'node -e 0' ? '' : ratio <= GOAL ? 'met' : 'not met';
  console.log([name, median.toFixed(1), spread, `${ratio.toFixed(2)}×`, met].join('\t'));
}

// Whether V8 took the code cache as this Node runs it (NODE_OPTIONS included).
const probe = spawnSync(
  process.execPath,
  ['-e', "process.stdout.write(String(require('./bin/load-cli.js').loadCli().script.cachedDataRejected))"],
  { env, encoding: 'utf8' },
);
console.log(
  `code cache: ${probe.stdout === 'false' ? 'accepted' : probe.stdout === 'true' ? 'REJECTED' : `unknown (${probe.stdout}${probe.stderr})`}`,
);

// Library throughput, in process.
const library = await import(join(process.cwd(), 'dist', 'index.mjs'));
const seventy = library.modelFromPreset('llama-70b');
const workloads = {
  'planEstimate (llama-70b, 32k × 10)': () => library.planEstimate(seventy, { ctx: 32768, users: 10 }),
  'planTraining (llama-70b, ZeRO-3 × 8)': () => library.planTraining(seventy, { gpus: 8, zero: 3, gpu: 'h100' }),
  'planCapacity (llama-70b, vLLM × 4)': () => library.planCapacity(seventy, { gpu: 'h100', gpus: 4 }),
};
console.log(['library', 'ops/s (median)', 'spread (min–max of 5 batches)'].join('\t'));
for (const [name, work] of Object.entries(workloads)) {
  for (let i = 0; i < 200; i++) work(); // warm up the JIT
  const rates = [];
  for (let batch = 0; batch < 5; batch++) {
    const count = 500;
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) work();
    rates.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log([name, fmt(quantile(rates, 0.5)), `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`].join('\t'));
}
