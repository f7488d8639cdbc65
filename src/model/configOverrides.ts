/**
 * A config with --set overrides applied and read: a field may be set when the config has it or its
 * reader consults it (reading the config with the overrides); one that only other readers read
 * (presetReaderFields) is accepted with a warning that it changed nothing; anything else, the
 * prototype's names and model_type are refused. Pure, for the CLI and the library alike.
 */
import { UserError } from '../core/errors.js';
import { closestName } from '../core/suggest.js';
import { type ReadConfig, readModelConfig } from './hfConfig.js';
import { presetReaderFields } from './readerFields.js';

/** --set overrides: field, value (JSON when it parsed). */
export type ConfigSets = readonly (readonly [string, unknown])[];

/** Names no --set may touch: they would reach the object's prototype, not a config field. */
const RESERVED_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

function applySets(config: Record<string, unknown>, sets: ConfigSets): Record<string, unknown> {
  const result: Record<string, unknown> = Object.assign(Object.create(null), config);
  for (const [field, value] of sets) {
    if (RESERVED_FIELDS.has(field)) throw new UserError(`--set: "${field}" is not a config field`);
    if (field === 'model_type' && value !== config.model_type) {
      throw new UserError(
        `--set: model_type cannot be changed (it selects how the whole config is read); pass another config with --config`,
      );
    }
    result[field] = value;
  }
  return result;
}

/**
 * Reads the config with its --set overrides, and warns about each override that changed nothing.
 * A field may be set when the config has it or the reader consults it (reading the config with the
 * overrides); one that only other readers read (presetReaderFields) is accepted with the warning.
 */
export function readWithSets(
  config: Record<string, unknown>,
  sets: ConfigSets,
  label: string,
): Omit<ReadConfig, 'fields'> {
  // A value the reader refuses is reported first: the names are checked against a read that succeeded.
  const { fields, ...read } = readModelConfig(applySets(config, sets), label);
  if (sets.length === 0) return read;
  const reader = `the ${String(config.model_type)} reader`;
  const own = [...new Set([...Object.keys(config), ...fields])];
  for (const [field] of sets) {
    if (own.includes(field) || presetReaderFields().has(field)) continue;
    const suggestion = closestName(field, own) ?? closestName(field, [...presetReaderFields()]);
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : '';
    const why = `not in the config, and not a field ${reader} reads`;
    throw new UserError(`--set: "${field}" is not a config field${hint}: ${why}`);
  }
  // Compare what a read yields (architecture, quantization, warnings), not only the architecture.
  const outcome = (result: ReadConfig) => JSON.stringify([result.arch, result.quantization, result.warnings]);
  const base = outcome(readModelConfig(config, label));
  const warnings = [...read.warnings];
  for (const [field, value] of sets) {
    const alone = outcome(readModelConfig(applySets(config, [[field, value]]), label));
    if (alone !== base) continue;
    const set = `--set ${field}=${JSON.stringify(value)}`;
    warnings.push(`${set} changed nothing: ${reader} does not use that field (or it already had that value)`);
  }
  return { ...read, warnings };
}
