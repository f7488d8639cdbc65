/**
 * Vision towers of the multimodal wrappers, from vision_config, after transformers' modeling code
 * (every formula checked against what transformers 5.18 builds for LLaVA-1.5-7B, Qwen2.5-VL-7B,
 * Gemma 3 27B, Mistral Small 3.1, Qwen3-VL-8B and Llama 4 Scout):
 *   llava      CLIP ViT: class embedding, patch conv C·p²·D, (N + 1) positions, pre and post
 *              LayerNorms, layers 4D² + 2D·I + I + 9D (biases, two LayerNorms, plain MLP);
 *              projector D·H + H² + 2H (with biases)
 *   gemma3     SigLIP: patch conv C·p²·D + D, N positions, the same layers, a post LayerNorm (and
 *              the attention-pooling head unless vision_use_head is false); projector D·H + D
 *   qwen2_5_vl conv3d C·t·p²·D, blocks 4D² + 3D·I + 2I + 7D (RMSNorms, gated MLP with biases);
 *              merger D + K² + K + K·O + O, K = D·m²
 *   qwen3_vl   conv3d C·t·p²·D + D, learned positions, blocks 4D² + 2D·I + I + 9D; merger and
 *              one more per deepstack index
 *   mistral3   Pixtral: patch conv C·p²·D, ln_pre D, blocks 4D² + 3D·I + 2D (RMSNorms, gated, no
 *              biases); projector D + D·m²·D + D·H + H² (norm, patch merger, two linears)
 *   llama4     conv C·p²·D, class embedding, (N + 1) positions, two LayerNorms, layers
 *              4D² + 2D·I + I + 9D; adapter I·P_in + P_out², projector vision_output_dim·H
 * Tokens per image: LLaVA (image/patch)² (the CLS dropped), Gemma 3 mm_tokens_per_image, Llama 4
 * one 336-px tile after its 0.5 pixel shuffle; the dynamic-resolution towers (Qwen-VL, Pixtral) at
 * a 1,024 × 1,024 image: Qwen resizes to multiples of patch × merge, Pixtral adds one break token
 * per row of merged patches.
 */
import type { VisionTower } from '../../core/architecture.js';
import { ConfigFields } from '../configFields.js';
import { ownValue } from '../../core/ownKey.js';

export const VISION_WRAPPERS = [
  'llava',
  'gemma3',
  'qwen2_5_vl',
  'qwen3_vl',
  'qwen3_vl_moe',
  'mistral3',
  'llama4',
] as const;

/** The image side assumed for dynamic-resolution towers. */
const DYNAMIC_IMAGE_SIDE = 1024;

interface Shape {
  d: number;
  i: number;
  layers: number;
  heads: number;
  channels: number;
  patch: number;
}

function shape(v: ConfigFields, layerKey = 'num_hidden_layers'): Shape {
  return {
    d: v.count('hidden_size'),
    i: v.count('intermediate_size'),
    layers: v.count(layerKey),
    heads: v.count('num_attention_heads', 'num_heads'),
    channels: v.optionalCount('num_channels', 'in_channels', 'in_chans') ?? 3,
    patch: v.optionalCount('patch_size') ?? 14,
  };
}

/** A ViT layer with biases, two LayerNorms and a plain MLP: 4D² + 2D·I + I + 9D. */
function plainLayer(s: Shape): number {
  return 4 * s.d * s.d + 2 * s.d * s.i + s.i + 9 * s.d;
}

function tower(
  s: Shape,
  fields: Omit<VisionTower, 'hiddenSize' | 'layerCount' | 'headCount' | 'intermediateSize'>,
): VisionTower {
  return { hiddenSize: s.d, layerCount: s.layers, headCount: s.heads, intermediateSize: s.i, ...fields };
}

function llava(v: ConfigFields, h: number, top: ConfigFields): VisionTower {
  const s = shape(v);
  const image = v.count('image_size');
  const n = (image / s.patch) ** 2;
  const layer = top.value('vision_feature_layer');
  // "default" drops the CLS token; "full" keeps it.
  const cls = top.string('vision_feature_select_strategy') === 'full' ? 1 : 0;
  const features = Array.isArray(layer) ? layer.length : 1;
  const bias = top.flag('multimodal_projector_bias', true);
  return tower(s, {
    name: `CLIP ViT (${s.layers} layers, ${s.d} wide, ${s.patch}-px patches at ${image} px)`,
    gatedMlp: false,
    encoderParameterCount: s.d + s.channels * s.patch ** 2 * s.d + (n + 1) * s.d + 4 * s.d + s.layers * plainLayer(s),
    projectorParameterCount: s.d * features * h + h * h + (bias ? 2 * h : 0),
    patchesPerImage: n + 1,
    tokensPerImage: n + cls,
    imageSize: `${image} × ${image} px`,
    keepsHiddenStates: true,
  });
}

function gemma3(v: ConfigFields, h: number, top: ConfigFields): VisionTower {
  const s = shape(v);
  const image = v.count('image_size');
  const n = (image / s.patch) ** 2;
  const head = v.flag('vision_use_head', true)
    ? s.d + 4 * s.d * s.d + 4 * s.d + 2 * s.d + 2 * s.d * s.i + s.i + s.d
    : 0;
  return tower(s, {
    name: `SigLIP (${s.layers} layers, ${s.d} wide, ${s.patch}-px patches at ${image} px)`,
    gatedMlp: false,
    encoderParameterCount: s.channels * s.patch ** 2 * s.d + s.d + n * s.d + s.layers * plainLayer(s) + 2 * s.d + head,
    projectorParameterCount: s.d * h + s.d,
    patchesPerImage: n,
    tokensPerImage: top.optionalCount('mm_tokens_per_image') ?? 256,
    imageSize: `${image} × ${image} px`,
    keepsHiddenStates: false,
  });
}

/** Patches and merged tokens of a 1,024-px square image at patch p and merge m (Qwen's smart_resize). */
function qwenGrid(patch: number, merge: number): { patches: number; tokens: number } {
  const side = Math.round(DYNAMIC_IMAGE_SIDE / (patch * merge));
  return { patches: (side * merge) ** 2, tokens: side ** 2 };
}

/** What Qwen2.5-VL's and Qwen3-VL's towers share: the shape, the conv3d over t frames, the merged width k = D·m², the grid. */
function qwenVision(v: ConfigFields) {
  const s = shape(v, 'depth');
  const merge = v.optionalCount('spatial_merge_size') ?? 2;
  const temporal = v.optionalCount('temporal_patch_size') ?? 2;
  const out = v.count('out_hidden_size');
  const k = s.d * merge * merge;
  return { s, out, k, patchEmbedding: s.channels * temporal * s.patch ** 2 * s.d, grid: qwenGrid(s.patch, merge) };
}

function qwen25(v: ConfigFields): VisionTower {
  const { s, out, k, patchEmbedding, grid } = qwenVision(v);
  return tower(s, {
    name: `Qwen2.5-VL ViT (${s.layers} blocks, ${s.d} wide, windowed attention)`,
    gatedMlp: true,
    encoderParameterCount: patchEmbedding + s.layers * (4 * s.d * s.d + 3 * s.d * s.i + 2 * s.i + 7 * s.d),
    projectorParameterCount: s.d + k * k + k + k * out + out,
    patchesPerImage: grid.patches,
    tokensPerImage: grid.tokens,
    imageSize: `a ${DYNAMIC_IMAGE_SIDE} × ${DYNAMIC_IMAGE_SIDE} px image (dynamic resolution)`,
    keepsHiddenStates: false,
  });
}

function qwen3(v: ConfigFields): VisionTower {
  const { s, out, k, patchEmbedding, grid } = qwenVision(v);
  const linear = k * k + k + k * out + out;
  const deepstack = v.value('deepstack_visual_indexes');
  const extraMergers = Array.isArray(deepstack) ? deepstack.length : 3;
  return tower(s, {
    name: `Qwen3-VL ViT (${s.layers} blocks, ${s.d} wide)`,
    gatedMlp: false,
    encoderParameterCount:
      patchEmbedding + s.d + (v.optionalCount('num_position_embeddings') ?? 2304) * s.d + s.layers * plainLayer(s),
    projectorParameterCount: 2 * s.d + linear + extraMergers * (2 * k + linear),
    patchesPerImage: grid.patches,
    tokensPerImage: grid.tokens,
    imageSize: `a ${DYNAMIC_IMAGE_SIDE} × ${DYNAMIC_IMAGE_SIDE} px image (dynamic resolution)`,
    keepsHiddenStates: false,
  });
}

function mistral3(v: ConfigFields, h: number, top: ConfigFields): VisionTower {
  const s = shape(v);
  const merge = top.optionalCount('spatial_merge_size') ?? 2;
  const bias = top.flag('multimodal_projector_bias', false);
  const side = Math.ceil(Math.min(DYNAMIC_IMAGE_SIDE, v.optionalCount('image_size') ?? 1540) / s.patch);
  const merged = Math.ceil(side / merge);
  return tower(s, {
    name: `Pixtral ViT (${s.layers} layers, ${s.d} wide, ${s.patch}-px patches)`,
    gatedMlp: true,
    encoderParameterCount: s.channels * s.patch ** 2 * s.d + s.d + s.layers * (4 * s.d * s.d + 3 * s.d * s.i + 2 * s.d),
    projectorParameterCount: s.d + s.d * merge * merge * s.d + s.d * h + h * h + (bias ? 2 * h : 0),
    patchesPerImage: side * side,
    tokensPerImage: merged * merged + merged,
    imageSize: `a ${DYNAMIC_IMAGE_SIDE} × ${DYNAMIC_IMAGE_SIDE} px image (dynamic resolution)`,
    keepsHiddenStates: true,
  });
}

function llama4(v: ConfigFields, h: number): VisionTower {
  const s = shape(v);
  const image = v.count('image_size');
  const n = (image / s.patch) ** 2;
  const given = v.value('pixel_shuffle_ratio');
  const ratio = typeof given === 'number' && given > 0 && given <= 1 ? given : 0.5;
  const adapter =
    s.i * (v.optionalCount('projector_input_dim') ?? 4096) + (v.optionalCount('projector_output_dim') ?? 4096) ** 2;
  return tower(s, {
    name: `Llama 4 ViT (${s.layers} layers, ${s.d} wide, ${image}-px tiles)`,
    gatedMlp: false,
    encoderParameterCount:
      s.channels * s.patch ** 2 * s.d + s.d + (n + 1) * s.d + 4 * s.d + s.layers * plainLayer(s) + adapter,
    projectorParameterCount: (v.optionalCount('vision_output_dim') ?? 7680) * h,
    patchesPerImage: n + 1,
    tokensPerImage: Math.round(n * ratio * ratio),
    imageSize: `one ${image}-px tile (larger images add tiles and a global view)`,
    keepsHiddenStates: false,
  });
}

/**
 * The vision config classes' defaults, which transformers fills in for fields a vision_config
 * leaves out (CLIPVisionConfig, SiglipVisionConfig, Qwen2_5_VLVisionConfig, Qwen3VLVisionConfig,
 * PixtralVisionConfig, Llama4VisionConfig).
 */
const VISION_DEFAULTS: Readonly<Record<string, Record<string, number>>> = {
  llava: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    image_size: 224,
    patch_size: 32,
  },
  gemma3: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    image_size: 224,
    patch_size: 16,
  },
  qwen2_5_vl: {
    depth: 32,
    hidden_size: 3584,
    intermediate_size: 3420,
    num_heads: 16,
    patch_size: 14,
    out_hidden_size: 3584,
  },
  qwen3_vl: {
    depth: 27,
    hidden_size: 1152,
    intermediate_size: 4304,
    num_heads: 16,
    patch_size: 16,
    out_hidden_size: 3584,
  },
  qwen3_vl_moe: {
    depth: 27,
    hidden_size: 1152,
    intermediate_size: 4304,
    num_heads: 16,
    patch_size: 16,
    out_hidden_size: 3584,
  },
  mistral3: {
    hidden_size: 1024,
    intermediate_size: 4096,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    image_size: 1024,
    patch_size: 16,
  },
  llama4: {
    hidden_size: 768,
    intermediate_size: 5632,
    num_hidden_layers: 34,
    num_attention_heads: 16,
    image_size: 448,
    patch_size: 14,
  },
};

/** The vision_config model_type each formula is for; another tower is not counted (the caller warns). */
const VISION_MODEL_TYPES: Readonly<Record<string, string>> = {
  llava: 'clip_vision_model',
  gemma3: 'siglip_vision_model',
  mistral3: 'pixtral',
  llama4: 'llama4_vision_model',
};

/** The vision tower of a known multimodal wrapper, from its vision_config; null for other model types. */
export function visionTowerOf(
  modelType: string,
  top: ConfigFields,
  visionConfig: Record<string, unknown>,
  textHidden: number,
): VisionTower | null {
  const expected = ownValue(VISION_MODEL_TYPES, modelType);
  const given = visionConfig.model_type;
  if (expected !== undefined && given !== undefined && given !== expected) return null;
  const v = new ConfigFields(
    { ...ownValue(VISION_DEFAULTS, modelType), ...visionConfig },
    `${top.source} (vision_config)`,
  );
  let result: VisionTower | null = null;
  if (modelType === 'llava') result = llava(v, textHidden, top);
  else if (modelType === 'gemma3') result = gemma3(v, textHidden, top);
  else if (modelType === 'qwen2_5_vl') result = qwen25(v);
  else if (modelType === 'qwen3_vl' || modelType === 'qwen3_vl_moe') result = qwen3(v);
  else if (modelType === 'mistral3') result = mistral3(v, textHidden, top);
  else if (modelType === 'llama4') result = llama4(v, textHidden);
  v.done();
  return result;
}
