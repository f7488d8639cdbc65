import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPUS } from '../src/model/gpus.js';
import { gpuCatalogSchema } from '../src/model/gpuSchema.js';
import { readHfConfig } from '../src/model/hfConfig.js';
import { PRESETS } from '../src/model/presets.js';
import { presetSchema } from '../src/model/presetSchema.js';

const PRESET_DIR = join(__dirname, '..', 'presets', 'models');
const SHARED_CONFIGS = join(__dirname, '..', '..', 'shared', 'configs');

describe('model presets', () => {
  it('every file in presets/models is listed in src/model/presetFiles.ts', () => {
    const files = readdirSync(PRESET_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(PRESETS.map((p) => p.id).sort()).toEqual(files.sort());
  });

  it.each(PRESETS.map((p) => [p.id, p] as const))(
    '%s matches the preset schema and reads as a config',
    (id, preset) => {
      expect(presetSchema.safeParse(preset).success).toBe(true);
      expect(() => readHfConfig(preset.config, id)).not.toThrow();
    },
  );

  it('ids and aliases are unique', () => {
    const names = PRESETS.flatMap((p) => [p.id, ...p.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the design-card presets exist', () => {
    for (const id of ['llama-2-7b', 'llama-2-13b', 'llama-2-70b', 'bert-base-uncased'])
      expect(PRESETS.some((p) => p.id === id)).toBe(true);
  });

  it.runIf(readdirSync(join(__dirname, '..', '..')).includes('shared'))(
    'configs are verbatim copies of ../shared/configs',
    () => {
      const sources = JSON.parse(readFileSync(join(SHARED_CONFIGS, 'SOURCES.json'), 'utf8')) as Record<
        string,
        { canonical_url: string }
      >;
      for (const [file, { canonical_url }] of Object.entries(sources)) {
        const preset = PRESETS.find((p) => p.source === canonical_url);
        expect(preset, file).toBeDefined();
        expect(preset!.config).toEqual(JSON.parse(readFileSync(join(SHARED_CONFIGS, file), 'utf8')));
      }
    },
  );
});

describe('GPU catalog', () => {
  const catalog = JSON.parse(readFileSync(join(__dirname, '..', 'presets', 'gpus.json'), 'utf8'));

  it('matches the catalog schema', () => {
    expect(gpuCatalogSchema.safeParse(catalog).success).toBe(true);
  });

  it('holds the GPUs the design asks for, each with a source', () => {
    const ids = GPUS.map((g) => g.id);
    for (const id of [
      'a100-40gb',
      'a100-80gb',
      'h100-80gb',
      'h200',
      'b200',
      'l40s',
      'l4',
      'a10g',
      't4',
      'v100-16gb',
      'v100-32gb',
      'rtx-3090',
      'rtx-4090',
      'rtx-a6000',
      'mi300x',
    ]) {
      expect(ids).toContain(id);
    }
    for (const gpu of GPUS) expect(gpu.source.length).toBeGreaterThan(20);
  });

  it('uses the figures nvidia-smi reports, not marketed sizes (REFERENCES.md)', () => {
    const mib = Object.fromEntries(GPUS.map((g) => [g.id, g.reportedMiB]));
    expect(mib['h100-80gb']).toBe(81_559);
    expect(mib.h200).toBe(143_771);
  });

  it('ids and aliases are unique', () => {
    const names = GPUS.flatMap((g) => [g.id, ...g.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });

  // The cards local llama.cpp / Ollama / LM Studio users run: nvidia-smi (R510+) MiB, or rocm-smi
  // bytes / 2^20, each as quoted in the entry's source.
  it.each([
    ['rtx-3060', 12_288],
    ['rtx-3070', 8_192],
    ['rtx-3080', 10_240],
    ['rtx-3080-12gb', 12_288],
    ['rtx-3080-ti', 12_288],
    ['rtx-3090-ti', 24_564],
    ['rtx-4060', 8_188],
    ['rtx-4060-ti-16gb', 16_380],
    ['rtx-4070', 12_282],
    ['rtx-4070-ti-super', 16_376],
    ['rtx-4080', 16_376],
    ['rtx-4080-super', 16_376],
    ['rtx-5060-ti-16gb', 16_311],
    ['rtx-5070', 12_227],
    ['rtx-5070-ti', 16_303],
    ['rtx-5080', 16_303],
    ['rx-7900-xtx', 24_560],
    ['rx-7900-xt', 20_464],
  ] as const)('%s reports %i MiB, quoted in its source', (id, mib) => {
    const gpu = GPUS.find((g) => g.id === id);
    expect(gpu).toBeDefined();
    expect(gpu!.reportedMiB).toBe(mib);
    expect(gpu!.memoryIsMarketed).toBe(false);
    expect(gpu!.source).toMatch(new RegExp(`\\b(${mib} ?MiB|${mib * 2 ** 20})\\b`));
  });

  describe('Apple silicon', () => {
    const macs = GPUS.filter((g) => g.name.startsWith('Apple '));

    it('holds the common Macs', () => {
      const ids = macs.map((g) => g.id);
      for (const id of [
        'm1-8gb',
        'm1-16gb',
        'm1-pro-16gb',
        'm1-max-64gb',
        'm2-16gb',
        'm2-max-32gb',
        'm3-pro-18gb',
        'm3-max-36gb',
        'm3-max-48gb',
        'm3-ultra-512gb',
        'm4-16gb',
        'm4-24gb',
        'm4-pro-48gb',
        'm4-max-128gb',
      ]) {
        expect(ids).toContain(id);
      }
    });

    it('only Apple entries give unified memory, and every one does', () => {
      for (const gpu of GPUS) expect(gpu.unifiedMemoryMiB !== undefined, gpu.id).toBe(gpu.name.startsWith('Apple '));
    });

    it.each(macs.map((g) => [g.id, g] as const))(
      "%s: Metal's working-set limit, below its RAM, which its id and marketed size name",
      (id, gpu) => {
        const ramMiB = gpu.unifiedMemoryMiB!;
        expect(gpu.reportedMiB).toBeLessThan(ramMiB);
        expect(gpu.reportedMiB).toBeGreaterThan(ramMiB / 2);
        expect(id.endsWith(`-${ramMiB / 1024}gb`)).toBe(true);
        expect(gpu.marketedSize).toBe(`${ramMiB / 1024} GB unified`);
        expect(gpu.source).toContain('recommendedMaxWorkingSetSize');
        expect(gpu.note).toContain('iogpu.wired_limit_mb');
      },
    );

    it('Macs with the same RAM share one limit (it follows RAM and macOS, not the chip)', () => {
      const byRam = new Map<number, Set<number>>();
      for (const gpu of macs) {
        const limits = byRam.get(gpu.unifiedMemoryMiB!) ?? new Set<number>();
        limits.add(gpu.reportedMiB);
        byRam.set(gpu.unifiedMemoryMiB!, limits);
      }
      for (const [ram, limits] of byRam) expect([...limits], `${ram} MiB`).toHaveLength(1);
    });
  });
});
