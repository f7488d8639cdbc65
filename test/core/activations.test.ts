import { describe, expect, it } from 'vitest';
import type { ModelArchitecture } from '../../src/core/architecture.js';
import { inferenceActivationParts } from '../../src/core/inferenceActivations.js';
import { layerActivationParts, trainingActivationParts } from '../../src/core/trainingActivations.js';
import { GIB } from '../../src/core/units.js';
import { TINY_LLAMA, presetArch, tiny } from '../helpers.js';

/** The GPT block Korthikanti et al. (arXiv:2205.05198, §4.1) assume: MHA, 4h GELU MLP, LayerNorm, dropout. */
function korthikantiGpt(h: number, a: number, layerCount = 2): ModelArchitecture {
  return tiny({
    hiddenSize: h,
    layerCount,
    headCount: a,
    kvHeadCount: a,
    headDim: h / a,
    intermediateSize: 4 * h,
    gated: false,
    norm: 'layernorm',
    attentionDropout: 0.1,
    hiddenDropout: 0.1,
  });
}

describe('inference activations (prefill peak), hand-checked', () => {
  it.each([
    // tiny, e 2, s 4: resident 2·2·4·8 = 128; attention 2·4·(2·4·2 + 2·2·2) = 192; MLP 3·2·4·16 = 384; logits 10·6 = 60
    ['flash', 128 + 384 + 60],
    // eager adds 4 heads × 4² × 10 B (bf16: the scores, softmax's fp32 copy and fp32 output) = 640 to
    // the attention phase: 832 > 384
    ['eager', 128 + 832 + 60],
  ] as const)('tiny model, %s attention: %d B', (attention, bytes) => {
    expect(inferenceActivationParts(TINY_LLAMA, 2, 4, attention, 1).totalBytes).toBe(bytes);
  });

  it('encoders batch every sequence into the peak; decoders prefill one at a time', () => {
    const bert = presetArch('bert-base');
    expect(inferenceActivationParts(bert, 2, 128, 'flash', 8).totalBytes).toBe(
      8 * inferenceActivationParts(bert, 2, 128, 'flash', 1).totalBytes,
    );
    expect(inferenceActivationParts(TINY_LLAMA, 2, 4, 'flash', 8).totalBytes).toBe(
      inferenceActivationParts(TINY_LLAMA, 2, 4, 'flash', 1).totalBytes,
    );
  });

  it('Llama-2-70B prefill of 32k tokens peaks in the MLP', () => {
    const parts = inferenceActivationParts(presetArch('llama-70b'), 2, 32_768, 'flash', 1);
    expect(parts.mlpPhaseBytes).toBe(3 * 2 * 32_768 * 28_672);
    expect(parts.totalBytes).toBe(2 * 2 * 32_768 * 8192 + 3 * 2 * 32_768 * 28_672 + 32_000 * 6);
  });
});

describe('training activations, Korthikanti et al. per-tensor accounting', () => {
  const h = 4096;
  const a = 32;
  const s = 2048;
  const b = 2;
  const gpt = korthikantiGpt(h, a);
  const sbh = s * b * h;
  const input = {
    arch: gpt,
    elementBytes: 2,
    sequenceTokens: s,
    batchSize: b,
    attention: 'eager' as const,
    checkpointing: 'none' as const,
  };

  it('selective recomputation keeps exactly 34·s·b·h per layer, as the paper (§5, Eq. 2)', () => {
    const parts = trainingActivationParts({ ...input, checkpointing: 'selective' });
    expect(parts.keptLayersBytes).toBe(2 * 34 * sbh);
  });

  it('no recomputation: the paper has s·b·h·(34 + 5·a·s/h); transformers keeps fp32 softmax, so 7·a·s/h', () => {
    // Paper (Eq. 1) assumes Megatron's fused 16-bit softmax: 2 (softmax) + 1 (mask) + 2 (dropout) = 5 B per score.
    // transformers' eager attention keeps the fp32 softmax (4) + mask (1) + 16-bit dropout output (2) = 7 B.
    const layer = layerActivationParts(input);
    const paper = sbh * (34 + (5 * a * s) / h);
    expect(layer.totalBytes).toBe(paper + 2 * a * s * s * b);
    expect(layer.scoresBytes).toBe(7 * a * s * s * b);
  });

  it('flash attention keeps no scores, only a fp32 log-sum-exp per head and token', () => {
    const layer = layerActivationParts({ ...input, attention: 'flash' });
    expect(layer.totalBytes).toBe(34 * sbh + 4 * s * b * a);
  });

  it('full recomputation keeps each layer input (seed 004: b 8, s 2048, h 4096, 32 layers, 2 B = 4 GiB)', () => {
    // Seed 004 prints "~16.8 GB" for s·b·h·L·2; the expression evaluates to exactly 4 GiB.
    const parts = trainingActivationParts({
      arch: presetArch('llama-7b'),
      elementBytes: 2,
      sequenceTokens: 2048,
      batchSize: 8,
      attention: 'flash',
      checkpointing: 'full',
    });
    expect(parts.keptLayersBytes).toBe(4 * GIB);
  });

  it('tiny LLaMA by hand: per layer 1,280 B; whole model 3,296 B (none) and 1,408 B (full)', () => {
    // e 2, T 4: RMSNorms keep an fp32 copy and the 16-bit normalised input (4 + 2)·2·4·8 = 384,
    // attention input 64, q/k/v 2·4·(8 + 2·4) = 128, output 64, log-sum-exp 4·4·4 = 64, MLP
    // 2·4·8 + 4·2·4·16 = 576 -> 1,280. Outside layers: final norm 6·4·8 = 192 + lm_head input
    // 2·4·8 = 64; loss 4 tokens × 10 vocab × 12 B = 480. Full recomputation: two layer inputs 2·64
    // and the larger of one rebuilt layer (1,280) and the head and loss (736), never live together.
    const tiny = {
      arch: TINY_LLAMA,
      elementBytes: 2,
      sequenceTokens: 4,
      batchSize: 1,
      attention: 'flash' as const,
      checkpointing: 'none' as const,
    };
    expect(layerActivationParts(tiny).totalBytes).toBe(1280);
    expect(trainingActivationParts(tiny).totalBytes).toBe(2 * 1280 + 256 + 480);
    expect(trainingActivationParts({ ...tiny, checkpointing: 'full' }).totalBytes).toBe(2 * 64 + 1280);
  });

  it('full recomputation counts the loss instead of the rebuilt layer when the loss is larger', () => {
    // A 1,000-token vocabulary: the loss (4 × 1,000 × 12 = 48,000 B) outweighs a layer (1,280 B).
    const wide = {
      arch: tiny({ vocabSize: 1000 }),
      elementBytes: 2,
      sequenceTokens: 4,
      batchSize: 1,
      attention: 'flash' as const,
      checkpointing: 'full' as const,
    };
    expect(trainingActivationParts(wide).totalBytes).toBe(2 * 64 + 256 + 48_000);
  });

  it("RMSNorm keeps an fp32 copy and its normalised input (4 + e), Gemma's fp32 form 8, LayerNorm its input (e)", () => {
    const input = {
      elementBytes: 2,
      sequenceTokens: 4,
      batchSize: 1,
      attention: 'flash' as const,
      checkpointing: 'none' as const,
    };
    expect(layerActivationParts({ ...input, arch: TINY_LLAMA }).normInputsBytes).toBe(2 * 6 * 4 * 8);
    expect(layerActivationParts({ ...input, arch: tiny({ modelType: 'gemma2' }) }).normInputsBytes).toBe(2 * 8 * 4 * 8);
    expect(layerActivationParts({ ...input, arch: tiny({ norm: 'layernorm' }) }).normInputsBytes).toBe(2 * 2 * 4 * 8);
  });

  it("GPT-2's composite gelu_new keeps three more intermediate-size tensors per layer than a fused GELU", () => {
    // Counted with saved_tensors_hooks on transformers' GPT-2 MLP: tanh's output, 0.5·x, 1 + tanh.
    const gpt2 = presetArch('gpt2');
    expect(gpt2.layers[0]?.mlp?.activation).toBe('gelu_new');
    const fused = {
      ...gpt2,
      layers: gpt2.layers.map((g) => ({ ...g, mlp: g.mlp && { ...g.mlp, activation: 'gelu' } })),
    };
    const run = { elementBytes: 4, sequenceTokens: 512, batchSize: 8, attention: 'flash' as const };
    const composite = layerActivationParts({ ...run, arch: gpt2, checkpointing: 'none' }).mlpBytes;
    const plain = layerActivationParts({ ...run, arch: fused, checkpointing: 'none' }).mlpBytes;
    expect(composite - plain).toBe(3 * 4 * 512 * 8 * 3072);
  });

  it('gated MLP keeps gate, up, act(gate) and their product: e·T·h + 4·e·T·f', () => {
    const layer = layerActivationParts({ ...input, arch: presetArch('llama-7b'), attention: 'flash' });
    expect(layer.mlpBytes).toBe(2 * s * b * 4096 + 4 * 2 * s * b * 11_008);
  });

  it("the loss peaks in backward at 12 B per logit whatever the dtype; a kept output's logits add 4, a chunked loss keeps none", () => {
    expect(trainingActivationParts({ ...input, elementBytes: 4 }).lossBytesPerLogit).toBe(12);
    expect(trainingActivationParts(input).lossBytesPerLogit).toBe(12);
    expect(trainingActivationParts({ ...input, keepOutput: true }).lossBytesPerLogit).toBe(16);
    expect(trainingActivationParts({ ...input, keepOutput: true, chunkedLoss: true }).lossBytesPerLogit).toBe(12);
  });

  it('recomputation never increases memory at real depth: none ≥ selective ≥ full (32 layers)', () => {
    // Full recomputation rebuilds one whole layer (eager scores included) during backward, so on a
    // 1–2 layer toy model it can exceed selective; at 32 layers the kept layer inputs dominate.
    const deep = { ...input, arch: korthikantiGpt(h, a, 32) };
    for (const attention of ['flash', 'eager'] as const) {
      const total = (checkpointing: 'none' | 'selective' | 'full') =>
        trainingActivationParts({ ...deep, attention, checkpointing }).totalBytes;
      expect(total('none')).toBeGreaterThanOrEqual(total('selective'));
      expect(total('selective')).toBeGreaterThanOrEqual(total('full'));
    }
  });
});
