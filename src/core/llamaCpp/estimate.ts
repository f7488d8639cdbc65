/**
 * llama.cpp's buffers as an estimate's components: each carries the GPUs' bytes (`bytes`, all GPUs),
 * the most loaded GPU's (`bytesPerGpu`) and the host's (`hostBytes`), so one table shows VRAM per
 * GPU and RAM. The CUDA context is the only heuristic term; Metal (Apple silicon) has none.
 */
import { type Component, type ComponentId, component, sumBytes } from '../component.js';
import type { Estimate } from '../estimate.js';
import type { InferenceScenario } from '../estimate.js';
import { CUDA_CONTEXT_BYTES } from '../overhead.js';
import { countParameters } from '../parameters.js';
import { formatInt } from '../units.js';
import { type LlamaCppDevice, type LlamaCppMemory, deviceTotalBytes } from './memory.js';
import {
  COMPUTE_BUFFER_RANGE,
  UNCALIBRATED_COMPUTE_BUFFER_RANGE,
  computeBufferCalibrated,
  computeTerms,
} from './computeBuffer.js';
import type { LowExpectedHigh } from '../overhead.js';

export type LlamaCppBackend = 'cuda' | 'metal' | 'cpu';

/** The GPU holding the most (the one a fit is decided on); null without GPUs. */
export function mostLoadedGpu(memory: LlamaCppMemory): LlamaCppDevice | null {
  let most: LlamaCppDevice | null = null;
  for (const gpu of memory.gpus) if (most === null || deviceTotalBytes(gpu) > deviceTotalBytes(most)) most = gpu;
  return most;
}

interface Part {
  id: ComponentId;
  label: string;
  pick: (device: LlamaCppDevice) => number;
  host: number;
  expression: string;
  formula: string;
  basis: 'exact' | 'model' | 'heuristic';
  notes: string[];
  /** Low and high factors on the GPUs' bytes (heuristic terms); absent: exact. */
  range?: LowExpectedHigh;
}

function partComponent(memory: LlamaCppMemory, part: Part): Component {
  const most = mostLoadedGpu(memory);
  const onGpus = memory.gpus.reduce((sum, gpu) => sum + part.pick(gpu), 0);
  return component(
    {
      id: part.id,
      label: part.label,
      bytes: onGpus,
      expression: part.expression,
      basis: part.basis,
      range: part.range
        ? { lowBytes: Math.floor(onGpus * part.range.low), highBytes: Math.ceil(onGpus * part.range.high) }
        : null,
      bytesPerGpu: most === null ? 0 : part.pick(most),
      hostBytes: part.host,
    },
    () => ({ formula: part.formula, notes: part.notes }),
  );
}

function layersText(memory: LlamaCppMemory): string {
  const total = memory.layout.layers.length;
  const host = memory.host.layers;
  return `${total - host} of ${total} layers${memory.gpus.some((g) => g.output) ? ' + the output layer' : ''} on ${memory.gpus.length} GPU${memory.gpus.length === 1 ? '' : 's'}, ${host} in host memory`;
}

function contextComponent(gpuCount: number, backend: LlamaCppBackend): Component | null {
  if (gpuCount === 0 || backend !== 'cuda') return null;
  const range = { lowBytes: CUDA_CONTEXT_BYTES.low, highBytes: CUDA_CONTEXT_BYTES.high };
  return component(
    {
      id: 'overhead',
      label: 'CUDA context',
      bytes: CUDA_CONTEXT_BYTES.expected * gpuCount,
      expression: 'CUDA context per GPU',
      basis: 'heuristic',
      range: { lowBytes: range.lowBytes * gpuCount, highBytes: range.highBytes * gpuCount },
      bytesPerGpu: CUDA_CONTEXT_BYTES.expected,
      hostBytes: 0,
    },
    () => ({
      formula: `${formatInt(CUDA_CONTEXT_BYTES.expected)} B per GPU (range ${formatInt(range.lowBytes)}–${formatInt(range.highBytes)} B) × ${gpuCount}`,
      notes: ['the CUDA context and cuBLAS workspace llama.cpp creates on each GPU (CUDA_CONTEXT_BYTES, heuristic)'],
    }),
  );
}

/** The compute buffers: the closed form's terms (computeBuffer.ts), its range from the probe grid's misses. */
function computePart(inference: InferenceScenario, memory: LlamaCppMemory): Part {
  const { context, host } = memory;
  const terms = computeTerms(inference.arch, memory.layout.attentions, context);
  const calibrated = computeBufferCalibrated(inference.arch);
  const range = calibrated ? COMPUTE_BUFFER_RANGE : UNCALIBRATED_COMPUTE_BUFFER_RANGE;
  const mib = (bytes: number) => `${formatInt(Math.round(bytes / 2 ** 20))} MiB`;
  return {
    id: 'compute_buffer',
    label: 'Compute buffer',
    pick: (d) => d.computeBytes,
    host: host.computeBytes,
    expression: 'max(attention, FFN, output) peak of the reserved graph',
    formula: `max(attention ${mib(terms.attention)}, FFN ${mib(terms.ffn)}, output ${mib(terms.output)}) for ${formatInt(context.reserveTokens)} tokens (n_ubatch), ${formatInt(context.reserveOutputs)} output${context.reserveOutputs === 1 ? '' : 's'}, flash attention ${context.flashAttention ? 'on' : 'off'}${memory.gpus.length > 0 ? `; the GPUs less the ${mib(terms.inputEmbedding)} input embedding the host keeps` : ''}`,
    basis: calibrated ? 'model' : 'heuristic',
    range,
    notes: [
      "the worst-case graph llama.cpp reserves at start (llama_context::sched_reserve); f32 activations whatever the weights' type",
      calibrated
        ? 'llama.cpp (CPU) measured it exactly on 421 of 425 contexts, within −1.4 % on the rest; on a wider probe grid −17.6 % to +7.6 %: the range'
        : `${inference.arch.modelType}: not calibrated against llama.cpp (MoE routing or another graph); the closed form is a guide, range ×${range.low}–×${range.high}`,
      ...(memory.gpus.length > 0
        ? ['GPU compute buffers follow from llama.cpp’s code, not from a measurement (no GPU calibration yet)']
        : []),
    ],
  };
}

export function llamaCppEstimate(
  inference: InferenceScenario,
  memory: LlamaCppMemory,
  backend: LlamaCppBackend,
): Estimate {
  const { context, host, layout } = memory;
  const counts = countParameters(inference.arch);
  const gguf = layout.source === 'gguf';
  const kvTypes = `K ${context.params.kType}, V ${context.params.vType}`;
  const cells = `${formatInt(memory.cells.full)} cells${memory.cells.sliding === null ? '' : ` (${formatInt(memory.cells.sliding)} per sliding-window layer)`}`;
  const parts: Part[] = [
    {
      id: 'weights',
      label: 'Weights',
      pick: (d) => d.weightBytes,
      host: host.weightBytes,
      expression: gguf ? 'Σ GGUF tensor bytes by device' : 'layer bytes by device',
      formula: `${layersText(memory)}; token embeddings in host memory (${formatInt(layout.inputBytes)} B)${layout.tiedOutputBytes > 0 && memory.gpus.some((g) => g.output) ? `, the tied output a copy of them on the GPU (${formatInt(layout.tiedOutputBytes)} B)` : ''}`,
      basis: gguf ? 'exact' : 'model',
      notes: [
        'llama.cpp keeps the input layer (token embeddings) on the CPU and offloads the last --gpu-layers units, the output layer first (src/llama-model.cpp load_tensors)',
        "host weights are mmap'd file pages: resident as they are read, and shared with the page cache",
      ],
    },
    {
      id: 'kv_cache',
      label: 'KV cache',
      pick: (d) => d.kvBytes,
      host: host.kvBytes,
      expression: 'Σ layers K + V rows × cells × streams',
      formula: `${kvTypes}; ${cells} × ${context.streams} stream${context.streams === 1 ? '' : 's'}; each layer's cache on its layer's device`,
      basis: 'exact',
      notes: [
        `n_ctx ${formatInt(context.contextTokens)} (padded to 256), n_ctx_seq ${formatInt(context.sequenceTokens)}, ${context.params.sequences} sequence${context.params.sequences === 1 ? '' : 's'}${context.params.kvUnified ? ', one unified stream' : ''}`,
      ],
    },
    computePart(inference, memory),
    {
      id: 'output_buffer',
      label: 'Output buffer',
      pick: () => 0,
      host: host.outputBufferBytes,
      expression: 'n_vocab × n_seq_max × 4 B',
      formula: `${formatInt(inference.arch.vocabSize)} × ${context.params.sequences} × 4 B of logits in host memory`,
      basis: 'exact',
      notes: ['llama_context::output_reserve; pinned (CUDA_Host) with CUDA'],
    },
  ];
  const components = parts.map((part) => partComponent(memory, part));
  const cuda = contextComponent(memory.gpus.length, backend);
  if (cuda) components.push(cuda);
  return {
    mode: 'inference',
    parameterCount: counts.totalCount,
    activeParameterCount: counts.activeCount,
    trainableParameterCount: 0,
    components,
    totalBytes: sumBytes(components),
  };
}
