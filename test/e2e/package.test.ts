/**
 * The package as a user gets it (issue 13): `npm pack`, installed from the tarball into a
 * temporary folder outside the repository (offline: its one runtime dependency, zod, is copied from
 * the repository's node_modules), then the installed `vram` binary run, and a TypeScript program
 * importing the library type-checked under --strict and run. Needs `npm run build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const BUILT = existsSync(join(ROOT, 'dist', 'cli.cjs'));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const PROGRAM = `import { estimateJson, modelFromPreset, planEstimate, type EstimatePlan } from 'vram';

const plan: EstimatePlan = planEstimate(modelFromPreset('llama-70b'), {
  ctx: 32_768,
  users: 10,
  gpu: 'h100-80gb',
  gpus: 4,
});
const fits: boolean | undefined = plan.fit?.fits;
console.log(JSON.stringify({ fits, totalBytes: estimateJson(plan).totalBytes }));
`;

describe.skipIf(!BUILT)('the packed package, installed outside the repository', () => {
  it('installs offline, runs vram, and a TypeScript import of the library compiles under --strict and runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vram-package-'));
    execFileSync(NPM, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT });
    const tarball = readdirSync(dir).find((file) => file.endsWith('.tgz')) as string;
    const app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    // zod, the one runtime dependency, as the repository has it: npm then installs offline.
    cpSync(join(ROOT, 'node_modules', 'zod'), join(app, 'node_modules', 'zod'), { recursive: true });
    const zod = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies.zod;
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { zod } }),
    );
    const install = ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tarball)];
    execFileSync(NPM, install, { cwd: app, stdio: 'pipe' });

    const vram = spawnSync(
      join(app, 'node_modules', '.bin', 'vram'),
      ['estimate', '--model', 'llama-70b', '--format', 'json'],
      {
        cwd: app,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', COLUMNS: '' },
      },
    );
    expect(vram.status, vram.stderr).toBe(0);
    expect(JSON.parse(vram.stdout).model.id).toBe('llama-2-70b');
    // The JSON Schemas ship with the package, under vram/schemas/.
    const schema = JSON.parse(
      readFileSync(join(app, 'node_modules', 'vram', 'dist', 'schemas', 'estimate.schema.json'), 'utf8'),
    );
    expect(schema.properties.schemaVersion).toEqual({ type: 'number', const: 1 });

    writeFileSync(join(app, 'main.ts'), PROGRAM);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const options = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
    const compiled = spawnSync(process.execPath, [tsc, ...options, '--outDir', 'out', 'main.ts'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
    const ran = spawnSync(process.execPath, [join(app, 'out', 'main.js')], { cwd: app, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ fits: true, totalBytes: 256_736_273_664 });
  }, 120_000);
});
