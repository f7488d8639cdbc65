/**
 * Exact parameter count from the architecture, by part.
 *
 * Decoder layer (LLaMA family; REFERENCES.md "Parameter counts"):
 *   attention = h·a·d (q) + 2·h·n_kv·d (k, v) + a·d·h (o)  [+ a·d + 2·n_kv·d q/k/v biases (Qwen2)]
 *   gated MLP = 3·h·f, plain MLP = 2·h·f                    [+ biases where the family has them]
 *   MoE MLP   = E experts × MLP + router h·E
 *   norms     = 2 per layer (RMSNorm h, LayerNorm 2h) + a final norm
 * Embeddings V·h (+ learned positions P·h, token types T·h and an embedding LayerNorm for BERT);
 * lm_head V·h unless tied; BERT's pooler h·h + h.
 * Checked against published counts: Llama-2-7b 6,738,415,616; bert-base-uncased 109,482,240.
 */
import type { ModelArchitecture } from './architecture.js';
import { exact } from './units.js';

export interface ParameterBreakdown {
  embeddingCount: number;
  attentionCount: number;
  /** All MLP weights; for MoE every expert plus the routers. */
  mlpCount: number;
  normCount: number;
  /** lm_head (0 when tied) or BERT's pooler. */
  headCount: number;
  totalCount: number;
  /** Parameters one token passes through: MoE counts only its active experts. */
  activeCount: number;
  /** Parameters of one decoder/encoder layer (all experts). */
  perLayerCount: number;
}

function normParameterCount(arch: ModelArchitecture): number {
  return arch.norm === 'layernorm' ? 2 * arch.hiddenSize : arch.hiddenSize;
}

/** Parameters of one layer's attention block: projections plus biases. */
export function attentionParameterCount(arch: ModelArchitecture): number {
  const { hiddenSize: h, attentionHeadCount: a, kvHeadCount: kv, headDim: d } = arch;
  const projections = h * a * d + 2 * h * kv * d + a * d * h;
  const qkvBias = arch.attentionBias === 'none' ? 0 : a * d + 2 * kv * d;
  const outBias = arch.attentionBias === 'all' ? h : 0;
  return projections + qkvBias + outBias;
}

/** Parameters of one dense MLP (one expert for MoE). */
export function mlpParameterCount(arch: ModelArchitecture): number {
  const { hiddenSize: h, intermediateSize: f } = arch;
  if (arch.mlp === 'gated') return 3 * h * f + (arch.mlpBias ? 2 * f + h : 0);
  return 2 * h * f + (arch.mlpBias ? f + h : 0);
}

export function countParameters(arch: ModelArchitecture): ParameterBreakdown {
  const h = arch.hiddenSize;
  const L = arch.layerCount;
  const norm = normParameterCount(arch);
  const embeddingCount =
    arch.vocabSize * h +
    arch.learnedPositionCount * h +
    arch.tokenTypeCount * h +
    (arch.layout === 'encoder' ? norm : 0);

  const attention = attentionParameterCount(arch);
  const expert = mlpParameterCount(arch);
  const experts = arch.experts;
  const mlp = experts ? experts.expertCount * expert + h * experts.expertCount : expert;
  const activeMlp = experts ? experts.activeExpertCount * expert + h * experts.expertCount : expert;
  const layerNorms = 2 * norm;
  const finalNorm = arch.layout === 'decoder' ? norm : 0;

  const lmHead = arch.layout === 'decoder' && !arch.tiedEmbeddings ? arch.vocabSize * h : 0;
  const pooler = arch.pooler ? h * h + h : 0;
  const headCount = lmHead + pooler;

  const attentionCount = L * attention;
  const mlpCount = L * mlp;
  const normCount = L * layerNorms + finalNorm;
  const totalCount = embeddingCount + attentionCount + mlpCount + normCount + headCount;
  const activeCount = totalCount - L * (mlp - activeMlp);
  return {
    embeddingCount,
    attentionCount,
    mlpCount,
    normCount,
    headCount,
    totalCount: exact(totalCount, 'parameter count'),
    activeCount,
    perLayerCount: attention + mlp + layerNorms,
  };
}
