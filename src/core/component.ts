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
  /** Training: the most loaded GPU's share (bytes is then the sum over all GPUs). */
  bytesPerGpu?: number;
  /** Training: host memory for offloaded state, summed over all GPUs. */
  hostBytes?: number;
}

/** Exact sum of component bytes. */
export function sumBytes(components: readonly Pick<Component, 'bytes'>[]): number {
  return exact(
    components.reduce((total, component) => total + component.bytes, 0),
    'total memory',
  );
}
