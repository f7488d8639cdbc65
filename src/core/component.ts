/**
 * One line of a memory breakdown.
 *
 * Every printed number comes from a Component: exact bytes, the symbolic expression and the same
 * expression with the numbers substituted. `basis` says how much to trust it: `exact` (follows
 * from the architecture and dtypes), `model` (per-tensor accounting of a stated implementation),
 * `heuristic` (a named constant from a cited measurement, with a low/high range).
 */
import { exact } from './units.js';

export const COMPONENT_IDS = [
  'weights',
  'kv_cache',
  'recurrent_state',
  'activations',
  'vision_weights',
  'vision_activations',
  'gradients',
  'optimizer_states',
  'framework_buffers',
  'allocator_cache',
  'compute_buffer',
  'output_buffer',
  'overhead',
] as const;
export type ComponentId = (typeof COMPONENT_IDS)[number];

export type Basis = 'exact' | 'model' | 'heuristic';

export interface ByteRange {
  lowBytes: number;
  highBytes: number;
}

export interface Component {
  id: ComponentId;
  label: string;
  bytes: number;
  /** Symbolic form, e.g. "2 × L × n_kv × d × B × tokens". */
  expression: string;
  /** The same with numbers substituted, e.g. "2 × 80 layers × 8 kv-heads × 128 × 2 B × 327,680 tokens". */
  formula: string;
  basis: Basis;
  /** Low/high bytes for heuristic terms; null where the figure is exact. */
  range: ByteRange | null;
  /** Assumptions and caveats shown by --explain. */
  notes: string[];
  /** Training: the most loaded GPU's share (bytes is then the sum over all GPUs); set with hostBytes. */
  bytesPerGpu?: number;
  /** Training: host memory for offloaded state, summed over all GPUs. */
  hostBytes?: number;
}

/** What a component says in words: the formula with the numbers substituted, and the notes. */
export interface ComponentText {
  formula: string;
  notes: string[];
}

/** A component's figures: everything but its text. */
export type ComponentFigures = Omit<Component, 'formula' | 'notes'>;

/**
 * A component whose formula and notes are written when first read (a table, --explain, JSON) and
 * then kept, not when its bytes are computed: sweeps, solvers and library loops compute thousands
 * of components and render a few. `text` must only read values that no longer change. The text is
 * on getters, so `JSON.stringify` goes through toJSON and a spread loses it: use refigured().
 */
class LazyComponent implements Component {
  readonly id: ComponentId;
  readonly label: string;
  readonly bytes: number;
  readonly expression: string;
  readonly basis: Basis;
  readonly range: ByteRange | null;
  readonly bytesPerGpu: number | undefined;
  readonly hostBytes: number | undefined;
  #text: (() => ComponentText) | ComponentText;

  constructor(figures: ComponentFigures, text: () => ComponentText) {
    this.id = figures.id;
    this.label = figures.label;
    this.bytes = figures.bytes;
    this.expression = figures.expression;
    this.basis = figures.basis;
    this.range = figures.range;
    this.bytesPerGpu = figures.bytesPerGpu;
    this.hostBytes = figures.hostBytes;
    this.#text = text;
  }

  #written(): ComponentText {
    if (typeof this.#text === 'function') this.#text = this.#text();
    return this.#text;
  }

  get formula(): string {
    return this.#written().formula;
  }

  get notes(): string[] {
    return this.#written().notes;
  }

  toJSON(): Component {
    const { id, label, bytes, expression, formula, basis, range, notes, bytesPerGpu, hostBytes } = this;
    const plain: Component = { id, label, bytes, expression, formula, basis, range, notes };
    if (bytesPerGpu !== undefined) plain.bytesPerGpu = bytesPerGpu;
    if (hostBytes !== undefined) plain.hostBytes = hostBytes;
    return plain;
  }
}

export function component(figures: ComponentFigures, text: () => ComponentText): Component {
  return new LazyComponent(figures, text);
}

/** The same component with other figures, its text still unwritten (the notes, when given, added). */
export function refigured(from: Component, figures: Partial<ComponentFigures>, moreNotes?: () => string[]): Component {
  return component(
    {
      id: figures.id ?? from.id,
      label: figures.label ?? from.label,
      bytes: figures.bytes ?? from.bytes,
      expression: figures.expression ?? from.expression,
      basis: figures.basis ?? from.basis,
      range: figures.range === undefined ? from.range : figures.range,
      bytesPerGpu: figures.bytesPerGpu ?? from.bytesPerGpu,
      hostBytes: figures.hostBytes ?? from.hostBytes,
    },
    () => ({ formula: from.formula, notes: moreNotes ? [...from.notes, ...moreNotes()] : from.notes }),
  );
}

/** Exact sum of component bytes. */
export function sumBytes(components: readonly Pick<Component, 'bytes'>[]): number {
  return exact(
    components.reduce((total, component) => total + component.bytes, 0),
    'total memory',
  );
}
