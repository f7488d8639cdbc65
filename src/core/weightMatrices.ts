/**
 * The 2-D weight matrices of a model, by kind, with their input and output widths: what weight
 * quantizers (GPTQ, AWQ, bitsandbytes, FP8, GGUF) store in their formats. Everything else
 * (norms, biases, routers, position tables) stays in 16-bit or fp32.
 * Names follow llama.cpp's GGUF tensor names, whose quantization rules key on them.
 */
import {
  type AttentionSpec,
  type LayerGroup,
  type MlpSpec,
  type ModelArchitecture,
  type RecurrentMixer,
  allLayerGroups,
} from './architecture.js';
import { perArchitecture } from './perArchitecture.js';

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
  | 'attn_indexer'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down'
  | 'ssm_in'
  | 'ssm_x'
  | 'ssm_dt'
  | 'ssm_out';

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
    const indexer = attention.indexer;
    const indexerMatrices = indexer
      ? [
          m('attn_indexer', attention.qLoraRank ?? h, indexer.headCount * indexer.headDim),
          m('attn_indexer', h, indexer.headDim),
          m('attn_indexer', h, indexer.headCount),
        ]
      : [];
    return [
      ...q,
      ...indexerMatrices,
      m('attn_kv_a', h, attention.kvLoraRank + attention.qkRopeHeadDim),
      m('attn_kv_b', attention.kvLoraRank, a * (attention.qkNopeHeadDim + attention.vHeadDim)),
      m('attn_output', a * attention.vHeadDim, h),
    ];
  }
  const { headCount: a, kvHeadCount: kv, headDim: d } = attention;
  const q = attention.outputGate ? 2 * a * d : a * d;
  const kvMatrices = attention.sharedKv ? [] : [m('attn_k', h, kv * d), m('attn_v', h, kv * d)];
  return [m('attn_q', h, q), ...kvMatrices, m('attn_output', a * d, h)];
}

/**
 * A recurrent mixer's projections (llama.cpp names): ssm_in (Mamba in_proj; DeltaNet in_proj_qkvz
 * and in_proj_ba), Mamba-1's ssm_x (x_proj) and ssm_dt (dt_proj), and ssm_out (out_proj).
 */
function recurrentMatrices(h: number, mixer: RecurrentMixer, layers: number[]): WeightMatrix[] {
  const m = (kind: MatrixKind, inFeatures: number, outFeatures: number): WeightMatrix => ({
    kind,
    inFeatures,
    outFeatures,
    count: layers.length,
    layers,
    expert: false,
  });
  switch (mixer.kind) {
    case 'lightning': {
      const width = mixer.headCount * mixer.headDim;
      return [m('ssm_in', h, 3 * width), m('ssm_in', h, width), m('ssm_out', width, h)];
    }
    case 'rwkv4': {
      const a = mixer.attentionSize;
      return [m('ssm_in', h, a), m('ssm_in', h, a), m('ssm_in', h, a), m('ssm_out', a, h), m('ssm_in', h, h)];
    }
    case 'mamba': {
      const { innerSize: di, stateSize: ds, timeStepRank: r } = mixer;
      return [m('ssm_in', h, 2 * di), m('ssm_x', di, r + 2 * ds), m('ssm_dt', r, di), m('ssm_out', di, h)];
    }
    case 'mamba2': {
      const di = mixer.innerSize;
      return [m('ssm_in', h, 2 * di + 2 * mixer.groupCount * mixer.stateSize + mixer.headCount), m('ssm_out', di, h)];
    }
    case 'gated_deltanet': {
      const keys = mixer.keyHeadCount * mixer.keyHeadDim;
      const values = mixer.valueHeadCount * mixer.valueHeadDim;
      return [m('ssm_in', h, 2 * keys + 2 * values), m('ssm_in', h, 2 * mixer.valueHeadCount), m('ssm_out', values, h)];
    }
  }
}

function mlpMatrices(h: number, mlp: MlpSpec, layers: number[]): WeightMatrix[] {
  const widthMatrices = (width: number, copies: number, expert: boolean): WeightMatrix[] => [
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
  const matrices = widthMatrices(mlp.intermediateSize, mlp.experts?.expertCount ?? 1, mlp.experts !== null);
  if (mlp.experts && mlp.experts.sharedIntermediateSize > 0)
    matrices.push(...widthMatrices(mlp.experts.sharedIntermediateSize, 1, false));
  return matrices;
}

function groupMatrices(h: number, group: LayerGroup, layers: number[]): WeightMatrix[] {
  return [
    ...(group.attention ? attentionMatrices(h, group.attention, layers) : []),
    ...(group.recurrent ? recurrentMatrices(h, group.recurrent, layers) : []),
    ...(group.crossAttention ? attentionMatrices(h, group.crossAttention, layers) : []),
    ...(group.mlp ? mlpMatrices(h, group.mlp, layers) : []),
  ];
}

/** Every weight matrix of the model (computed once per architecture; the list is frozen). */
export const weightMatrices: (arch: ModelArchitecture) => readonly WeightMatrix[] = perArchitecture(allWeightMatrices);

function allWeightMatrices(arch: ModelArchitecture): WeightMatrix[] {
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

/** Sums over a model's matrices that training asks for at every estimate (computed once per architecture). */
export interface MatrixTotals {
  /** Parameters in all matrices, in the experts' matrices, and in those other than the embeddings and head. */
  all: number;
  expert: number;
  linear: number;
  /** Σ count × (rows + columns): what a factored optimizer (Adafactor) keeps per matrix. */
  rowsAndColumns: number;
  /** in × out of the largest matrix. */
  largest: number;
}

export const matrixTotals: (arch: ModelArchitecture) => MatrixTotals = perArchitecture((arch) => {
  const matrices = weightMatrices(arch);
  return {
    all: matrixParameterCount(matrices),
    expert: matrixParameterCount(matrices.filter((m) => m.expert)),
    linear: matrixParameterCount(matrices.filter((m) => m.kind !== 'token_embd' && m.kind !== 'output')),
    rowsAndColumns: matrices.reduce((sum, m) => sum + m.count * (m.inFeatures + m.outFeatures), 0),
    largest: Math.max(...matrices.map((m) => m.inFeatures * m.outFeatures)),
  };
});
