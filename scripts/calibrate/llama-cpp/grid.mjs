/**
 * The calibration grid: which llama_context_params each point passes, spelled as the front end that would pass them.
 *
 * Front ends (llama.cpp v0.4.0 = commit 80fb11ac, node-llama-cpp 3.21.1):
 * - `llama-server`: `-c ctx -np parallel -b 2048 -ub ubatch -fa on|off -ctk -ctv [--kv-unified] [--swa-full]`.
 *   `server_output_limits()` (tools/server/server-context.cpp:41, applied at :1014) passes
 *   n_outputs_max = min(n_batch, n_parallel × (1 + n_draft)) and n_outputs_max_per_seq = min(n_batch, 1 + n_draft),
 *   both at least 1; n_draft = 0 without speculative decoding (common_speculative_n_max, common/speculative.cpp).
 * - `llama-cli`: tools/cli/cli.cpp starts llama_server() in-process with the CLI's own params, whose n_parallel stays
 *   at the common default 1 (only LLAMA_EXAMPLE_SERVER defaults it to auto = 4 with kv_unified, common/arg.cpp:1405
 *   and tools/server/server.cpp:152), so it passes what `llama-server -np 1` passes.
 * - `llama-completion`: common_context_params_to_llama with the common defaults (common/common.h:457):
 *   n_outputs_max 0 (= n_batch) and n_outputs_max_per_seq 1 — also what llama_context_default_params() gives.
 * - `node-llama-cpp`: LlamaContext._create (dist/evaluator/LlamaContext/LlamaContext.js) pads contextSize up to a
 *   multiple of 256 while below the train context, passes n_ctx = pad256(contextSize × sequences),
 *   n_batch = n_ubatch = max(min(contextSize × sequences, 512), sequences), + 1 on a model with a sliding window
 *   when swaFullCache is off (AddonContext.cpp sets n_ubatch = n_batch); flash attention "auto" except on gemma2
 *   (GgufInsights.flashAttentionSupported: false); f16 K/V; swa_full false; kv_unified false; n_outputs_max and
 *   n_outputs_max_per_seq left at the libllama defaults 0 and 1.
 */

const BASE = {
  frontEnd: 'llama-server',
  ctx: 8192,
  parallel: 1,
  batch: 2048,
  ubatch: 512,
  flashAttention: 'on',
  kvUnified: false,
  swaFull: false,
  kTypes: 'f16',
  vTypes: 'f16',
};

const pad256 = (n) => Math.ceil(n / 256) * 256;

/** The n_outputs_max pair a front end passes for these settings. */
function outputLimits(s) {
  if (s.frontEnd === 'llama-server' || s.frontEnd === 'llama-cli') {
    return { nOutputsMax: Math.max(1, Math.min(s.batch, s.parallel)), nOutputsMaxPerSeq: 1 };
  }
  return { nOutputsMax: 0, nOutputsMaxPerSeq: 1 };
}

/** A llama.cpp front-end point: BASE with `overrides`, batch = max(2048, ubatch) as llama-server's default n_batch. */
function point(model, overrides) {
  const s = { ...BASE, ...overrides };
  s.batch = overrides.batch ?? Math.max(2048, s.ubatch);
  return { model: model.id, settings: { ...s, ...outputLimits(s) } };
}

/** What node-llama-cpp passes for `createContext({ contextSize, sequences, swaFullCache })`. */
function nodeLlamaCppPoint(model, { contextSize, sequences, swaFullCache = false }) {
  const ctxTrain = metadataValue(model, `${model.arch}.context_length`);
  const window = metadataValue(model, `${model.arch}.attention.sliding_window`);
  const hasSwa = window !== undefined && window < ctxTrain;
  const padded = pad256(contextSize);
  const perSeq = contextSize <= ctxTrain && padded < ctxTrain ? padded : contextSize;
  const batch = Math.max(Math.min(perSeq * sequences, 512), sequences) + (hasSwa && !swaFullCache ? 1 : 0);
  const settings = {
    frontEnd: 'node-llama-cpp',
    frontEndOptions: { contextSize, sequences, swaFullCache },
    ctx: pad256(perSeq * sequences),
    parallel: sequences,
    batch,
    ubatch: batch,
    flashAttention: model.arch === 'gemma2' ? 'off' : 'auto',
    kvUnified: false,
    swaFull: swaFullCache,
    kTypes: 'f16',
    vTypes: 'f16',
    nOutputsMax: 0,
    nOutputsMaxPerSeq: 1,
  };
  return { model: model.id, settings };
}

function metadataValue(model, key) {
  return model.metadata.find(([k]) => k === key)?.[2];
}

/** Every combination of the axes (each an array of values) over `fixed`. */
function product(fixed, axes) {
  let combos = [fixed];
  for (const [key, values] of Object.entries(axes)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

const CTX = [512, 2048, 4000, 8192, 32768];
const ALL_KV_TYPES = [
  ['q8_0', 'q8_0'],
  ['q4_0', 'q4_0'],
  ['q8_0', 'f16'],
  ['f16', 'q8_0'],
  ['q4_0', 'q8_0'],
  ['q8_0', 'q4_0'],
  ['f16', 'q4_0'],
  ['q4_0', 'f16'],
];
const kv = ([k, v]) => ({ kTypes: k, vTypes: v });

/** Focus models: every interaction of ctx, parallel, flash attention and ubatch, and the rest around it. */
function focusGrid(model, hasSwa) {
  const p = (o) => point(model, o);
  return [
    ...product({}, { ctx: CTX, parallel: [1, 4], flashAttention: ['on', 'off'], ubatch: [128, 512, 2048] }).map(p),
    ...product(
      { parallel: 4, kvUnified: true, ubatch: 512 },
      { ctx: [512, 2048, 8192, 32768], flashAttention: ['on', 'off'] },
    ).map(p),
    ...product({ parallel: 4, kvUnified: true }, { ubatch: [128, 2048], flashAttention: ['on', 'off'] }).map(p),
    ...product({}, { types: ALL_KV_TYPES, ctx: [2048, 32768] }).map(({ types, ...o }) => p({ ...o, ...kv(types) })),
    ...[
      ['q8_0', 'q8_0'],
      ['q8_0', 'f16'],
      ['q4_0', 'f16'],
      ['f16', 'q8_0'],
    ].map((t) => p({ flashAttention: 'off', ...kv(t) })),
    ...[
      ['q4_0', 'q4_0'],
      ['f16', 'f16'],
    ].map((t) => p({ flashAttention: 'auto', ...kv(t) })),
    ...[false, true].map((kvUnified) => p({ parallel: 4, kvUnified, ...kv(['q8_0', 'q8_0']) })),
    ...(hasSwa ? swaGrid(p, [2048, 8192, 32768]) : []),
    ...product(
      { frontEnd: 'llama-completion' },
      { ctx: [2048, 8192, 32768], ubatch: [512, 2048], parallel: [1, 4] },
    ).map(p),
    ...[2048, 8192, 32768].map((ctx) => p({ frontEnd: 'llama-cli', ctx })),
    ...product({}, { contextSize: [2048, 4000, 8192], sequences: [1, 4] }).map((o) => nodeLlamaCppPoint(model, o)),
    ...(hasSwa
      ? [1, 4].map((sequences) => nodeLlamaCppPoint(model, { contextSize: 8192, sequences, swaFullCache: true }))
      : []),
  ];
}

function swaGrid(p, ctxs) {
  return [
    ...product({ swaFull: true }, { ctx: ctxs, parallel: [1, 4], flashAttention: ['on', 'off'] }).map(p),
    ...product({ parallel: 4, kvUnified: true, swaFull: true }, { ctx: [8192, 32768] }).map(p),
  ];
}

/** Other models: each factor once around the base point. */
function coverGrid(model, hasSwa) {
  const p = (o) => point(model, o);
  return [
    ...product({}, { ctx: CTX, flashAttention: ['on', 'off'] }).map(p),
    ...product({}, { ubatch: [128, 2048], flashAttention: ['on', 'off'] }).map(p),
    ...product({ parallel: 4 }, { kvUnified: [false, true], ctx: [2048, 8192, 32768] }).map(p),
    ...[false, true].map((kvUnified) => p({ parallel: 4, kvUnified, flashAttention: 'off' })),
    ...[
      ['q8_0', 'q8_0'],
      ['q4_0', 'q4_0'],
      ['q8_0', 'f16'],
    ].map((t) => p(kv(t))),
    p({ flashAttention: 'off', ...kv(['q8_0', 'q8_0']) }),
    ...[8192, 32768].map((ctx) => p({ frontEnd: 'llama-completion', ctx })),
    p({ frontEnd: 'llama-cli' }),
    nodeLlamaCppPoint(model, { contextSize: 4096, sequences: 1 }),
    nodeLlamaCppPoint(model, { contextSize: 8192, sequences: 4 }),
    ...(hasSwa ? swaGrid(p, [8192, 32768]) : []),
  ];
}

/** Points checked with a real allocation (mmap'd weights, allocated KV and compute buffers) as well as no_alloc. */
function allocCheckGrid(model) {
  return [point(model, {}), point(model, { ctx: 2048, parallel: 4, flashAttention: 'off', ubatch: 128 })];
}

export const FOCUS_MODELS = ['llama-3-8b-f16', 'gemma-2-9b-q8_0'];

/** A stable id for a point: model, front end and every setting that varies. */
export function pointId({ model, settings: s }) {
  const opts = s.frontEndOptions;
  const fe = opts ? `${s.frontEnd}(c${opts.contextSize}x${opts.sequences})` : s.frontEnd;
  const flags = `${s.kvUnified ? '-kvu' : ''}${s.swaFull ? '-swafull' : ''}`;
  return `${model}/${fe}/c${s.ctx}-np${s.parallel}-b${s.batch}-ub${s.ubatch}-fa${s.flashAttention}-k${s.kTypes}-v${s.vTypes}${flags}`;
}

/** The grid for these models: `{ points, allocChecks }` (each check is also a point), duplicates removed. */
export function calibrationGrid(models) {
  const points = new Map();
  const allocChecks = [];
  for (const model of models) {
    const hasSwa = metadataValue(model, `${model.arch}.attention.sliding_window`) !== undefined;
    const grid = FOCUS_MODELS.includes(model.id) ? focusGrid(model, hasSwa) : coverGrid(model, hasSwa);
    const checks = allocCheckGrid(model);
    for (const pt of [...grid, ...checks]) points.set(pointId(pt), pt);
    allocChecks.push(...checks);
  }
  return { points: [...points.values()], allocChecks };
}
