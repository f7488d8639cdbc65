/**
 * Multi-token-prediction layers (issue 9): stored with DeepSeek-V3 / Kimi K2 / GLM-4.5
 * checkpoints, loaded only for speculative decoding. Without --mtp they are not counted (a warning
 * says so); with --mtp the model gains one decoder layer per module plus eh_proj 2h × h, three
 * norms and the embedding and head copies the checkpoint stores (model.layers.61.* of DeepSeek-V3).
 * DeepSeek-V3's Hub page gives "685B params" for the checkpoint with its MTP module and the paper
 * 671B without (arXiv:2412.19437): with --mtp vram counts 684,489,845,504.
 */
import { describe, expect, it } from 'vitest';
import { componentBytes, run, runJson } from '../helpers.js';

describe('--mtp', () => {
  it('DeepSeek-V3: 671.03B without, 684.49B with its MTP layer, and one more layer of MLA cache', async () => {
    const argv = ['estimate', '--model', 'deepseek-v3', '--ctx', '4k', '--format', 'json'];
    const without = (await runJson(argv)).json;
    const withMtp = (await runJson([...argv, '--mtp'])).json;
    expect(without.model.parameterCount).toBe(671_026_419_200);
    // One MoE layer: MLA (q 7168·1536 + 1536 + 1536·128·192; kv 7168·576 + 512 + 512·128·256;
    // o 128·128·7168), 256 + 1 experts of 3·7168·2048, router 7168·256 + 256 biases, 2 norms;
    // extras: eh_proj 2·7168², three norms, embedding and head copies 2 × 129,280 × 7168.
    const h = 7168;
    const attention = h * 1536 + 1536 + 1536 * 128 * 192 + h * 576 + 512 + 512 * 128 * 256 + 128 * 128 * h;
    const moe = 257 * 3 * h * 2048 + h * 256 + 256;
    const extras = 2 * h * h + 3 * h + 2 * 129_280 * h;
    expect(withMtp.model.parameterCount).toBe(671_026_419_200 + attention + moe + 2 * h + extras);
    expect(withMtp.model.parameterCount).toBe(684_489_845_504);
    // 62 layers of (512 latent + 64 rope) instead of 61.
    expect(componentBytes(withMtp, 'kv_cache') / componentBytes(without, 'kv_cache')).toBeCloseTo(62 / 61, 10);
    expect(withMtp.warnings.join('\n')).toMatch(/--mtp: the 1 multi-token-prediction layer is loaded/);
  });

  it('is refused for a model without MTP layers, and in training', async () => {
    const llama = await run(['estimate', '--model', 'llama-3.1-8b', '--mtp']);
    expect(llama.code).toBe(2);
    expect(llama.stderr).toMatch(/^error: --mtp: llama-3.1-8b has no multi-token-prediction layers/);
    const training = await run(['estimate', '--model', 'deepseek-v3', '--train', '--mtp']);
    expect(training.code).toBe(2);
  });

  it('capacity counts them too', async () => {
    const argv = [
      'capacity',
      '--model',
      'deepseek-v3',
      '--gpu',
      'h200',
      '--gpus',
      '8',
      '--ctx',
      '8k',
      '--format',
      'json',
    ];
    const without = (await runJson(argv)).json;
    const withMtp = (await runJson([...argv, '--mtp'])).json;
    expect(withMtp.kvCacheTokens).toBeLessThan(without.kvCacheTokens);
  });
});

describe('deepseek_v32: MLA plus the sparse-attention indexer', () => {
  it('DeepSeek-V3.2: 671,877,944,064 (13,959,424 indexer parameters per layer); its key cached per token', async () => {
    const { json } = await runJson(['estimate', '--model', 'deepseek-v3.2', '--ctx', '1k', '--format', 'json']);
    // transformers 5.18 builds 671,877,929,216 parameters; the checkpoint also stores 58 × 256 score-correction biases.
    expect(json.model.parameterCount).toBe(671_877_929_216 + 58 * 256);
    // wq_b 1536 × 64·128 + wk 7168 × 128 + k_norm 2 × 128 + weights_proj 7168 × 64, in each of 61 layers.
    expect(1536 * 64 * 128 + 7168 * 128 + 2 * 128 + 7168 * 64).toBe(13_959_424);
    expect(json.model.parameterCount - 671_026_419_200).toBe(61 * 13_959_424);
    // 61 layers × (512 latent + 64 rope + 128 indexer key) × 2 B per token.
    expect(componentBytes(json, 'kv_cache')).toBe(61 * (512 + 64 + 128) * 2 * 1024);
  });
});
