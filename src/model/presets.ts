/**
 * Model presets: a real Hugging Face config.json with its source URL and the published parameter
 * count. The file format is presetSchema (presetSchema.ts), checked by the tests rather than at
 * every start-up.
 */
import type * as z from 'zod/mini';
import type { presetSchema } from './presetSchema.js';
import { closestName } from '../core/suggest.js';
import { UserError } from '../core/errors.js';
import { PRESET_FILES } from './presetFiles.js';

export type Preset = z.infer<typeof presetSchema>;

/** Presets as shipped; validated by test/presets.test.ts rather than at every start-up. */
export const PRESETS = PRESET_FILES as readonly Preset[];

/** Finds a preset by id or alias, case-insensitively; a user error with a suggestion otherwise. */
export function findPreset(name: string, flag = '--model'): Preset {
  const needle = name.toLowerCase();
  const preset = PRESETS.find((p) => p.id === needle || p.aliases.includes(needle));
  if (preset) return preset;
  const names = PRESETS.flatMap((p) => [p.id, ...p.aliases]);
  const suggestion = closestName(needle, names);
  throw new UserError(
    `${flag}: unknown model "${name}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}; run \`vram models\` for the list, or pass --config <config.json>`,
  );
}
