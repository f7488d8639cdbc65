/**
 * What every plan shares: the model-level inputs echoed in the JSON `inputs`, the context rule and
 * its warning, and the checks on options given to the wrong kind of plan.
 */
import { UserError } from '../core/errors.js';
import type { OverheadSpec } from '../core/overhead.js';
import { countParameters } from '../core/parameters.js';
import { formatInt } from '../core/units.js';
import { readHfConfig } from '../model/hfConfig.js';
import { PRESETS } from '../model/presets.js';
import { DEFAULTS, type Mode, defaultContextTokens } from './defaults.js';
import type { LoadedModel } from './model.js';
import { TRAINING_FLAGS, TRAINING_OPTIONS } from './training.js';

export type Format = 'table' | 'json' | 'markdown';
export type UnitSystem = 'gib' | 'gb';

/** Options the plans only echo in the JSON `inputs` (how the model was loaded, how output is printed). */
export interface EchoInput {
  set?: readonly (readonly [string, unknown])[] | undefined;
  offline?: boolean | undefined;
  /** --assert-fits: true or 'expected' gates on the expected figures, 'worst' on the pessimistic end of the ranges. */
  assertFits?: boolean | AssertLevel | undefined;
  format?: Format | undefined;
  units?: UnitSystem | undefined;
}

/** --set overrides, field: the value as given (JSON when it parsed). */
export type ConfigOverrides = { readonly [field: string]: unknown };

export interface EchoInputs {
  model: string | null;
  config: string | null;
  set: ConfigOverrides;
  offline: boolean;
  assertFits: boolean;
  /** What --assert-fits gates on (expected unless --assert-fits worst). */
  assertLevel: AssertLevel;
  format: Format;
  units: UnitSystem;
}

export const ASSERT_LEVELS = ['expected', 'worst'] as const;
export type AssertLevel = (typeof ASSERT_LEVELS)[number];

/** A model with its counted parameters, as every plan reports it. */
export type CountedModel = LoadedModel & { parameterCount: number; activeParameterCount: number };

export function countedModel(model: LoadedModel): CountedModel {
  const counts = countParameters(model.arch);
  // Object.assign, not a spread: Node 20 copies into a literal through a slow path (about 3 µs).
  return Object.assign({}, model, { parameterCount: counts.totalCount, activeParameterCount: counts.activeCount });
}

export function echoInputs(model: LoadedModel, input: EchoInput): EchoInputs {
  return {
    model: model.sourceKind === 'config' ? null : model.id,
    config: model.sourceKind === 'config' ? model.source : null,
    set: Object.fromEntries(input.set ?? []),
    offline: input.offline ?? false,
    assertFits: input.assertFits !== undefined && input.assertFits !== false,
    assertLevel: input.assertFits === 'worst' ? 'worst' : 'expected',
    format: input.format ?? DEFAULTS.format,
    units: input.units ?? DEFAULTS.units,
  };
}

/** Terms --without leaves out, for a setup configured otherwise. */
export const WITHOUT_TERMS = ['framework-buffers', 'nccl', 'allocator-cache', 'optimizer-step'] as const;
export type WithoutTerm = (typeof WITHOUT_TERMS)[number];

/** The overhead spec a plan uses (the CUDA-context + allocator model unless overridden). */
export function overheadOf(input: {
  overhead?: OverheadSpec | undefined;
  without?: readonly WithoutTerm[] | undefined;
}): OverheadSpec {
  const spec = input.overhead ?? DEFAULTS.overhead;
  if (!input.without?.includes('allocator-cache')) return spec;
  if (spec.kind !== 'model')
    throw new UserError(
      '--without: allocator-cache is part of the overhead model, which --overhead replaces; give one',
    );
  return { ...spec, allocatorCache: false };
}

/**
 * A preset of the same layout whose trained context reaches `tokens`, closest in size to
 * `parameterCount`. Presets are visited nearest published size first and read only until one
 * qualifies, so the warning costs a config read or two, not all of them.
 */
function presetForContext(
  tokens: number,
  parameterCount: number,
  excludeId: string,
  layout: string,
): { id: string; maxPositionCount: number } | null {
  const bySize = PRESETS.filter((preset) => preset.id !== excludeId).map((preset) => ({
    preset,
    distance:
      preset.publishedParameterCount === null
        ? Infinity
        : Math.abs(Math.log(preset.publishedParameterCount / parameterCount)),
  }));
  bySize.sort((a, b) => a.distance - b.distance);
  for (const { preset } of bySize) {
    const shape = presetShape(preset);
    if (shape.layout === layout && shape.maxPositionCount >= tokens)
      return { id: preset.id, maxPositionCount: shape.maxPositionCount };
  }
  return null;
}

/** Each preset's layout and trained context, read from its config once per run (presets do not change). */
const PRESET_SHAPES = new Map<string, { layout: string; maxPositionCount: number }>();

function presetShape(preset: (typeof PRESETS)[number]): { layout: string; maxPositionCount: number } {
  let shape = PRESET_SHAPES.get(preset.id);
  if (shape === undefined) {
    const arch = readHfConfig(preset.config, preset.id);
    shape = { layout: arch.layout, maxPositionCount: arch.maxPositionCount };
    PRESET_SHAPES.set(preset.id, shape);
  }
  return shape;
}

/** The warning for a context past the model's trained maximum, or null. */
export function contextWarning(model: LoadedModel, contextTokens: number, parameterCount: number): string | null {
  const max = model.arch.maxPositionCount;
  if (contextTokens <= max) return null;
  const alternative = presetForContext(contextTokens, parameterCount, model.id, model.arch.layout);
  // One short line (issue 13: it was the first, 150–270-character line of the design card).
  const suggestion = alternative ? `; ${alternative.id} takes ${formatInt(alternative.maxPositionCount)}` : '';
  if (model.arch.learnedPositionCount > 0) {
    return `--ctx ${formatInt(contextTokens)}: ${model.id} has ${formatInt(max)} learned positions and cannot run it (hypothetical)${suggestion}`;
  }
  return `--ctx ${formatInt(contextTokens)}: ${model.id} was trained on ${formatInt(max)} tokens${suggestion}`;
}

/** The context a plan uses: --ctx, else the mode's default (defaults.ts). */
export function contextOf(input: { ctx?: number | undefined }, model: LoadedModel, mode: Mode): number {
  return input.ctx ?? defaultContextTokens(model.arch, mode);
}

/** Options that belong to one kind of plan, keyed by their camelCase names. */
const TRAINING_ONLY = [...TRAINING_OPTIONS, 'cp'] as const;
export const INFERENCE_ONLY = [
  'users',
  'kvDtype',
  'slidingWindow',
  'promptTokens',
  'prefillBatch',
  'mtp',
  'images',
  'textOnly',
] as const;

/** The command-line flag of an option key: gpusPerNode → --gpus-per-node. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Refuses an option given to the other mode (e.g. --users in training), naming the flag. */
export function checkModeOptions(input: object, mode: Mode): void {
  const given = new Map(Object.entries(input));
  const misplaced =
    (mode === 'training' ? INFERENCE_ONLY : TRAINING_ONLY).find((key) => given.get(key) !== undefined) ??
    (mode === 'inference' ? TRAINING_FLAGS.find((key) => given.get(key) === true) : undefined);
  if (misplaced === undefined) return;
  const other = mode === 'training' ? 'inference' : 'training';
  const hint =
    misplaced === 'users' ? ' (training uses --batch)' : misplaced === 'batch' ? ' (inference uses --users)' : '';
  throw new UserError(`${flagOf(misplaced)}: applies to --mode ${other}, not ${mode}${hint}`);
}
