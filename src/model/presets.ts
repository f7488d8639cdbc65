/**
 * Model presets: a real Hugging Face config.json with its source URL and the published parameter
 * count. The schema below is the preset file format (presets/models/*.json).
 */
import * as z from 'zod/mini';
import { closestName } from '../core/suggest.js';
import { UserError } from './errors.js';
import { PRESET_FILES } from './presetFiles.js';

const presetId = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]*$/));
const nonEmpty = z.string().check(z.minLength(1));

export const presetSchema = z.strictObject({
  /** Lower-case id used with --model, e.g. "llama-2-7b". */
  id: presetId,
  /** Other names accepted by --model. */
  aliases: z.array(presetId),
  /** Display name. */
  name: nonEmpty,
  /** Family shown by `vram models` (the config's model_type). */
  family: nonEmpty,
  /** Where the config was published. */
  source: z.url(),
  /** Where the config text was read, and whether it is a verbatim copy or rebuilt from its published values. */
  configNote: z.optional(z.string()),
  /** The parameter count the model's publishers or a reference tool report. */
  publishedParameterCount: z.nullable(z.int().check(z.positive())),
  /** Where publishedParameterCount comes from. */
  publishedParameterCountSource: z.nullable(z.string()),
  /** The Hugging Face config.json, verbatim. */
  config: z.record(z.string(), z.unknown()),
});
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
