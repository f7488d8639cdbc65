/**
 * Memoization of pure functions of an architecture. An architecture is never changed once built
 * (withMtp and the overrides build new ones), so what follows from it alone is computed once per
 * object: sweeps, solvers and library loops ask for the same counts thousands of times. The results
 * are frozen, so no caller can change what the next one reads.
 */
import type { ModelArchitecture } from './architecture.js';

export function perArchitecture<T extends object>(
  compute: (arch: ModelArchitecture) => T,
): (arch: ModelArchitecture) => T {
  const computed = new WeakMap<ModelArchitecture, T>();
  return (arch) => {
    let value = computed.get(arch);
    if (value === undefined) {
      value = Object.freeze(compute(arch));
      computed.set(arch, value);
    }
    return value;
  };
}
