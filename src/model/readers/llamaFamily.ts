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
import { type LayerShape, denseMlp, moe, standardAttention } from './build.js';

export const LLAMA_FAMILY = ['llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 'qwen2_moe', 'qwen3_moe', 'phi3', 'gemma', 'gemma2', 'gemma3_text', 'gpt_oss'] as const;
type LlamaFamily = (typeof LLAMA_FAMILY)[number];

/** Families whose modeling code applies `sliding_window` (LLaMA and Gemma 1 ignore it). */
const WINDOWED: ReadonlySet<LlamaFamily> = new Set(['mistral', 'mixtral', 'qwen2', 'qwen3', 'qwen2_moe', 'qwen3_moe', 'phi3', 'gemma2', 'gemma3_text', 'gpt_oss']);
/** Families whose attention reads `attention_bias` (Mistral and Phi-3 hard-code no bias). */
const BIAS_CONFIGURABLE: ReadonlySet<LlamaFamily> = new Set(['llama', 'qwen3', 'qwen3_moe', 'gemma', 'gemma2', 'gemma3_text', 'gpt_oss']);
/** Qwen families whose sliding window starts after max_window_layers (transformers default 28). */
const QWEN: ReadonlySet<LlamaFamily> = new Set(['qwen2', 'qwen3', 'qwen2_moe', 'qwen3_moe']);
const QWEN_DEFAULT_MAX_WINDOW_LAYERS = 28;

function isSliding(type: LlamaFamily, index: number, f: ConfigFields): boolean {
  const layerTypes = f.stringList('layer_types');
  if (layerTypes !== null && layerTypes[index] !== undefined) return layerTypes[index] === 'sliding_attention';
  if (type === 'gemma2') return index % 2 === 0;
  if (type === 'gemma3_text') return (index + 1) % (f.optionalCount('sliding_window_pattern') ?? 6) !== 0;
  if (QWEN.has(type)) return f.flag('use_sliding_window', false) && index >= (f.optionalNonNegative('max_window_layers') ?? QWEN_DEFAULT_MAX_WINDOW_LAYERS);
  return true;
}

export function readLlamaFamily(f: ConfigFields, type: LlamaFamily, warnings: string[]): ModelArchitecture {
  const h = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const headCount = f.count('num_attention_heads');
  const vocabSize = f.count('vocab_size');
  const maxPositionCount = f.count('max_position_embeddings');
  const qwenMoe = type === 'qwen2_moe' || type === 'qwen3_moe';
  const expertCount = qwenMoe ? f.count('num_experts') : type === 'mixtral' || type === 'gpt_oss' ? f.count('num_local_experts') : null;
  const intermediate = qwenMoe ? f.count('moe_intermediate_size') : f.count('intermediate_size');
  f.done();
  const kvHeadCount = f.optionalCount('num_key_value_heads') ?? headCount;
  f.require(headCount % kvHeadCount === 0, `num_key_value_heads: got ${kvHeadCount}, expected a divisor of num_attention_heads (${headCount})`);
  const givenHeadDim = f.optionalCount('head_dim');
  f.require(givenHeadDim !== null || h % headCount === 0, `hidden_size ${h} is not divisible by num_attention_heads ${headCount}; give head_dim`);
  const headDim = givenHeadDim ?? h / headCount;
  const gemma = type === 'gemma' || type === 'gemma2' || type === 'gemma3_text';
  const window = WINDOWED.has(type) ? f.optionalCount('sliding_window', 'sliding_window_size') : null;
  const bias = type === 'qwen2' || type === 'qwen2_moe' ? 'qkv' : BIAS_CONFIGURABLE.has(type) && f.flag('attention_bias', false) ? 'all' : 'none';
  const activeExperts = f.optionalCount('num_experts_per_tok', 'experts_per_token') ?? 1;
  f.require(expertCount === null || activeExperts <= expertCount, `num_experts_per_tok: got ${activeExperts}, expected at most ${expertCount} experts`);
  const sparseStep = f.optionalCount('decoder_sparse_step') ?? 1;
  const mlpOnlyRaw = f.value('mlp_only_layers') ?? [];
  f.require(Array.isArray(mlpOnlyRaw) && mlpOnlyRaw.every((i) => Number.isInteger(i) && i >= 0), `mlp_only_layers: got ${JSON.stringify(mlpOnlyRaw)}, expected a list of layer indices`);
  const mlpOnly = new Set(mlpOnlyRaw as number[]);
  const layers: LayerShape[] = [];
  for (let i = 0; i < layerCount; i++) {
    const routed = expertCount !== null && (!qwenMoe || ((i + 1) % sparseStep === 0 && !mlpOnly.has(i)));
    const experts = !routed
      ? null
      : type === 'qwen2_moe'
        ? moe({ expertCount: expertCount!, activeExpertCount: activeExperts, sharedIntermediateSize: f.optionalCount('shared_expert_intermediate_size') ?? 0, sharedExpertGate: true })
        : moe({ expertCount: expertCount!, activeExpertCount: activeExperts, routerBias: type === 'gpt_oss' });
    const denseWidth = qwenMoe ? (f.optionalCount('intermediate_size') ?? intermediate) : intermediate;
    layers.push({
      attention: standardAttention({
        headCount,
        kvHeadCount,
        headDim,
        bias,
        qkNorm: type === 'qwen3' || type === 'qwen3_moe' || type === 'gemma3_text',
        sinks: type === 'gpt_oss',
        window: window !== null && isSliding(type, i, f) ? window : null,
      }),
      crossAttention: null,
      mlp: experts ? { intermediateSize: intermediate, gated: true, bias: type === 'gpt_oss', experts } : denseMlp(denseWidth, true, type === 'llama' && f.flag('mlp_bias', false)),
      normCount: type === 'gemma2' || type === 'gemma3_text' ? 4 : 2,
    });
  }
  if (type === 'phi3' && window !== null) warnings.push(`phi3 config sets sliding_window ${window}; engines differ on whether Phi-3 uses it (see --sliding-window)`);
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
