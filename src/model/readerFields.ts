/**
 * The config fields vram's readers read, derived from the readers rather than kept by hand: the
 * union of the fields they consult (ReadConfig.fields) reading every bundled preset. `--set`
 * accepts such a field even on a config whose own reader ignores it (LLaMA's sliding_window), and
 * then warns that the override changed nothing; a name no reader reads is refused.
 */
import { readModelConfig } from './hfConfig.js';
import { PRESETS } from './presets.js';

let cached: ReadonlySet<string> | null = null;

/** Every field some reader consults for some preset, aliases included (computed once). */
export function presetReaderFields(): ReadonlySet<string> {
  if (cached === null) {
    const names = new Set<string>();
    for (const preset of PRESETS) {
      for (const name of readModelConfig(preset.config, `preset ${preset.id}`).fields) names.add(name);
    }
    cached = names;
  }
  return cached;
}
