/**
 * How a measured case compares with vram's estimate (shared by `npm run accuracy` and
 * test/accuracy.test.ts). A case names its kind, the vram command that reproduces it, and what was
 * measured. The comparable figure depends on the metric:
 *   torch max_memory_allocated (the H200 calibration runs): PyTorch's own tensors, so every
 *     component but overhead (CUDA context, NCCL) and allocator_cache (cached-but-free blocks); the
 *     run's warm-up allocation is subtracted from the measurement
 *   torch max_memory_reserved: every component but overhead (the allocator cache is in the reserve)
 *   whole-process figures (nvidia-smi, NVML): every component
 *   an engine's KV tokens (vLLM "# GPU blocks" × block size, SGLang "#tokens"): `vram capacity`'s
 *     kvCacheTokens, its range from the worst to the best end of the heuristic terms
 * A memory figure's range puts each ranged component (framework buffers, allocator cache,
 * overhead) at its low and at its high end.
 * Errors are signed: (estimate − measured) / measured, negative = vram under.
 */

/** The vram argv of a case's command ("vram estimate --model …"), with JSON output. */
export function argvOf(command) {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'vram') throw new Error(`not a vram command: ${command}`);
  return [...words.slice(1), '--format', 'json'];
}

/** Bytes of vram's JSON on the most loaded GPU: every component but those `excluded`. */
function estimateBytes(json, excluded) {
  return json.components
    .filter((component) => !excluded.includes(component.id))
    .reduce((total, component) => total + (component.bytesPerGpu ?? component.bytes), 0);
}

/** The estimate without `excluded`, and its range: each ranged term at its low and at its high end. */
function ranged(json, excluded) {
  let low = 0;
  let high = 0;
  let estimate = 0;
  for (const component of json.components) {
    if (excluded.includes(component.id)) continue;
    const bytes = component.bytesPerGpu ?? component.bytes;
    estimate += bytes;
    low += component.range ? component.range.lowBytes : bytes;
    high += component.range ? component.range.highBytes : bytes;
  }
  return { estimate, low, high };
}

/** PyTorch's allocated memory holds neither the CUDA context and NCCL (overhead) nor the allocator's cached blocks. */
const OUTSIDE_ALLOCATED = ['overhead', 'allocator_cache'];
/** PyTorch's reserved memory holds the cached blocks, not the CUDA context or NCCL. */
const OUTSIDE_RESERVED = ['overhead'];

/** { measured, estimate, low, high } for one case and vram's JSON for it, or null when not comparable. */
export function comparison(testCase, json) {
  const measured = testCase.measured;
  if (!measured) return null;
  if (measured.maxAllocatedBytes !== undefined) {
    const value = measured.maxAllocatedBytes - (measured.baselineAllocatedBytes ?? 0);
    const estimate = estimateBytes(json, OUTSIDE_ALLOCATED);
    return { measured: value, estimate, low: null, high: null, metric: 'torch max_memory_allocated' };
  }
  if (measured.kvCacheTokens !== undefined) {
    const range = json.ranges?.kvCacheTokens;
    return {
      measured: measured.kvCacheTokens,
      estimate: json.kvCacheTokens,
      low: range ? range.worst : null,
      high: range ? range.best : null,
      metric: 'engine KV tokens',
    };
  }
  if (measured.reservedBytes !== undefined) {
    const { estimate, low, high } = ranged(json, OUTSIDE_RESERVED);
    return { measured: measured.reservedBytes, estimate, low, high, metric: 'torch max_memory_reserved' };
  }
  if (measured.processBytes !== undefined) {
    const { estimate, low, high } = ranged(json, []);
    return { measured: measured.processBytes, estimate, low, high, metric: 'whole process' };
  }
  return null;
}

/** Signed relative error of an estimate. */
export function signedError(row) {
  return (row.estimate - row.measured) / row.measured;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per-kind statistics: count, median |error|, max |error|, share under, share inside vram's range. */
export function statistics(rows) {
  const byKind = new Map();
  for (const row of rows) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
  return [...byKind.entries()].map(([kind, group]) => {
    const errors = group.map(signedError);
    const ranged = group.filter((row) => row.low !== null && row.high !== null);
    return {
      kind,
      count: group.length,
      medianAbsError: median(errors.map(Math.abs)),
      maxAbsError: Math.max(...errors.map(Math.abs)),
      shareUnder: errors.filter((error) => error < 0).length / group.length,
      shareInsideRange:
        ranged.length === 0
          ? null
          : ranged.filter((row) => row.low <= row.measured && row.measured <= row.high).length / ranged.length,
    };
  });
}

/** The target groups: every training peak, and every engine's KV pool. */
const POOLED_KINDS = {
  'training (all)': ['training', 'training-published'],
  'engine KV tokens (all)': ['vllm-kv-tokens', 'sglang-kv-tokens'],
};

/** Statistics of the pooled groups (POOLED_KINDS), as statistics() gives them per kind. */
export function pooledStatistics(rows) {
  return Object.entries(POOLED_KINDS).flatMap(([pooled, kinds]) =>
    statistics(rows.filter((row) => kinds.includes(row.kind)).map((row) => ({ ...row, kind: pooled }))),
  );
}
