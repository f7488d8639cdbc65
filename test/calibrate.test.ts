/**
 * scripts/calibrate/calibrate.py --dry-run: the scenario matrix and the dataset's shape, without torch or a GPU.
 * Skipped where python3 is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'calibrate', 'calibrate.py');
const hasPython = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

interface Case {
  id: string;
  kind: string;
  model: string;
  configOverrides: Record<string, unknown>;
  ctx: number;
  users?: number;
  batch?: number;
  attention: string;
  vramCommand: string;
  measured: unknown;
  error: unknown;
}

describe.skipIf(!hasPython)('calibrate.py --dry-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vram-calibrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function dryRun(...extra: string[]) {
    const out = join(dir, `dataset-${extra.length}.json`);
    const result = spawnSync('python3', [SCRIPT, '--dry-run', '--out', out, ...extra], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')) as { schemaVersion: number; environment: object; cases: Case[] };
  }

  it('writes every case with a vram command and no measurement', () => {
    const data = dryRun();
    expect(data.schemaVersion).toBe(1);
    expect(data.environment).toMatchObject({ dryRun: true, gpuName: null });
    expect(data.cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(data.cases.map((c) => c.id)).size).toBe(data.cases.length);
    for (const c of data.cases) {
      expect(['inference-prefill', 'inference-decode', 'training']).toContain(c.kind);
      expect(c.measured).toBeNull();
      expect(c.error).toBeNull();
      expect(['flash', 'eager']).toContain(c.attention);
      expect(c.vramCommand).toContain(`--model ${c.model} --ctx ${c.ctx} `);
      expect(c.vramCommand.includes('--mode training')).toBe(c.kind === 'training');
      expect(c.kind === 'training' ? c.batch : c.users).toBeGreaterThan(0);
    }
    const kinds = new Set(data.cases.map((c) => c.kind));
    expect(kinds.size).toBe(3);
  });

  it('spells overrides as --set and keeps them in the case', () => {
    const mixtral = dryRun().cases.filter((c) => c.model === 'mixtral-8x7b');
    expect(mixtral.length).toBeGreaterThan(0);
    for (const c of mixtral) {
      expect(c.configOverrides).toEqual({ num_hidden_layers: 4 });
      expect(c.vramCommand).toMatch(/ --set num_hidden_layers=4$/);
    }
  });

  it('filters with --only and applies --override', () => {
    const cases = dryRun('--only', 'prefill/qwen2.5-7b', '--override', 'qwen2.5-7b:num_hidden_layers=8').cases;
    expect(cases.length).toBe(10);
    for (const c of cases) {
      expect(c.id).toMatch(/^prefill\/qwen2\.5-7b@num_hidden_layers=8\//);
      expect(c.vramCommand).toMatch(/ --set num_hidden_layers=8$/);
    }
  });
});

describe('the measured H200 dataset', () => {
  const data = JSON.parse(
    readFileSync(join(ROOT, 'test', 'fixtures', 'measured', 'gpu-calibration-h200.json'), 'utf8'),
  );

  it("has the dry run's shape, with whole-byte measurements", () => {
    expect(data.schemaVersion).toBe(1);
    expect(data.environment.gpuName).toBe('NVIDIA H200');
    const measured = data.cases.filter((c: Case) => c.measured !== null);
    expect(measured.length).toBeGreaterThanOrEqual(60);
    for (const c of measured) {
      for (const key of ['maxAllocatedBytes', 'maxReservedBytes', 'baselineAllocatedBytes', 'weightsBytes']) {
        expect(Number.isSafeInteger(c.measured[key]), `${c.id} ${key}`).toBe(true);
      }
      expect(c.measured.maxReservedBytes).toBeGreaterThanOrEqual(c.measured.maxAllocatedBytes);
    }
  });
});
