/**
 * Weight bytes per GPU, remembered per architecture and weight format. Capacity searches ask for a
 * budget at dozens of user counts and contexts, and the weights are the same at each: they depend
 * on the architecture, the format and the split, never on the workload. Pure: the same inputs give
 * the same bytes, computed once (the last few settings are kept per architecture object).
 */
import type { ModelArchitecture } from '../architecture.js';
import type { InferenceScenario } from '../estimate.js';

interface Remembered {
  split: string;
  gpuCount: number;
  stages: number;
  weightDtype: InferenceScenario['weightDtype'];
  weightFormat: InferenceScenario['weightFormat'];
  storedWeights: InferenceScenario['storedWeights'];
  towerLoaded: boolean;
  bytes: number;
}

const KEPT_PER_ARCHITECTURE = 8;
const remembered = new WeakMap<ModelArchitecture, Remembered[]>();

function matches(entry: Remembered, inference: InferenceScenario, split: string, gpuCount: number, stages: number) {
  return (
    entry.split === split &&
    entry.gpuCount === gpuCount &&
    entry.stages === stages &&
    entry.weightDtype === inference.weightDtype &&
    entry.weightFormat === inference.weightFormat &&
    entry.storedWeights === inference.storedWeights &&
    entry.towerLoaded === (inference.images !== null)
  );
}

/** `compute()` for this architecture, format and split, or what it gave the last time it was asked. */
export function rememberedWeights(
  inference: InferenceScenario,
  split: string,
  gpuCount: number,
  stages: number,
  compute: () => number,
): number {
  let entries = remembered.get(inference.arch);
  if (entries === undefined) {
    entries = [];
    remembered.set(inference.arch, entries);
  }
  for (const entry of entries) if (matches(entry, inference, split, gpuCount, stages)) return entry.bytes;
  const bytes = compute();
  if (entries.length >= KEPT_PER_ARCHITECTURE) entries.shift();
  entries.push({
    split,
    gpuCount,
    stages,
    weightDtype: inference.weightDtype,
    weightFormat: inference.weightFormat,
    storedWeights: inference.storedWeights,
    towerLoaded: inference.images !== null,
    bytes,
  });
  return bytes;
}
