/**
 * State-space language models without attention, after transformers' modeling code:
 * - mamba (MambaForCausalLM) and falcon_mamba: Mamba-1 mixers of d_inner = expand × hidden (a
 *   config's intermediate_size is ignored: MambaConfig recomputes it), dt_rank "auto" = ⌈h / 16⌉,
 *   one RMSNorm per layer, the head tied by default (MambaConfig) — Falcon-Mamba's B/C/dt norms
 *   have no weights (non-persistent buffers);
 * - mamba2 (Mamba2ForCausalLM, Mamba-Codestral): Mamba-2 mixers of num_heads × head_dim (checked
 *   to equal expand × hidden), n_groups B/C groups, a gated RMSNorm, the head untied by default.
 * Neither has max_position_embeddings; vLLM then takes max_model_len 2,048
 * (vllm/config/model.py _get_and_verify_max_len default), and so does vram.
 */
import { type ModelArchitecture, groupLayers } from '../../core/architecture.js';
import { dtypeFromTorch } from '../../core/dtype.js';
import { architecture } from '../../core/uniformArchitecture.js';
import type { ConfigFields } from '../configFields.js';
import type { LayerShape } from './build.js';

export const SSM_FAMILY = ['mamba', 'falcon_mamba', 'mamba2'] as const;
export type SsmFamily = (typeof SSM_FAMILY)[number];

/** vLLM's max_model_len when a config names no maximum length. */
export const DEFAULT_MAX_MODEL_LEN = 2048;

/** dt_rank: a number, or "auto" (⌈hidden / 16⌉, as MambaConfig and JambaConfig resolve it). */
export function timeStepRank(f: ConfigFields, h: number, ...names: string[]): number {
  const given = f.value(...names);
  if (given === undefined || given === 'auto') return Math.ceil(h / 16);
  return f.count(...names);
}

function mambaLayer(f: ConfigFields, h: number): LayerShape {
  const expand = f.optionalCount('expand') ?? 2;
  const innerSize = Math.floor(expand * h);
  return {
    attention: null,
    recurrent: {
      kind: 'mamba',
      innerSize,
      stateSize: f.optionalCount('state_size') ?? 16,
      convKernel: f.optionalCount('conv_kernel') ?? 4,
      timeStepRank: timeStepRank(f, h, 'time_step_rank'),
      convBias: f.flag('use_conv_bias', true),
      projBias: f.flag('use_bias', false),
      stateDtype: null,
      dtbcNorms: false,
    },
    crossAttention: null,
    mlp: null,
    normCount: 1,
  };
}

function mamba2Layer(f: ConfigFields, h: number): LayerShape {
  const headCount = f.optionalCount('num_heads') ?? 128;
  const headDim = f.optionalCount('head_dim') ?? 64;
  const expand = f.optionalCount('expand') ?? 2;
  f.require(
    expand * h === headCount * headDim,
    `num_heads × head_dim (${headCount} × ${headDim}) must equal expand × hidden_size (${expand} × ${h}), as Mamba2Config requires`,
  );
  const bias = f.flag('use_bias', false);
  return {
    attention: null,
    recurrent: {
      kind: 'mamba2',
      headCount,
      headDim,
      innerSize: headCount * headDim,
      stateSize: f.optionalCount('state_size') ?? 128,
      groupCount: f.optionalCount('n_groups') ?? 8,
      convKernel: f.optionalCount('conv_kernel') ?? 4,
      convBias: f.flag('use_conv_bias', true),
      inBias: bias,
      outBias: bias,
      stateDtype: null,
      gatedNorm: true,
    },
    crossAttention: null,
    mlp: null,
    normCount: 1,
  };
}

export function readSsm(f: ConfigFields, type: SsmFamily): ModelArchitecture {
  const h = f.count('hidden_size');
  const layerCount = f.count('num_hidden_layers');
  const vocabSize = f.count('vocab_size');
  f.done();
  const layer = type === 'mamba2' ? mamba2Layer(f, h) : mambaLayer(f, h);
  return architecture({
    modelType: type,
    hiddenSize: h,
    vocabSize,
    maxPositionCount: f.optionalCount('max_position_embeddings') ?? DEFAULT_MAX_MODEL_LEN,
    layers: groupLayers(Array.from({ length: layerCount }, () => layer)),
    tiedEmbeddings: f.flag('tie_word_embeddings', type !== 'mamba2'),
    defaultDtype: dtypeFromTorch(f.value('torch_dtype', 'dtype')),
  });
}
