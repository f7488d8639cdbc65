/**
 * Typed, validated access to the fields of a Hugging Face config.json. Each getter validates with
 * zod at this edge; names may have aliases (GPT-2's n_embd, BLOOM's n_embed, T5's d_model for
 * hidden_size). Missing required fields are collected so one error names them all.
 *
 * Every name a reader asks for, aliases included, is recorded in `consulted`: that is the set of
 * top-level fields the reader reads for this config (what `--set` may change). The raw object is
 * private so that no read bypasses the record.
 */
import * as z from 'zod/mini';
import { UserError } from '../core/errors.js';
import { formatInt } from '../core/units.js';

const positiveInt = z.int().check(z.positive());
const nonNegativeInt = z.int().check(z.minimum(0));
const probability = z.number().check(z.minimum(0), z.maximum(1));

/**
 * Bounds on size fields, far above any released model, so that no config can make vram allocate
 * or loop without end: layers (the readers build one entry per layer; the largest models have
 * about 200) at 10,000, experts at 65,536, and any other count at 2^31.
 */
export const CONFIG_LIMITS = { layers: 10_000, experts: 65_536, count: 2 ** 31 } as const;

const LAYER_FIELDS: ReadonlySet<string> = new Set([
  'num_hidden_layers',
  'n_layer',
  'n_layers',
  'num_layers',
  'encoder_layers',
  'decoder_layers',
  'num_encoder_layers',
  'num_decoder_layers',
]);
const EXPERT_FIELDS: ReadonlySet<string> = new Set(['num_experts', 'num_local_experts', 'n_routed_experts']);

/** The largest value a count field may hold (CONFIG_LIMITS). */
function limitOf(name: string): number {
  if (LAYER_FIELDS.has(name)) return CONFIG_LIMITS.layers;
  return EXPERT_FIELDS.has(name) ? CONFIG_LIMITS.experts : CONFIG_LIMITS.count;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export class ConfigFields {
  private readonly missing: string[] = [];
  private readonly names = new Set<string>();

  constructor(
    private readonly raw: Record<string, unknown>,
    readonly source: string,
  ) {}

  /** Every field name asked for so far, aliases included, whether or not the config has it. */
  get consulted(): ReadonlySet<string> {
    return this.names;
  }

  private present(names: readonly string[]): [string, unknown] | null {
    for (const name of names) this.names.add(name);
    for (const name of names) {
      const value = this.raw[name];
      if (value !== undefined && value !== null) return [name, value];
    }
    return null;
  }

  private check<T>(name: string, value: unknown, schema: z.ZodMiniType<T>, expected: string): T {
    const result = schema.safeParse(value);
    if (!result.success) throw new UserError(`${this.source}: ${name}: got ${describe(value)}, expected ${expected}`);
    return result.data;
  }

  /** An integer field within its limit (limitOf). */
  private bounded(name: string, value: unknown, schema: z.ZodMiniType<number>, expected: string): number {
    const number = this.check(name, value, schema, expected);
    const limit = limitOf(name);
    if (number > limit)
      throw new UserError(`${this.source}: ${name}: got ${number}, more than the ${formatInt(limit)} vram accepts`);
    return number;
  }

  /** The config's own field names with a value (not null), for rules over families of names (mamba_*…). */
  givenNames(): string[] {
    return Object.keys(this.raw).filter((name) => this.raw[name] !== undefined && this.raw[name] !== null);
  }

  /** The first of `names` the config gives (not null), unvalidated; undefined when none. */
  value(...names: string[]): unknown {
    return this.present(names)?.[1];
  }

  /** A required positive integer; 1 as a placeholder while collecting missing fields. */
  count(...names: string[]): number {
    const found = this.present(names);
    if (found === null) {
      this.missing.push(names[0] ?? '(unnamed)');
      return 1;
    }
    return this.bounded(found[0], found[1], positiveInt, 'a positive integer');
  }

  /** An optional positive integer. */
  optionalCount(...names: string[]): number | null {
    const found = this.present(names);
    return found === null ? null : this.bounded(found[0], found[1], positiveInt, 'a positive integer');
  }

  /** An optional integer ≥ 0. */
  optionalNonNegative(...names: string[]): number | null {
    const found = this.present(names);
    return found === null ? null : this.bounded(found[0], found[1], nonNegativeInt, 'an integer ≥ 0');
  }

  flag(name: string, fallback: boolean): boolean {
    const found = this.present([name]);
    return found === null ? fallback : this.check(name, found[1], z.boolean(), 'true or false');
  }

  probability(fallback: number, ...names: string[]): number {
    const found = this.present(names);
    return found === null ? fallback : this.check(found[0], found[1], probability, 'a number from 0 to 1');
  }

  string(name: string): string | null {
    const found = this.present([name]);
    return found === null ? null : this.check(name, found[1], z.string(), 'a string');
  }

  stringList(name: string): string[] | null {
    const found = this.present([name]);
    return found === null ? null : this.check(name, found[1], z.array(z.string()), 'a list of strings');
  }

  /** Throws one error naming every missing required field. */
  done(): void {
    if (this.missing.length === 0) return;
    const many = this.missing.length > 1;
    const names = `field${many ? 's' : ''} ${this.missing.join(', ')}`;
    throw new UserError(`${this.source}: missing required ${names} for model_type "${String(this.raw.model_type)}"`);
  }

  /** A rule between fields, e.g. heads divisible by KV heads. */
  require(ok: boolean, message: string): void {
    if (!ok) throw new UserError(`${this.source}: ${message}`);
  }
}
