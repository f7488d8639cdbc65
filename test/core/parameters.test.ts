import { describe, expect, it } from 'vitest';
import { countParameters } from '../../src/core/parameters.js';
import { readHfConfig } from '../../src/model/hfConfig.js';
import { PRESETS } from '../../src/model/presets.js';
import { TINY_LLAMA, presetArch, tiny } from '../helpers.js';

describe('parameter count: published figures, exactly', () => {
  // Sources (also in each preset's publishedParameterCountSource):
  // Llama-2-7b 6,738,415,616 — calflops README (REFERENCES.md);
  // Llama-2-13b 13,015,864,320 — DeepSpeed log "params 13015864320 elements";
  // Llama-2-70b 68,976,648,192 — togethercomputer SDK model table;
  // bert-base-uncased 109,482,240 — huggingface.js test (BertModel with pooler);
  // Mistral-7B-v0.3 7,248,023,552 and Mixtral-8x7B 46,702,792,704 — keras-hub presets;
  // Qwen2.5-7B 7,615,616,512 — Ollama general.parameter_count.
  it.each([
    ['llama-2-7b', 6_738_415_616],
    ['llama-2-13b', 13_015_864_320],
    ['llama-2-70b', 68_976_648_192],
    ['bert-base-uncased', 109_482_240],
    ['mistral-7b-v0.3', 7_248_023_552],
    ['mixtral-8x7b', 46_702_792_704],
    ['qwen2.5-7b', 7_615_616_512],
  ])('%s has %d parameters', (id, published) => {
    expect(countParameters(presetArch(id)).totalCount).toBe(published);
  });

  it('every preset with a published count matches it', () => {
    for (const preset of PRESETS) {
      if (preset.publishedParameterCount === null) continue;
      expect(countParameters(readHfConfig(preset.config, preset.id)).totalCount, preset.id).toBe(
        preset.publishedParameterCount,
      );
    }
  });
});

describe('parameter count: by part, hand-checked', () => {
  it('tiny LLaMA (h 8, 2 layers, 4 heads, 2 KV heads, d 2, f 16, V 10)', () => {
    // embeddings 10·8 = 80; attention/layer q 8·8 + k,v 2·(8·4) + o 8·8 = 192; MLP 3·8·16 = 384;
    // norms 2·8 per layer + final 8; lm_head 80.
    const counts = countParameters(TINY_LLAMA);
    expect(counts).toMatchObject({
      embeddingCount: 80,
      attentionCount: 2 * 192,
      mlpCount: 2 * 384,
      normCount: 2 * 16 + 8,
      headCount: 80,
    });
    expect(counts.totalCount).toBe(80 + 384 + 768 + 40 + 80);
  });

  it('tied embeddings drop the lm_head', () => {
    const tied = countParameters(tiny({ tiedEmbeddings: true }));
    expect(tied.headCount).toBe(0);
    expect(tied.totalCount).toBe(countParameters(TINY_LLAMA).totalCount - 80);
  });

  it('Qwen2-style q/k/v biases add a·d + 2·n_kv·d per layer', () => {
    const biased = countParameters(tiny({ attentionBias: 'qkv' }));
    expect(biased.totalCount - countParameters(TINY_LLAMA).totalCount).toBe(2 * (4 * 2 + 2 * 2 * 2));
  });

  it('MoE counts every expert and a router, active counts only routed experts', () => {
    const moe = countParameters(
      tiny({
        experts: {
          expertCount: 4,
          activeExpertCount: 1,
          sharedIntermediateSize: 0,
          sharedExpertBias: false,
          sharedExpertGate: false,
          routerBias: false,
          scoreCorrectionBias: false,
        },
      }),
    );
    // per layer: 4 experts × 384 + router 8·4 = 1,568
    expect(moe.mlpCount).toBe(2 * (4 * 384 + 32));
    expect(moe.totalCount - moe.activeCount).toBe(2 * 3 * 384);
  });

  it('Mixtral-8x7B: 12.9B active of 46.7B (2 of 8 experts)', () => {
    const counts = countParameters(presetArch('mixtral-8x7b'));
    // Mistral AI's announcement: "12.9B active parameters per token" (46.7B total).
    expect(counts.activeCount).toBe(12_879_925_248);
  });
});
