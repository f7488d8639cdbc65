/**
 * `vram explain [topic]`: each rule with its derivation and sources, then vram's own figures for
 * the model (plan/cheatSheet.ts computes them with the plans `estimate` and `capacity` run).
 */
import type { CheatSheet, StateRow } from '../plan/cheatSheet.js';
import type { ExplainTopic } from '../plan/explainTopics.js';
import type { Format, UnitSystem } from '../plan/common.js';
import { formatInt } from '../core/units.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { formatBytes, formatCount } from './bytes.js';

type Section = { title: string; lines: string[] };
type Writer = (sheet: CheatSheet, units: UnitSystem) => Section;

const perParam = (bytes: number, params: number) => {
  const value = bytes / params;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
};

function stateLine(row: StateRow, params: number, units: UnitSystem): string {
  const setting = `${row.precision} + ${row.optimizer}`.padEnd(20);
  const parts = `${perParam(row.weights, params)} + ${perParam(row.gradients, params)} + ${perParam(row.optimizerStates, params)}`;
  return `  ${setting} ${perParam(row.totalBytes, params).padStart(2)} B = ${parts.padEnd(12)} ${formatBytes(row.totalBytes, units)}`;
}

const training: Writer = (sheet, units) => {
  const n = sheet.model.parameterCount;
  return {
    title: 'Model states in training: 16 bytes per parameter (mixed precision, Adam)',
    lines: [
      '16Φ = 2 (16-bit weights) + 2 (16-bit gradients) + 4 (fp32 master) + 4 (Adam momentum) + 4 (variance)',
      '  ZeRO, arXiv:1910.02054 §3. Pure fp32 Adam is 16Φ too: 4 + 4 + 8.',
      `vram's model states for ${sheet.model.id} (${formatCount(n)} params), weights + gradients + optimizer:`,
      ...sheet.training.map((row) => stateLine(row, n, units)),
      'Where the other multiples hold: 8Φ is pure bf16 Adam (no master copy, states in bf16; --precision bf16),',
      '  6Φ bf16 with 8-bit Adam, 10Φ mixed precision with 8-bit Adam, 12Φ mixed precision with Lion (one',
      '  state); the seeds\' "params × bytes × 6" (12 B at 16 bits) leaves out the fp32 master and counts Adam in',
      "  16 bits. DeepSpeed's ZeRO-3 estimator uses 18Φ/N (docs/code-docs/source/memory.rst).",
      'Activations, framework buffers and the CUDA context come on top: vram estimate --train shows them.',
    ],
  };
};

const zero: Writer = (sheet, units) => ({
  title: 'ZeRO: model states per GPU over N GPUs',
  lines: [
    'stage 1 shards the optimizer states: (2 + 2 + 12/N)Φ; stage 2 the gradients too: (2 + 14/N)Φ;',
    'stage 3 the weights too: 16Φ/N (ZeRO, arXiv:1910.02054, Figure 1).',
    `${sheet.model.id} on 8 GPUs, mixed precision + AdamW, per GPU (vram estimate --train --gpus 8 --zero S):`,
    'ZeRO-0 is plain data parallelism, whose all-reduce buckets hold a second copy of the gradients: 18Φ.',
    ...sheet.zero.map(
      (row) =>
        `  ZeRO-${row.stage}  ${formatBytes(row.bytesPerGpu, units).padStart(11)}  (${perParam(row.bytesPerGpu, sheet.model.parameterCount)} B per parameter of the model)`,
    ),
  ],
});

const kvCache: Writer = (sheet, units) => {
  const { kv } = sheet;
  const full = kv.heads > 0 ? (kv.bytesPerToken / Math.max(1, kv.kvHeads)) * kv.heads : 0;
  const tokens = kv.contextTokens * kv.users;
  return {
    title: 'KV cache: 2 · L · n_kv · d · bytes · tokens',
    lines: [
      'Every layer caches a key and a value per token for each K/V head (grouped-query attention: fewer K/V',
      'heads than query heads; MLA caches one latent per token instead). PagedAttention (vLLM) allocates it in',
      'blocks of 16 tokens; llama.cpp for n_ctx = context × parallel slots up front.',
      `${sheet.model.id}: ${formatInt(kv.elementsPerToken)} elements per token over ${kv.layers} layers = ${formatBytes(kv.bytesPerToken, units)} per token at 16 bits`,
      `  × ${formatInt(kv.contextTokens)} tokens × ${kv.users} users = ${formatBytes(kv.totalBytes, units)}`,
      ...(kv.kvHeads > 0 && kv.kvHeads < kv.heads
        ? [
            `  with ${kv.kvHeads} K/V heads for ${kv.heads} query heads; one K/V head per query head (no GQA) would be ${formatBytes(full * tokens, units)}`,
            '  (the "800 GB" often quoted for Llama-70B at 32k × 10 assumes that)',
          ]
        : kv.kvHeads === 0
          ? ['  multi-head latent attention: one compressed latent per token and layer, shared by all heads']
          : []),
    ],
  };
};

const activations: Writer = (sheet, units) => {
  const { activations: a } = sheet;
  return {
    title: 'Activations in training: s·b·h·(34 + 5·a·s/h) bytes per layer (Korthikanti et al.)',
    lines: [
      '16-bit, no recomputation, a GPT layer with a 4h GELU MLP and dropout (arXiv:2205.05198). Selective',
      'recomputation or flash attention removes the 5as/h scores; full recomputation keeps the layer input, 2sbh.',
      `${sheet.model.id} at s = ${formatInt(a.sequenceTokens)}, b = 1, h = ${formatInt(a.hiddenSize)}, a = ${a.heads}, eager attention:`,
      `  the formula ${formatBytes(a.korthikantiLayerBytes, units)} per layer; vram's per-tensor count ${formatBytes(a.vramLayerBytes, units)}`,
      '  (SwiGLU MLPs of width f ≠ 4h, RMSNorm keeping 4 + e bytes, no dropout, grouped K/V: vram estimate',
      '  --train --explain lists each tensor). The loss adds up to 12 B per logit at its backward peak.',
    ],
  };
};

const concurrency: Writer = (sheet, units) => {
  const c = sheet.concurrency;
  return {
    title: 'Concurrency: (GPU − weights − overhead) / KV per user',
    lines: [
      'What is left on each GPU after its weight shard, the activation peak and the runtime, divided by one',
      "sequence's cache on that GPU (tensor parallelism splits both by head).",
      `${sheet.model.id} on ${c.gpuCount} × ${c.gpu} (${formatBytes(c.memoryBytes, units)} each) at ${formatInt(c.contextTokens)} tokens, bf16, per GPU:`,
      `  (${formatBytes(c.memoryBytes, units)} − ${formatBytes(c.weightsBytes, units)} − ${formatBytes(c.otherBytes, units)}) / ${formatBytes(c.kvBytesPerUser, units)} = ${formatInt(c.users)} users (vram estimate --gpu ${c.gpu} --gpus ${c.gpuCount}: ${formatInt(c.estimateUsers)})`,
      `  vLLM (0.9 of the memory, its profiling peak, blocks of 16 tokens): ${formatInt(c.vllmUsers)} (vram capacity --engine vllm)`,
    ],
  };
};

const rulesOfThumb: Writer = (sheet, units) => {
  const r = sheet.rules;
  const show = (bytes: number) => formatBytes(bytes, units);
  return {
    title: "Rules of thumb (the seed notes) against vram's figures",
    lines: [
      `inference ≈ weights × 1.2:  ${show(r.weights16Bytes * 1.2)}   vram at 4k tokens, 1 user, bf16: ${show(r.inferenceBytes)}`,
      `full fine-tuning ≈ weights × 6:  ${show(r.weights16Bytes * 6)}   vram (mixed + AdamW, 2k tokens): ${show(r.fullTrainingBytes)}`,
      `LoRA ≈ inference × 1.2–1.5:  ${show(r.weights16Bytes * 1.2 * 1.2)} – ${show(r.weights16Bytes * 1.2 * 1.5)}   vram (r 16, q_proj,v_proj): ${show(r.loraBytes)}`,
      'The multipliers hide the context: the KV cache and activations grow with tokens and users, not with',
      'the weights. vram estimate prints them as terms of their own.',
    ],
  };
};

const WRITERS: Record<ExplainTopic, Writer> = {
  training,
  zero,
  'kv-cache': kvCache,
  activations,
  concurrency,
  'rules-of-thumb': rulesOfThumb,
};

export function renderCheatSheet(sheet: CheatSheet, format: Format, units: UnitSystem): string {
  const sections = sheet.topics.map((topic) => WRITERS[topic](sheet, units));
  if (format === 'markdown')
    return `${sections.map((s) => [`## ${s.title}`, '', '```text', ...s.lines, '```'].join('\n')).join('\n\n')}\n`;
  return `${sections.map((s) => [s.title, ...s.lines.map((line) => `  ${line}`)].join('\n')).join('\n\n')}\n`;
}

/** The `vram explain --format json` document: the sections as text and the figures behind them. */
export function cheatSheetJson(sheet: CheatSheet, units: UnitSystem) {
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    model: { id: sheet.model.id, parameterCount: sheet.model.parameterCount },
    topics: sheet.topics.map((topic) => ({ topic, ...WRITERS[topic](sheet, units) })),
    figures: {
      training: sheet.training,
      zero: sheet.zero,
      kv: sheet.kv,
      activations: sheet.activations,
      concurrency: sheet.concurrency,
      rules: sheet.rules,
    },
  };
}

/** The `vram explain --format json` document. */
export type CheatSheetJson = ReturnType<typeof cheatSheetJson>;
