/**
 * The model as llama.cpp lays it out: an input layer (token embeddings, always in host memory),
 * n_layer repeating layers in order, and an output layer (output norm and head), each with its
 * weight bytes and the attention its KV cache serves.
 *   GGUF files: exact bytes per tensor group (blk.N.* per layer; token_embd… input; output…);
 *     a file without output.weight loads token_embd again as the output (TENSOR_DUPLICATED,
 *     src/llama-model-loader.cpp create_tensor) unless both sit in the same buffer type.
 *   Other checkpoints: the architecture's bytes per layer group, in the scenario's format.
 * Layer order: sliding-window layers follow llama.cpp's set_swa_pattern(p) (src/llama-hparams.cpp):
 * layer il is full-attention when il % p = p − 1, with p = ⌊n_layer / full layers⌋ (Gemma 2: p 2,
 * Gemma 3: p 6, gpt-oss: p 2, Llama 4: p 4). Other groups keep the order the reader gives them.
 * Models llama.cpp keeps other memory for (latent attention, recurrent state, cross-attention,
 * shared KV layers, encoders) are refused: their llama.cpp buffers are not modelled.
 */
import { type ModelArchitecture, type StandardAttention, allLayerGroups, layerCount } from '../architecture.js';
import type { InferenceScenario } from '../estimate.js';
import { UserError } from '../errors.js';
import { weightBytesOf, withLayerCounts } from '../serving/engineMath.js';

export interface LlamaCppLayer {
  index: number;
  attention: StandardAttention;
  weightBytes: number;
}

export interface LlamaCppLayout {
  /** Token embeddings (and other input-layer tensors): host memory. */
  inputBytes: number;
  layers: LlamaCppLayer[];
  /** Output norm and head; a tied head is counted in tiedOutputBytes instead. */
  outputBytes: number;
  /** A tied head's copy of token_embd, loaded where the output layer goes when that is not host memory. */
  tiedOutputBytes: number;
  /** Loaded once on each device that holds layers (rope_freqs). */
  perDeviceBytes: number;
  source: 'gguf' | 'architecture';
  /** The distinct attention shapes of the layers (one, or full and sliding-window). */
  attentions: StandardAttention[];
  /** n_embd_v_gqa_max: the widest layer's V row (the transposed V cache's row width). */
  widestVRow: number;
}

/**
 * Model types whose llama.cpp graphs use a sliding-window (or chunked) cache: their loaders set
 * swa_type (src/models/gemma2.cpp, gemma3.cpp, cohere2.cpp, openai-moe.cpp, llama4.cpp, olmo2.cpp).
 * Elsewhere llama.cpp attends over the whole context whatever the config's sliding_window says:
 * Mistral v0.1 converts to `llama`, and src/models/phi3.cpp sets swa_type NONE ("Phi SWA is
 * currently disabled").
 */
const SLIDING_WINDOW_TYPES = new Set(['gemma2', 'gemma3', 'gemma3_text', 'cohere2', 'gpt_oss', 'llama4_text', 'olmo3']);
/** Model types vram reads that llama.cpp has no architecture for (llama-arch.cpp LLM_ARCH_NAMES). */
const NOT_IN_LLAMA_CPP = new Set(['opt']);

/** Why llama.cpp's memory for this model is not modelled, or null when it is. */
export function llamaCppUnsupported(arch: ModelArchitecture, imagesLoaded: boolean): string | null {
  if (NOT_IN_LLAMA_CPP.has(arch.modelType)) return 'no llama.cpp architecture (llama-arch.cpp has none for it)';
  if (arch.layout !== 'decoder') return `a ${arch.layout} model (llama.cpp's encoder buffers are not modelled)`;
  if (imagesLoaded)
    return 'its vision tower: llama.cpp loads it from a separate mmproj GGUF whose buffers vram does not model; pass --text-only to size the language model';
  for (const group of allLayerGroups(arch)) {
    if (group.recurrent !== null)
      return 'recurrent (state-space or linear-attention) layers, whose llama.cpp memory is not modelled';
    if (group.crossAttention !== null) return 'cross-attention layers';
    if (group.attention === null) return 'layers without attention';
    if (group.attention.kind !== 'standard')
      return 'latent attention (MLA), whose llama.cpp cache layout is not modelled';
    if (group.attention.sharedKv)
      return "layers that share another layer's KV cache (Gemma 3n), not modelled for llama.cpp";
  }
  return null;
}

const fullAttention = new WeakMap<StandardAttention, StandardAttention>();

/** The layer's attention as llama.cpp runs it: without its window where llama.cpp has no sliding-window cache. */
function attentionOf(group: ModelArchitecture['layers'][number], modelType: string): StandardAttention {
  const attention = group.attention;
  if (attention === null || attention.kind !== 'standard')
    throw new Error('llamaCppLayout: unsupported layer (checked first)');
  if (attention.window === null || SLIDING_WINDOW_TYPES.has(modelType)) return attention;
  let full = fullAttention.get(attention);
  if (full === undefined) {
    full = { ...attention, window: null, chunked: false };
    fullAttention.set(attention, full);
  }
  return full;
}

/** The group of each layer, in llama.cpp's order (see the docblock). */
function layerGroupOrder(arch: ModelArchitecture): number[] {
  const groups = arch.layers;
  const total = layerCount(groups);
  const full = groups.filter((g) => g.attention?.window == null);
  const sliding = groups.filter((g) => g.attention?.window != null);
  if (sliding.length === 0 || full.length !== 1 || sliding.length !== 1) {
    return groups.flatMap((group, index) => new Array<number>(group.count).fill(index));
  }
  const [fullGroup, slidingGroup] = [groups.indexOf(full[0] as never), groups.indexOf(sliding[0] as never)];
  const fullCount = groups[fullGroup]?.count ?? 0;
  const period = Math.max(1, Math.floor(total / Math.max(1, fullCount)));
  let placedFull = 0;
  const order: number[] = [];
  for (let il = 0; il < total; il++) {
    const isFull = (il % period === period - 1 && placedFull < fullCount) || total - il <= fullCount - placedFull;
    if (isFull) placedFull += 1;
    order.push(isFull ? fullGroup : slidingGroup);
  }
  return order;
}

/** Bytes of one layer of each group, from the architecture in the scenario's format. */
function groupLayerBytes(inference: InferenceScenario): number[] {
  const arch = inference.arch;
  const ends = weightBytesOf(
    inference,
    withLayerCounts(arch, () => 0),
  );
  return arch.layers.map((_, index) => {
    const one = withLayerCounts(arch, () => 0);
    const layers = one.layers.map((group, i) => (i === index ? { ...group, count: 1 } : group));
    return weightBytesOf(inference, { ...one, layers }) - ends;
  });
}

function architectureEnds(inference: InferenceScenario): { input: number; output: number; tied: number } {
  const arch = inference.arch;
  const ends = (a: ModelArchitecture) =>
    weightBytesOf(
      inference,
      withLayerCounts(a, () => 0),
    );
  const embedding = ends({ ...arch, tiedEmbeddings: true });
  if (arch.tiedEmbeddings) return { input: embedding, output: 0, tied: embedding };
  return { input: embedding, output: ends(arch) - embedding, tied: 0 };
}

/** The model's llama.cpp layout; throws a UserError for models whose llama.cpp memory vram does not model. */
export function llamaCppLayout(inference: InferenceScenario): LlamaCppLayout {
  const layout = layoutOfLayers(inference);
  const attentions = [...new Set(layout.layers.map((layer) => layer.attention))];
  const widestVRow = attentions.reduce((widest, a) => Math.max(widest, a.kvHeadCount * a.headDim), 0);
  return { ...layout, attentions, widestVRow };
}

function layoutOfLayers(inference: InferenceScenario): Omit<LlamaCppLayout, 'attentions' | 'widestVRow'> {
  const arch = inference.arch;
  const why = llamaCppUnsupported(arch, inference.images !== null);
  if (why !== null) throw new UserError(`--engine llama.cpp: ${arch.modelType} has ${why}`);
  const order = layerGroupOrder(arch);
  const gguf = inference.storedWeights?.ggufLayout;
  if (gguf && gguf.layerBytes.length !== order.length)
    throw new UserError(
      `--engine llama.cpp: the GGUF file has tensors for ${gguf.layerBytes.length} layers (blk.N), its metadata ${order.length}; vram cannot place them layer by layer (a file missing layers, or extra MTP/NextN layers it does not model)`,
    );
  if (gguf) {
    return {
      inputBytes: gguf.inputBytes,
      layers: order.map((group, index) => ({
        index,
        attention: attentionOf(arch.layers[group] as ModelArchitecture['layers'][number], arch.modelType),
        weightBytes: gguf.layerBytes[index] ?? 0,
      })),
      outputBytes: gguf.outputBytes,
      tiedOutputBytes: gguf.tiedOutputBytes,
      perDeviceBytes: gguf.perDeviceBytes,
      source: 'gguf',
    };
  }
  const perGroup = groupLayerBytes(inference);
  const { input, output, tied } = architectureEnds(inference);
  return {
    inputBytes: input,
    layers: order.map((group, index) => ({
      index,
      attention: attentionOf(arch.layers[group] as ModelArchitecture['layers'][number], arch.modelType),
      weightBytes: perGroup[group] ?? 0,
    })),
    outputBytes: output,
    tiedOutputBytes: tied,
    perDeviceBytes: 0,
    source: 'architecture',
  };
}
