/**
 * The 2-D weight matrices of a model, by kind, with their input and output widths: what weight
 * quantizers (GPTQ, AWQ, bitsandbytes, FP8, GGUF) store in their formats. Everything else
 * (norms, biases, routers, position tables) stays in 16-bit or fp32.
 * Names follow llama.cpp's GGUF tensor names, whose quantization rules key on them.
 */
import { type AttentionSpec, type LayerGroup, type ModelArchitecture, allLayerGroups } from './architecture.js';

export type MatrixKind =
  | 'token_embd'
  | 'output'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_output'
  | 'attn_q_a'
  | 'attn_q_b'
  | 'attn_kv_a'
  | 'attn_kv_b'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down';

export interface WeightMatrix {
  kind: MatrixKind;
  /** Input features (the dimension quantization groups run along). */
  inFeatures: number;
  outFeatures: number;
  /** How many such matrices (layers × experts). */
  count: number;
  /** Layer indices these matrices belong to (for llama.cpp's per-layer rules); empty outside layers. */
  layers: number[];
  /** Routed-expert matrices (MXFP4 checkpoints quantize only these). */
  expert: boolean;
}

function attentionMatrices(h: number, attention: AttentionSpec, layers: number[]): WeightMatrix[] {
  const n = layers.length;
  const m = (kind: MatrixKind, inFeatures: number, outFeatures: number): WeightMatrix => ({
    kind,
    inFeatures,
    outFeatures,
    count: n,
    layers,
    expert: false,
  });
  if (attention.kind === 'latent') {
    const a = attention.headCount;
    const qk = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
    const q =
      attention.qLoraRank === null
        ? [m('attn_q', h, a * qk)]
        : [m('attn_q_a', h, attention.qLoraRank), m('attn_q_b', attention.qLoraRank, a * qk)];
    return [
      ...q,
      m('attn_kv_a', h, attention.kvLoraRank + attention.qkRopeHeadDim),
      m('attn_kv_b', attention.kvLoraRank, a * (attention.qkNopeHeadDim + attention.vHeadDim)),
      m('attn_output', a * attention.vHeadDim, h),
    ];
  }
  const { headCount: a, kvHeadCount: kv, headDim: d } = attention;
  return [m('attn_q', h, a * d), m('attn_k', h, kv * d), m('attn_v', h, kv * d), m('attn_output', a * d, h)];
}

function groupMatrices(h: number, group: LayerGroup, layers: number[]): WeightMatrix[] {
  const matrices = attentionMatrices(h, group.attention, layers);
  if (group.crossAttention) matrices.push(...attentionMatrices(h, group.crossAttention, layers));
  const mlp = group.mlp;
  const mlpMatrices = (width: number, copies: number, expert: boolean): WeightMatrix[] => [
    ...(mlp.gated
      ? [
          {
            kind: 'ffn_gate' as const,
            inFeatures: h,
            outFeatures: width,
            count: layers.length * copies,
            layers,
            expert,
          },
        ]
      : []),
    { kind: 'ffn_up', inFeatures: h, outFeatures: width, count: layers.length * copies, layers, expert },
    { kind: 'ffn_down', inFeatures: width, outFeatures: h, count: layers.length * copies, layers, expert },
  ];
  matrices.push(...mlpMatrices(mlp.intermediateSize, mlp.experts?.expertCount ?? 1, mlp.experts !== null));
  if (mlp.experts && mlp.experts.sharedIntermediateSize > 0)
    matrices.push(...mlpMatrices(mlp.experts.sharedIntermediateSize, 1, false));
  return matrices;
}

export function weightMatrices(arch: ModelArchitecture): WeightMatrix[] {
  const h = arch.hiddenSize;
  const matrices: WeightMatrix[] = [
    { kind: 'token_embd', inFeatures: h, outFeatures: arch.vocabSize, count: 1, layers: [], expert: false },
  ];
  if (arch.layout !== 'encoder' && !arch.tiedEmbeddings)
    matrices.push({ kind: 'output', inFeatures: h, outFeatures: arch.vocabSize, count: 1, layers: [], expert: false });
  let next = 0;
  for (const group of allLayerGroups(arch)) {
    const layers = Array.from({ length: group.count }, (_, i) => next + i);
    next += group.count;
    matrices.push(...groupMatrices(h, group, layers));
  }
  return matrices;
}

/** Parameters held in the listed matrices. */
export function matrixParameterCount(matrices: readonly WeightMatrix[]): number {
  return matrices.reduce((total, m) => total + m.count * m.inFeatures * m.outFeatures, 0);
}
