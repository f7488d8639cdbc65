/**
 * LLaMA-style decoders: RMSNorm, rotary positions, gated MLP, optional GQA.
 * model_type: llama (also Yi, DeepSeek-LLM), mistral, mixtral, qwen2, qwen3, qwen2_moe, phi3,
 * gemma, gemma2, gemma3_text, gpt_oss. Field names and defaults follow transformers'
 * configuration classes; layer patterns follow the modeling code:
 * - Gemma 2: even layers slide (`is_sliding = not bool(layer_idx % 2)`), 4 norms per layer.
 * - Gemma 3: `layer_types`, else every sliding_window_pattern-th layer is global; q/k norms.
 * - Qwen2-MoE: MoE on layers where (i + 1) % decoder_sparse_step == 0 and i ∉ mlp_only_layers,
 *   a shared expert with a sigmoid gate; q/k/v biases. Qwen3-MoE: the same routing, no shared
 *   expert, no biases, q/k norms.
 * - gpt-oss: `layer_types` sliding/full, attention sinks, biased experts and router.
 * Phi-3 fuses qkv and gate_up; the parameter count is the same as separate projections.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import { type LayerShape, denseMlp, moe, standardAttention, kvHeadCountOf, qwenSparseLayers } from './build.js';

export const LLAMA_FAMILY = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen3',
  'qwen2_moe',
  'qwen3_moe',
  'phi3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'gpt_oss',
] as const;
export type LlamaFamily = (typeof LLAMA_FAMILY)[number];

/** Families whose modeling code applies `sliding_window` (LLaMA and Gemma 1 ignore it). */
const WINDOWED: ReadonlySet<LlamaFamily> = new Set([
  'mistral',
  'mixtral',
  'qwen2',
  'qwen3',
  'qwen2_moe',
  'qwen3_moe',
  'phi3',
  'gemma2',
  'gemma3_text',
  'gpt_oss',
]);
/** The layer_types values a family's reader models: full attention, and sliding where it applies windows. */
export function llamaLayerTypes(type: LlamaFamily): readonly string[] {
  return WINDOWED.has(type) ? ['full_attention', 'sliding_attention'] : ['full_attention'];
}

/** Families whose attention reads `attention_bias` (Mistral and Phi-3 hard-code no bias). */
const BIAS_CONFIGURABLE: ReadonlySet<LlamaFamily> = new Set([
  'llama',
  'qwen3',
  'qwen3_moe',
  'gemma',
  'gemma2',
  'gemma3_text',
  'gpt_oss',
]);
/** Qwen families whose sliding window starts after max_window_layers (transformers default 28). */
const QWEN: ReadonlySet<LlamaFamily> = new Set(['qwen2', 'qwen3', 'qwen2_moe', 'qwen3_moe']);
const QWEN_DEFAULT_MAX_WINDOW_LAYERS = 28;

function isSliding(type: LlamaFamily, index: number, f: ConfigFields): boolean {
  const layerTypes = f.stringList('layer_types');
  if (layerTypes !== null && layerTypes[index] !== undefined) return layerTypes[index] === 'sliding_attention';
  if (type === 'gemma2') return index % 2 === 0;
  if (type === 'gemma3_text') return (index + 1) % (f.optionalCount('sliding_window_pattern') ?? 6) !== 0;
  if (QWEN.has(type))
    return (
      f.flag('use_sliding_window', false) &&
      index >= (f.optionalNonNegative('max_window_layers') ?? QWEN_DEFAULT_MAX_WINDOW_LAYERS)
    );
  return true;
}

/** Which layers route to experts: all of an MoE model's, except Qwen MoE's dense ones (decoder_sparse_step, mlp_only_layers). */
function routedLayers(f: ConfigFields, type: LlamaFamily, expertCount: number | null): (layer: number) => boolean {
  if (expertCount === null) return () => false;
  if (type !== 'qwen2_moe' && type !== 'qwen3_moe') return () => true;
  return qwenSparseLayers(f);
}

/** The experts of a routed layer: Qwen2-MoE's gated shared expert, gpt-oss's router bias. */
function expertsOf(f: ConfigFields, type: LlamaFamily, expertCount: number, activeExpertCount: number) {
  if (type !== 'qwen2_moe') return moe({ expertCount, activeExpertCount, routerBias: type === 'gpt_oss' });
  const sharedIntermediateSize = f.optionalCount('shared_expert_intermediate_size') ?? 0;
  return moe({ expertCount, activeExpertCount, sharedIntermediateSize, sharedExpertGate: true });
}

/** The attention of every layer but its window: heads, K/V heads, head size, biases, q/k norms, sinks. */
function attentionShape(f: ConfigFields, type: LlamaFamily, h: number, headCount: number) {
  const kvHeadCount = kvHeadCountOf(f, headCount);
  const givenHeadDim = f.optionalCount('head_dim');
  f.require(
    givenHeadDim !== null || h % headCount === 0,
    `hidden_size ${h} is not divisible by num_attention_heads ${headCount}; give head_dim`,
  );
  const bias =
    type === 'qwen2' || type === 'qwen2_moe'
      ? 'qkv'
      : BIAS_CONFIGURABLE.has(type) && f.flag('attention_bias', false)
        ? 'all'
        : 'none';
  const qkNorm = type === 'qwen3' || type === 'qwen3_moe' || type === 'gemma3_text';
  return {
    headCount,
    kvHeadCount,
    headDim: givenHeadDim ?? h / headCount,
    bias,
    qkNorm,
    sinks: type === 'gpt_oss',
  } as const;
}

export function readLlamaFamily(f: ConfigFields, type: LlamaFamily, warnings: string[]): ModelArchitecture {
  const h = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const headCount = f.count('num_attention_heads');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount = f.count('max_position_embeddings');
  const qwenMoe = type === 'qwen2_moe' || type === 'qwen3_moe';
  const expertCount = qwenMoe
    ? f.count('num_experts')
    : type === 'mixtral' || type === 'gpt_oss'
      ? f.count('num_local_experts')
      : null;
  const intermediate = qwenMoe ? f.count('moe_intermediate_size') : f.count('intermediate_size');
  f.done();
  const shape = attentionShape(f, type, h, headCount);
  const gemma = type === 'gemma' || type === 'gemma2' || type === 'gemma3_text';
  const window = WINDOWED.has(type) ? f.optionalCount('sliding_window', 'sliding_window_size') : null;
  const activeExperts = f.optionalCount('num_experts_per_tok', 'experts_per_token') ?? 1;
  f.require(
    expertCount === null || activeExperts <= expertCount,
    `num_experts_per_tok: got ${activeExperts}, expected at most ${expertCount} experts`,
  );
  const routedAt = routedLayers(f, type, expertCount);
  const experts = expertCount === null ? null : expertsOf(f, type, expertCount, activeExperts);
  const layers: LayerShape[] = [];
  for (let i = 0; i < layerCount; i++) {
    const layerExperts = routedAt(i) ? experts : null;
    const denseWidth = qwenMoe ? (f.optionalCount('intermediate_size') ?? intermediate) : intermediate;
    layers.push({
      attention: standardAttention({ ...shape, window: window !== null && isSliding(type, i, f) ? window : null }),
      recurrent: null,
      crossAttention: null,
      mlp: layerExperts
        ? { intermediateSize: intermediate, gated: true, bias: type === 'gpt_oss', experts: layerExperts }
        : denseMlp(denseWidth, true, type === 'llama' && f.flag('mlp_bias', false)),
      normCount: type === 'gemma2' || type === 'gemma3_text' ? 4 : 2,
    });
  }
  if (type === 'phi3' && window !== null)
    warnings.push(
      `phi3 config sets sliding_window ${window}; engines differ on whether Phi-3 uses it (see --sliding-window)`,
    );
  return architecture({
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount,
    layers: groupLayers(layers),
    tiedEmbeddings: f.flag('tie_word_embeddings', gemma),
    attentionDropout: f.probability(0, 'attention_dropout'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
