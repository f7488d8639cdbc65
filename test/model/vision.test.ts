/**
 * Vision towers of multimodal presets (issue 9). Each language model and tower is pinned to what
 * transformers 5.18.0 builds from the same config on the meta device (AutoModelForImageTextToText;
 * vision_tower / visual and multi_modal_projector / merger counted apart):
 *   LLaVA-1.5-7B   language 6,738,939,904, CLIP 303,507,456 + projector 20,979,712
 *   Qwen2.5-VL-7B  language 7,615,616,512, ViT 631,975,680 + merger 44,574,464
 *   Gemma 3 27B    language 27,009,346,304, SigLIP 416,866,032 + projector 6,194,304
 *   Llama 4 Scout  language 107,769,861,120, ViT and adapter 811,115,008 + projector 60,817,408
 * Tokens per image: LLaVA (336 / 14)² = 576; Gemma 3 mm_tokens_per_image 256; Qwen2.5-VL a
 * 1,024-px image resized to 37 × 28 px per side: 37² = 1,369 merged tokens.
 */
import { describe, expect, it } from 'vitest';
import { countParameters } from '../../src/core/parameters.js';
import { visionParameterCount } from '../../src/core/visionTower.js';
import { PRESETS } from '../../src/model/presets.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { componentBytes, run, runJson } from '../helpers.js';

function read(id: string) {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(id);
  return readModelConfig(preset.config, id).arch;
}

describe('vision towers', () => {
  it.each([
    ['llava-1.5-7b', 6_738_939_904, 303_507_456 + 20_979_712, 576],
    ['qwen2.5-vl-7b', 7_615_616_512, 631_975_680 + 44_574_464, 1369],
    ['gemma-3-27b', 27_009_346_304, 416_866_032 + 6_194_304, 256],
    ['llama-4-scout', 107_769_861_120, 811_115_008 + 60_817_408, 144],
  ])('%s: language model %d, tower and projector %d, %d tokens per image', (id, language, tower, tokens) => {
    const arch = read(id);
    expect(countParameters(arch).totalCount).toBe(language);
    expect(arch.vision && visionParameterCount(arch.vision)).toBe(tower);
    expect(arch.vision?.tokensPerImage).toBe(tokens);
  });

  it('estimate shows the tower as its own components; --text-only leaves it out', async () => {
    const argv = ['estimate', '--model', 'llava-1.5-7b', '--ctx', '4k', '--format', 'json'];
    const withTower = (await runJson([...argv, '--images', '2'])).json;
    expect(componentBytes(withTower, 'vision_weights')).toBe((303_507_456 + 20_979_712) * 2);
    // 2 images × 2 B × 577 patches × 1024 × (20 live copies + 25 hidden states LLaVA keeps).
    expect(componentBytes(withTower, 'vision_activations')).toBe(2 * 2 * 577 * 1024 * (20 + 25));
    const textOnly = (await runJson([...argv, '--text-only'])).json;
    expect(textOnly.components.map((c: { id: string }) => c.id)).not.toContain('vision_weights');
    expect(withTower.totalBytes).toBeGreaterThan(textOnly.totalBytes);
  });

  it('refuses --images on a text model, with --text-only, or past --ctx', async () => {
    expect((await run(['estimate', '--model', 'llama-3.1-8b', '--images', '1'])).stderr).toMatch(/has no vision tower/);
    expect((await run(['estimate', '--model', 'llava-1.5-7b', '--images', '1', '--text-only'])).code).toBe(2);
    expect((await run(['estimate', '--model', 'llava-1.5-7b', '--ctx', '1k', '--images', '2'])).stderr).toMatch(
      /2 × 576 image tokens .* do not fit in --ctx 1024/,
    );
  });

  it('capacity counts the tower in the weights per GPU', async () => {
    const argv = ['capacity', '--model', 'qwen2.5-vl-7b', '--gpu', 'l4', '--ctx', '8k', '--format', 'json'];
    const withTower = (await runJson(argv)).json;
    const textOnly = (await runJson([...argv, '--text-only'])).json;
    const weights = (json: { perGpu: { id: string; bytes: number }[] }) =>
      json.perGpu.find((r) => r.id === 'weights')?.bytes ?? 0;
    expect(weights(withTower) - weights(textOnly)).toBe((631_975_680 + 44_574_464) * 2);
  });
});
