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
});
