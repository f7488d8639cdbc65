/**
 * `vram plan` (issue 13): the cheapest deployments over tensor parallel × pipeline stages ×
 * replicas, each one checked against `vram capacity` on the same deployment (the plan and capacity
 * must agree on what fits), and minimal: one stage fewer does not fit.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedDeployment } from '../../src/plan/deploymentPlan.js';
import { run, runJson } from '../helpers.js';

const FOUR_OH_FIVE = ['plan', '--model', 'llama-3.1-405b', '--dtype', 'fp8', '--ctx', '128k', '--users', '32'];

/** A deployment as `vram plan --format json` prints it. */
type Deployment = PlannedDeployment;

async function capacityVerdict(base: string[], d: Deployment, stages: number): Promise<string> {
  const gpus = d.tensorParallel * stages * d.replicas;
  const argv = ['capacity', ...base, '--engine', 'vllm', '--gpu', d.gpu, '--gpus', String(gpus)];
  const deployment = ['--tp', String(d.tensorParallel), '--pp', String(stages), '--dp', String(d.replicas)];
  const { code, json } = await runJson([...argv, ...deployment]);
  expect(code, argv.join(' ')).toBe(0);
  return json.fitsVerdict;
}

describe('vram plan', () => {
  it('Llama-3.1-405B in fp8 at 128k for 32 users gets a plan on H100s: 40 GPUs as tp 8 × pp 5 fit at both ends of the ranges', async () => {
    const { code, json } = await runJson([...FOUR_OH_FIVE, '--gpu', 'h100-80gb']);
    expect(code).toBe(0);
    const deployments: Deployment[] = json.deployments;
    expect(deployments.length).toBeGreaterThan(0);
    for (let i = 1; i < deployments.length; i++) {
      const [a, b] = [deployments[i - 1] as Deployment, deployments[i] as Deployment];
      expect(a.gpuCount < b.gpuCount || (a.gpuCount === b.gpuCount && a.headroomBytes >= b.headroomBytes)).toBe(true);
    }
    const safe = deployments.find((d) => d.verdict === 'yes');
    expect(safe).toMatchObject({ gpuCount: 40, tensorParallel: 8, pipelineParallel: 5, replicas: 1, nodes: 5 });
    for (const d of deployments) {
      expect(d.gpuCount).toBe(d.tensorParallel * d.pipelineParallel * d.replicas);
      expect(d.requiredBytesPerGpu + d.headroomBytes).toBe(d.memoryBytes);
    }
  }, 30_000);

  it('agrees with vram capacity on each deployment, and one stage fewer does not fit', async () => {
    const base = ['--model', 'llama-3.1-405b', '--dtype', 'fp8', '--ctx', '128k', '--users', '32'];
    const { json } = await runJson([...FOUR_OH_FIVE, '--gpu', 'h100-80gb', '--top', '4']);
    for (const d of json.deployments as Deployment[]) {
      expect(await capacityVerdict(base, d, d.pipelineParallel)).toBe(d.verdict === 'yes' ? 'yes' : 'expected-only');
      if (d.pipelineParallel > 1) expect(await capacityVerdict(base, d, d.pipelineParallel - 1)).toBe('no');
    }
  }, 30_000);

  it('without --gpu ranks the best deployment of each catalog GPU; --top limits the list', async () => {
    const { json } = await runJson([...FOUR_OH_FIVE, '--top', '3']);
    expect(json.inputs).toMatchObject({ gpu: null, top: 3, users: 32, ctx: 131072 });
    expect(json.deployments).toHaveLength(3);
    expect(new Set(json.deployments.map((d: Deployment) => d.gpu)).size).toBe(3);
    expect(json.engine).toBe('vllm');
  }, 30_000);

  it('prints a table with the layout and verdict, and refuses llama.cpp with one line', async () => {
    const table = await run(['plan', '--model', 'llama-3.1-8b', '--ctx', '8k', '--users', '4', '--gpu', 'l4']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^llama-3\.1-8b \(8\.03B params\): vllm, 8,192 tokens × 4 users/);
    expect(table.stdout).toMatch(/│ 1 │ l4 {2,}│ +1 │ tp 1 /);
    const llama = await run(['plan', '--model', 'llama-3.1-8b', '--engine', 'llama.cpp']);
    expect(llama.code).toBe(2);
    expect(llama.stderr).toMatch(/^error: --engine: llama\.cpp splits layers over the GPUs of one machine/);
  });
});

describe('estimate without --gpu ends with a verdict (issue 13)', () => {
  it('the fewest GPUs of each common type that hold the estimate, fewest first, and a hint; none with --gpu', async () => {
    const design = ['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'];
    const { json } = await runJson(design);
    const rows = json.fewestGpus as { gpu: string; deployment: Deployment | null }[];
    expect(rows.map((row) => row.gpu).sort()).toEqual(
      ['a100-80gb', 'b200', 'h100-80gb', 'h200', 'l40s', 'mi300x', 'rtx-4090'].sort(),
    );
    const h100 = rows.find((row) => row.gpu === 'h100-80gb')?.deployment;
    expect(h100).toMatchObject({ gpuCount: 4, tensorParallel: 4, pipelineParallel: 1, replicas: 1 });
    const counts = rows.map((row) => row.deployment?.gpuCount ?? Number.POSITIVE_INFINITY);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    // The estimate's own fit agrees: 4 × H100 fits, 2 do not.
    const fitsOn = async (gpus: string) =>
      (await runJson([...design, '--gpu', 'h100-80gb', '--gpus', gpus])).json.fit.fits as boolean;
    expect(await fitsOn('4')).toBe(true);
    expect(await fitsOn('2')).toBe(false);
    const text = await run(design);
    expect(text.stdout).toMatch(/Fewest GPUs that hold this estimate/);
    expect(text.stdout).toMatch(/^ +4 × +h100-80gb +79\.65 GiB +tp 4, /m);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Add --gpu <id>/);
    expect((await runJson([...design, '--gpu', 'h100-80gb', '--gpus', '4'])).json.fewestGpus).toBeUndefined();
  });
});
