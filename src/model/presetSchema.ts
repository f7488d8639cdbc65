/** The preset file format (presets/models/*.json), validated by test/presets.test.ts. */
import * as z from 'zod/mini';

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
