/**
 * How a measured case compares with vram's estimate (shared by `npm run accuracy` and
 * test/accuracy.test.ts). A case names its kind, the vram command that reproduces it, and what was
 * measured. The comparable figure depends on the metric:
 *   torch max_memory_allocated (the H200 calibration runs): PyTorch's own tensors, so vram's
 *     components other than overhead (the CUDA context and the allocator's cached-but-free blocks
 *     are not in it); the run's warm-up allocation is subtracted from the measurement
 *   torch max_memory_reserved: every component but overhead, the range up to the whole overhead
 *     (its allocator share is in the reserve; its CUDA context is not, so the top is generous)
 *   whole-process figures (nvidia-smi, NVML): every component, overhead included, and vram's range
 *   an engine's KV tokens (vLLM "# GPU blocks" × block size, SGLang "#tokens"): `vram capacity`'s
 *     kvCacheTokens, its range from the worst to the best end of the heuristic terms
 * Errors are signed: (estimate − measured) / measured, negative = vram under.
 */

/** The vram argv of a case's command ("vram estimate --model …"), with JSON output. */
export function argvOf(command) {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'vram') throw new Error(`not a vram command: ${command}`);
  return [...words.slice(1), '--format', 'json'];
}

/** Bytes of vram's JSON on the most loaded GPU: every component, or all but overhead. */
function estimateBytes(json, withOverhead) {
  return json.components
    .filter((component) => withOverhead || component.id !== 'overhead')
    .reduce((total, component) => total + (component.bytesPerGpu ?? component.bytes), 0);
}

/** { measured, estimate, low, high } for one case and vram's JSON for it, or null when not comparable. */
export function comparison(testCase, json) {
  const measured = testCase.measured;
  if (!measured) return null;
  if (measured.maxAllocatedBytes !== undefined) {
    const value = measured.maxAllocatedBytes - (measured.baselineAllocatedBytes ?? 0);
    const estimate = estimateBytes(json, false);
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
    // The allocator's reserve holds every tensor and its cached blocks, not the CUDA context.
    const overhead = json.components.find((component) => component.id === 'overhead');
    const base = estimateBytes(json, false);
    const range = overhead?.range;
    return {
      measured: measured.reservedBytes,
      estimate: base,
      low: base,
      high: range ? base + range.highBytes : null,
      metric: 'torch max_memory_reserved',
    };
  }
  if (measured.processBytes !== undefined) {
    const overhead = json.components.find((component) => component.id === 'overhead');
    const estimate = estimateBytes(json, true);
    const base = estimate - (overhead?.bytesPerGpu ?? overhead?.bytes ?? 0);
    const range = overhead?.range;
    return {
      measured: measured.processBytes,
      estimate,
      low: range ? base + range.lowBytes : null,
      high: range ? base + range.highBytes : null,
      metric: 'whole process',
    };
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
