// Builds everything `npm ci` (prepare) and `npm test` need:
// - dist/cli.cjs: the CLI as one bundle, so start-up reads a single file;
// - dist/cli.cjs.cache: V8's code cache for it, produced after warm-up runs (see bin/load-cli.js);
// - dist/index.mjs and dist/types: the library entry and its declarations.
// VRAM_PROFILE=1 npm run build leaves the CLI bundle unminified, for `node --cpu-prof`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// Start-up stand-ins, each explained in its file: string-width's 10 KB emoji pattern, an ASCII fast path
// for string-width as cli-table3 measures cells, the child_process
// module commander loads for executable subcommands vram does not have, and chalk's terminal probe (vram
// sets the colour level itself). `replaces` lists the import specifiers aliased to the file; `importer` is
// the package whose import the stand-in exists for. checkStandIns fails the build when one stops applying.
const STAND_INS = [
  { file: 'scripts/bundle/emojiRegex.cjs', importer: 'string-width', replaces: ['emoji-regex'] },
  {
    file: 'scripts/bundle/lazyChildProcess.cjs',
    importer: 'commander',
    replaces: ['node:child_process', 'child_process'],
  },
  { file: 'scripts/bundle/supportsColor.cjs', importer: 'chalk', replaces: ['#supports-color'] },
  { file: 'scripts/bundle/stringWidth.cjs', importer: 'cli-table3', replaces: ['string-width'] },
];

/** A hash of everything a build reads: sources, presets, build scripts, the package and its lockfile. */
function inputsStamp() {
  const hash = createHash('sha256');
  const files = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
  for (const dir of ['src', 'presets', 'scripts/bundle']) files.push(...listFiles(dir));
  files.push('scripts/build.mjs', 'bin/load-cli.js');
  for (const file of files.sort()) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  return `${process.version} ${hash.digest('hex')}`;
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

function readIfExists(file) {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Stops the build with one line and exit code 1, leaving no dist/ that could pass for a good build. */
function fail(message) {
  rmSync('dist', { recursive: true, force: true });
  console.error(`build failed: ${message}`);
  process.exit(1);
}

/** esbuild's alias map: every specifier a stand-in replaces, mapped to the stand-in. */
function standInAliases() {
  for (const { file } of STAND_INS) {
    if (!existsSync(file)) fail(`the start-up stand-in ${file} is missing (see STAND_INS in scripts/build.mjs)`);
  }
  return Object.fromEntries(STAND_INS.flatMap(({ file, replaces }) => replaces.map((name) => [name, `./${file}`])));
}

/**
 * Reads the bundle's metafile: for each stand-in, a file of its `importer` package must import one of the
 * `replaces` specifiers and get the stand-in. When an upstream release renames or drops that import, the
 * alias matches nothing and the real module would be bundled silently; this makes that a build failure.
 */
function checkStandIns(metafile) {
  const inputs = Object.entries(metafile.inputs);
  for (const { file, importer, replaces } of STAND_INS) {
    const files = inputs.filter(([path]) => path.includes(`node_modules/${importer}/`));
    const used = files.some(([, input]) => input.imports.some((i) => i.path === file && replaces.includes(i.original)));
    if (used) continue;
    const why = files.length === 0 ? `${importer} is no longer in the bundle` : `no file of ${importer} imports it`;
    const what = `${file} stands in for ${replaces.join(' or ')} as imported by ${importer}`;
    fail(`${what}, but ${why}; update or remove the stand-in and its STAND_INS entry in scripts/build.mjs`);
  }
}

// `--if-stale` (npm test): skip the build when dist/ was built from these very inputs, so a fresh
// clone builds once (`npm ci` runs prepare) rather than again in `npm test`.
const stamp = inputsStamp();
if (process.argv.includes('--if-stale') && readIfExists('dist/.inputs') === stamp) {
  console.log('dist/ is up to date with src/, presets/, scripts/ and the lockfile; not rebuilt');
  process.exit(0);
}

rmSync('dist', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  format: 'esm',
  packages: 'external',
});
// `vram models` prints rows the library computes from the bundled presets: computed here once, so
// the CLI does not read and count 59 configs at every start (src/plan/catalogs.ts).
const { modelRows, DOCUMENT_SCHEMAS } = await import(pathToFileURL('dist/index.mjs').href);
// The JSON Schema of every --format json document, from its zod schema (src/render/documentSchemas.ts).
const { toJSONSchema } = await import('zod/mini');
mkdirSync('dist/schemas', { recursive: true });
for (const [name, schema] of Object.entries(DOCUMENT_SCHEMAS)) {
  writeFileSync(`dist/schemas/${name}.schema.json`, `${JSON.stringify(toJSONSchema(schema), null, 2)}\n`);
}
const cliBuild = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  minify: process.env.VRAM_PROFILE !== '1',
  alias: standInAliases(),
  define: { __VRAM_MODEL_ROWS__: JSON.stringify(modelRows()) },
  metafile: true,
});
checkStandIns(cliBuild.metafile);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// Warm the functions the common run compiles (the design-card estimate), then save V8's code
// cache with them included. A wider warm-up makes a larger cache, which costs more to load than
// it saves (measured with npm run bench).
const { loadCli, cachePath } = createRequire(import.meta.url)('../bin/load-cli.js');
const { cli, script } = loadCli({ useCache: false });
const quiet = { write: () => true };
const io = { stdout: quiet, stderr: quiet, env: { NO_COLOR: '1' }, stdoutIsTty: false, readStdin: async () => '' };
for (const argv of [['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10']]) {
  await cli.main(argv, io);
}
writeFileSync(cachePath, script.createCachedData());
writeFileSync('dist/.inputs', stamp);
