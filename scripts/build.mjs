// Builds everything `npm ci` (prepare) and `npm test` need:
// - dist/cli.cjs: the CLI as one bundle, so start-up reads a single file;
// - dist/cli.cjs.cache: V8's code cache for it, produced after warm-up runs (see bin/load-cli.js);
// - dist/index.mjs and dist/types: the library entry and its declarations.
// VRAM_PROFILE=1 npm run build leaves the CLI bundle unminified, for `node --cpu-prof`.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  minify: process.env.VRAM_PROFILE !== '1',
  // Start-up stand-ins, each explained in its file: string-width's 10 KB emoji pattern, the
  // child_process module commander loads for executable subcommands vram does not have, and
  // chalk's terminal probe (vram sets the colour level itself).
  alias: {
    '#supports-color': './src/bundle/supportsColor.cjs',
    'emoji-regex': './src/bundle/emojiRegex.cjs',
    'node:child_process': './src/bundle/lazyChildProcess.cjs',
    child_process: './src/bundle/lazyChildProcess.cjs',
  },
});
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs', format: 'esm', packages: 'external' });
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
