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

/** The same for pure functions of an architecture and one key more (a tensor-parallel degree, a threshold). */
export function perArchitectureAndKey<K, T>(
  compute: (arch: ModelArchitecture, key: K) => T,
): (arch: ModelArchitecture, key: K) => T {
  const computed = new WeakMap<ModelArchitecture, Map<K, T>>();
  return (arch, key) => {
    let byKey = computed.get(arch);
    if (byKey === undefined) {
      byKey = new Map();
      computed.set(arch, byKey);
    }
    if (byKey.has(key)) return byKey.get(key) as T;
    const value = compute(arch, key);
    byKey.set(key, typeof value === 'object' && value !== null ? Object.freeze(value) : value);
    return value;
  };
}
