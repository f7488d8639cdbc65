/**
 * The vision tower of a multimodal model, as its own components:
 *   vision_weights     = (encoder + projector parameters) × bytes of the compute dtype (engines
 *                        keep the tower in 16 bits even when the language model is quantized)
 *   vision_activations = images × per-image peak, the images of one request encoded together:
 *                        per image e × patches × D × (20 [+ layers + 1 when the wrapper keeps
 *                        every layer's hidden states]) [+ heads × patches² × (2e + 4) eager]
 *   20 live hidden-width tensors per patch bounds what a CPU bf16 run of transformers 5.18 measured
 *   for the six towers (11.5 Gemma 3 SigLIP, 13 LLaVA CLIP, 14.1 Pixtral, 16 Llama 4 per tile,
 *   17.3 Qwen2.5-VL, 20 Qwen3-VL; two-layer towers at real widths and token counts).
 * The image tokens themselves take part of the context (--ctx), so their KV is in the KV cache.
 * `--text-only` serves the language model alone (vLLM --limit-mm-per-prompt image=0 skips the
 * encoder's profiling; transformers' AutoModelForCausalLM on the text config loads no tower).
 */
import type { VisionTower } from './architecture.js';
import { type AttentionImplementation, EAGER_SOFTMAX_BYTES } from './attention.js';
import { type Component, component } from './component.js';
import { type Dtype, bytesPerElementLabel, dtypeBytes } from './dtype.js';
import { exact, formatInt } from './units.js';

/** Parameters of the tower and its projector. */
export function visionParameterCount(tower: VisionTower): number {
  return tower.encoderParameterCount + tower.projectorParameterCount;
}

export function visionWeightsComponent(tower: VisionTower, dtype: Dtype): Component {
  const count = visionParameterCount(tower);
  const figures = {
    id: 'vision_weights' as const,
    label: 'Vision tower weights',
    bytes: dtypeBytes(count, dtype),
    expression: '(encoder + projector params) × bytes/param',
    basis: 'exact' as const,
    range: null,
  };
  return component(figures, () => ({
    formula: `(${formatInt(tower.encoderParameterCount)} encoder + ${formatInt(tower.projectorParameterCount)} projector) params × ${bytesPerElementLabel(dtype)} (${dtype})`,
    notes: [`${tower.name}; --text-only leaves it out`],
  }));
}

/** The encoder's transient peak for one image. */
/** Hidden-width tensors alive per patch at the encoder's peak (measured bound; see the docblock). */
export const VISION_LIVE_HIDDEN_COPIES = 20;

function hiddenCopies(tower: VisionTower): number {
  return VISION_LIVE_HIDDEN_COPIES + (tower.keepsHiddenStates ? tower.layerCount + 1 : 0);
}

export function visionPeakBytesPerImage(
  tower: VisionTower,
  elementBytes: number,
  attention: AttentionImplementation,
): number {
  const p = tower.patchesPerImage;
  const scores = attention === 'eager' ? tower.headCount * p * p * (2 * elementBytes + EAGER_SOFTMAX_BYTES) : 0;
  return elementBytes * p * tower.hiddenSize * hiddenCopies(tower) + scores;
}

export function visionActivationsComponent(
  tower: VisionTower,
  elementBytes: number,
  images: number,
  attention: AttentionImplementation,
): Component {
  const perImage = visionPeakBytesPerImage(tower, elementBytes, attention);
  const figures = {
    id: 'vision_activations' as const,
    label: 'Vision encoder peak',
    bytes: exact(images * perImage, 'vision activations'),
    expression: 'images × e × patches × D × live copies [+ eager scores]',
    basis: 'model' as const,
    range: null,
  };
  return component(figures, () => {
    const copies = tower.keepsHiddenStates
      ? `(${VISION_LIVE_HIDDEN_COPIES} + ${tower.layerCount + 1} kept hidden states)`
      : String(VISION_LIVE_HIDDEN_COPIES);
    return {
      formula: `${formatInt(images)} image${images === 1 ? '' : 's'} × ${elementBytes} B × ${formatInt(tower.patchesPerImage)} patches × ${formatInt(tower.hiddenSize)} × ${copies}${attention === 'eager' ? ` + ${tower.headCount} × ${formatInt(tower.patchesPerImage)}² × ${2 * elementBytes + EAGER_SOFTMAX_BYTES} B` : ''}`,
      notes: [
        `${formatInt(tower.tokensPerImage)} tokens per image (${tower.imageSize}) take part of the context, so their KV is in the KV cache`,
        'the images of one request are encoded together; the encoder runs before the prefill, so this is counted beside the prefill peak (an upper bound)',
      ],
    };
  });
}
