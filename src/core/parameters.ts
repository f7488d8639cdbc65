/**
 * Exact parameter count from the architecture, by part.
 *
 * Per layer (REFERENCES.md "Parameter counts"):
 *   standard attention = h·a·d (q; 2·h·a·d with an output gate) + 2·h·n_kv·d (k, v) + a·d·h (o)
 *                        [+ a·d + 2·n_kv·d q/k/v biases, + h o bias, + 2·d q/k norms, + a sinks]
 *   latent attention   = q: h·q_r + q_r + q_r·a·(d_nope + d_rope)  (or h·a·(d_nope + d_rope) without q_r)
 *                        + kv: h·(r_kv + d_rope) + r_kv + r_kv·a·(d_nope + d_v) + o: a·d_v·h
 *                        (DeepSeek-V2, arXiv:2405.04434 §2.1; transformers DeepseekV3Attention)
 *                        [+ V3.2 indexer q_r·n·d + h·d + 2d + h·n]
 *   gated MLP = 3·h·f, plain MLP = 2·h·f                 [+ 2f + h or f + h biases]
 *   MoE MLP   = E routed experts + shared expert MLP + router h·E [+ E router bias, + E score bias,
 *               + h shared-expert gate]
 *   Mamba-1   = in h·2di + conv di·k + x di·(r + 2·ds) + dt r·di + di + A di·ds + D di + out di·h
 *               [+ 2di + h projection biases, + di conv bias, + r + 2·ds dt/B/C norms]  (MambaMixer)
 *   Mamba-2   = in h·(2di + 2g·ds + nh) + conv c·k + dt_bias, A, D 3·nh + norm di + out di·h,
 *               c = di + 2g·ds  [+ projection biases, + c conv bias]  (Mamba2Mixer)
 *   lightning = 5·h·a·d + a·d  (qkv, output gate, out, norm; MiniMaxLightningAttention)
 *   RWKV-4    = 2A + 3h + 4·A·h (time mix) + 2h + h² (channel mix's mixes and receptance)
 *   Gated DeltaNet = qkvz h·(2·nk·dk + 2·nv·dv) + ba h·2nv + conv c·k + dt_bias, A 2·nv + norm dv
 *               + out nv·dv·h, c = 2·nk·dk + nv·dv  (Qwen3NextGatedDeltaNet)
 *   norms     = normCount × (h for RMSNorm, 2h for LayerNorm); + cross-attention for T5 decoders
 * Outside the layers: embeddings V·h (+ learned positions, token types, an embedding norm, named
 * extras such as T5's relative-position buckets), final norms, lm_head V·h unless tied, BERT's
 * pooler h·h + h.
 * Checked against published counts (test/core/parameters.test.ts).
 */
import {
  type AttentionSpec,
  type LatentAttention,
  type LayerGroup,
  type MlpSpec,
  type ModelArchitecture,
  type RecurrentMixer,
  allLayerGroups,
} from './architecture.js';
import { perArchitecture } from './perArchitecture.js';
import { exact } from './units.js';

export interface ParameterBreakdown {
  /** Token, position and type embeddings, an embedding norm, and named extras (T5 relative buckets). */
  embeddingCount: number;
  attentionCount: number;
  /** State-space and linear-attention mixers (Mamba, Gated DeltaNet); 0 for pure transformers. */
  recurrentCount: number;
  /** All MLP weights; for MoE every expert plus routers and shared experts. */
  mlpCount: number;
  normCount: number;
  /** lm_head (0 when tied) and BERT's pooler. */
  headCount: number;
  totalCount: number;
  /** Parameters one token passes through: MoE counts only its routed experts. */
  activeCount: number;
}

function normSize(arch: ModelArchitecture): number {
  return arch.norm === 'layernorm' ? 2 * arch.hiddenSize : arch.hiddenSize;
}

/** DeepSeek-V3.2's indexer: wq_b q_r·n·d + wk h·d + k_norm 2d + weights_proj h·n (0 without one). */
function indexerParameterCount(h: number, attention: LatentAttention): number {
  const indexer = attention.indexer;
  if (indexer === null) return 0;
  const { headCount: n, headDim: d } = indexer;
  return (attention.qLoraRank ?? h) * n * d + h * d + 2 * d + h * n;
}

/** Parameters of one attention block. */
export function attentionParameterCount(h: number, attention: AttentionSpec): number {
  if (attention.kind === 'latent') {
    const a = attention.headCount;
    const qkHead = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
    const r = attention.kvLoraRank;
    const q =
      attention.qLoraRank === null
        ? h * a * qkHead
        : h * attention.qLoraRank + attention.qLoraRank + attention.qLoraRank * a * qkHead;
    const kv = h * (r + attention.qkRopeHeadDim) + r + r * a * (attention.qkNopeHeadDim + attention.vHeadDim);
    return q + kv + a * attention.vHeadDim * h + indexerParameterCount(h, attention);
  }
  const { headCount: a, kvHeadCount: kv, headDim: d } = attention;
  const kvProjections = attention.sharedKv ? 0 : 2 * h * kv * d;
  const projections = h * a * d * (attention.outputGate ? 2 : 1) + kvProjections + a * d * h;
  const qBias = a * d * (attention.outputGate ? 2 : 1);
  const kvBias = attention.sharedKv ? 0 : attention.bias === 'qvo' ? kv * d : 2 * kv * d;
  const qkvBias = attention.bias === 'none' ? 0 : qBias + kvBias;
  const outBias = attention.bias === 'all' || attention.bias === 'qvo' ? h : 0;
  const qkNorm = attention.qkNorm ? (attention.sharedKv ? d : 2 * d) : 0;
  const sinks = attention.sinks ? a : 0;
  return projections + qkvBias + outBias + qkNorm + sinks;
}

/** Parameters of one state-space or linear-attention mixer. */
export function recurrentParameterCount(h: number, mixer: RecurrentMixer): number {
  if (mixer.kind === 'lightning') {
    // qkv h → 3·a·d, output gate h → a·d, out a·d → h, a norm of a·d; no biases.
    const width = mixer.headCount * mixer.headDim;
    return 5 * h * width + width;
  }
  if (mixer.kind === 'rwkv4') {
    // Time mix: decay and first A each, three token-shift mixes h each, key/value/receptance h·A,
    // output A·h; channel mix: two mixes h each and its receptance h·h (key and value are the MLP).
    const a = mixer.attentionSize;
    return 2 * a + 3 * h + 4 * a * h + 2 * h + h * h;
  }
  const k = mixer.convKernel;
  switch (mixer.kind) {
    case 'mamba': {
      const { innerSize: di, stateSize: ds, timeStepRank: r } = mixer;
      const projections = h * 2 * di + di * (r + 2 * ds) + r * di + di * h;
      const biases = (mixer.projBias ? 2 * di + h : 0) + (mixer.convBias ? di : 0) + di;
      return projections + di * k + biases + di * ds + di + (mixer.dtbcNorms ? r + 2 * ds : 0);
    }
    case 'mamba2': {
      const { innerSize: di, stateSize: ds, headCount: nh } = mixer;
      const convDim = di + 2 * mixer.groupCount * ds;
      const inWidth = di + convDim + nh;
      const biases = (mixer.inBias ? inWidth : 0) + (mixer.outBias ? h : 0) + (mixer.convBias ? convDim : 0);
      return h * inWidth + convDim * k + 3 * nh + (mixer.gatedNorm ? di : 0) + di * h + biases;
    }
    case 'gated_deltanet': {
      const keys = mixer.keyHeadCount * mixer.keyHeadDim;
      const values = mixer.valueHeadCount * mixer.valueHeadDim;
      const convDim = 2 * keys + values;
      const nv = mixer.valueHeadCount;
      return h * (2 * keys + 2 * values) + h * 2 * nv + convDim * k + 2 * nv + mixer.valueHeadDim + values * h;
    }
  }
}

/** Parameters of one dense MLP of width f. */
export function denseMlpParameterCount(h: number, f: number, gated: boolean, bias: boolean): number {
  if (gated) return 3 * h * f + (bias ? 2 * f + h : 0);
  return 2 * h * f + (bias ? f + h : 0);
}

/** [all, active] parameters of one layer's MLP. */
export function mlpParameterCounts(h: number, mlp: MlpSpec): [number, number] {
  const expert = denseMlpParameterCount(h, mlp.intermediateSize, mlp.gated, mlp.bias);
  const moe = mlp.experts;
  if (moe === null) return [expert, expert];
  const shared =
    moe.sharedIntermediateSize > 0
      ? denseMlpParameterCount(h, moe.sharedIntermediateSize, mlp.gated, moe.sharedExpertBias) +
        (moe.sharedExpertGate ? h : 0)
      : 0;
  const router =
    h * moe.expertCount + (moe.routerBias ? moe.expertCount : 0) + (moe.scoreCorrectionBias ? moe.expertCount : 0);
  return [moe.expertCount * expert + shared + router, moe.activeExpertCount * expert + shared + router];
}

function groupCounts(arch: ModelArchitecture, group: LayerGroup) {
  const h = arch.hiddenSize;
  const attention =
    (group.attention ? attentionParameterCount(h, group.attention) : 0) +
    (group.crossAttention ? attentionParameterCount(h, group.crossAttention) : 0);
  const [mlp, activeMlp] = group.mlp ? mlpParameterCounts(h, group.mlp) : [0, 0];
  return {
    attention: group.count * attention,
    recurrent: group.count * (group.recurrent ? recurrentParameterCount(h, group.recurrent) : 0),
    mlp: group.count * mlp,
    activeMlp: group.count * activeMlp,
    norms: group.count * group.normCount * normSize(arch),
  };
}

/** Parameters by part (computed once per architecture). */
export const countParameters = perArchitecture(parameterBreakdown);

function parameterBreakdown(arch: ModelArchitecture): ParameterBreakdown {
  const h = arch.hiddenSize;
  const extras = arch.extraParameters.reduce((total, extra) => total + extra.count, 0);
  const embeddingCount =
    arch.vocabSize * h +
    arch.learnedPositionCount * h +
    arch.tokenTypeCount * h +
    (arch.embeddingNorm ? normSize(arch) : 0) +
    extras;
  let attentionCount = 0;
  let recurrentCount = 0;
  let mlpCount = 0;
  let activeMlpCount = 0;
  let normCount = arch.finalNormCount * normSize(arch);
  for (const group of allLayerGroups(arch)) {
    const counts = groupCounts(arch, group);
    attentionCount += counts.attention;
    recurrentCount += counts.recurrent;
    mlpCount += counts.mlp;
    activeMlpCount += counts.activeMlp;
    normCount += counts.norms;
  }
  const lmHead = arch.layout !== 'encoder' && !arch.tiedEmbeddings ? arch.vocabSize * h : 0;
  const pooler = arch.pooler ? h * h + h : 0;
  const headCount = lmHead + pooler;
  const totalCount = embeddingCount + attentionCount + recurrentCount + mlpCount + normCount + headCount;
  return {
    embeddingCount,
    attentionCount,
    recurrentCount,
    mlpCount,
    normCount,
    headCount,
    totalCount: exact(totalCount, 'parameter count'),
    activeCount: totalCount - mlpCount + activeMlpCount,
  };
}

/**
 * Parameters trained: the whole model, except that encoders train as masked LMs (BertForMaskedLM,
 * RobertaForMaskedLM): the pooler (h·h + h) gives way to the MLM head, a transform h·h + h, a norm
 * and an output bias V (its weight is tied to the embeddings). bert-base-uncased: 109,514,298.
 */
export function trainingParameterCount(arch: ModelArchitecture): number {
  const counts = countParameters(arch);
  if (arch.layout !== 'encoder') return counts.totalCount;
  const h = arch.hiddenSize;
  const pooler = arch.pooler ? h * h + h : 0;
  return counts.totalCount - pooler + (h * h + h) + normSize(arch) + arch.vocabSize;
}
