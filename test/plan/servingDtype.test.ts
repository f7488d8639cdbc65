/**
 * A float32 checkpoint is served in 16 bits by default, as vLLM, SGLang and TensorRT-LLM load it
 * (dtype "auto": bf16 on Ampere and newer, fp16 on older GPUs, float32 kept for models vLLM never
 * runs in fp16 on those): in `estimate` inference and under the generic engine too, with a warning
 * stating the rule; --dtype fp32 keeps float32.
 */
import { describe, expect, it } from 'vitest';
import { planCapacity } from '../../src/plan/capacity.js';
import { planEstimate } from '../../src/plan/estimate.js';
import { modelFromPreset } from '../../src/plan/model.js';

describe('float32 checkpoints are served in 16 bits by default', () => {
  const gemma = modelFromPreset('gemma-2-9b'); // torch_dtype float32

  it('estimate: bf16 for Gemma 2, with the rule in a warning; --dtype fp32 keeps float32', () => {
    const served = planEstimate(gemma, { ctx: 4096 });
    expect(served.inputs).toMatchObject({ dtype: 'bf16', kvDtype: 'bf16' });
    expect(served.warnings.join(' ')).toMatch(
      /the config says float32; vLLM \(like SGLang and TensorRT-LLM\) loads it in bf16 by default \(dtype "auto"\)/,
    );
    const kept = planEstimate(gemma, { ctx: 4096, dtype: 'fp32' });
    expect(kept.inputs).toMatchObject({ dtype: 'fp32', kvDtype: 'fp32' });
    expect(kept.estimate.totalBytes).toBeGreaterThan(served.estimate.totalBytes);
  });

  it('the generic engine follows the same rule, so it still agrees with estimate', () => {
    const plan = planCapacity(gemma, { engine: 'generic', gpu: 'h100', ctx: 4096 });
    expect(plan.inputs).toMatchObject({ dtype: 'bf16', kvDtype: 'bf16' });
  });

  it('a 16-bit checkpoint is untouched and warns nothing', () => {
    const plan = planEstimate(modelFromPreset('llama-3.1-8b'), { ctx: 4096 });
    expect(plan.inputs.dtype).toBe('bf16');
    expect(plan.warnings).toEqual([]);
  });
});

describe('a float32 checkpoint directory is served in 16 bits too', () => {
  it('stored F32 bytes are halved and the KV cache is 16-bit, with the rule in a warning', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { safetensorsFile } = await import('../fixtures/writers.js');
    const { runJson } = await import('../helpers.js');
    const dir = mkdtempSync(join(tmpdir(), 'vram-fp32-'));
    const config = {
      model_type: 'llama',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      vocab_size: 100,
      max_position_embeddings: 256,
      torch_dtype: 'float32',
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(
      join(dir, 'model.safetensors'),
      safetensorsFile([{ name: 'model.embed_tokens.weight', dtype: 'F32', shape: [100, 64] }]),
    );
    const served = (await runJson(['estimate', '--model', dir, '--ctx', '256'])).json;
    const weights = served.components.find((c: { id: string }) => c.id === 'weights').bytes;
    expect(weights).toBe((100 * 64 * 4) / 2);
    expect(served.inputs.kvDtype).toBe('bf16');
    expect(served.warnings.join(' ')).toMatch(
      /the checkpoint stores float32; vLLM \(like SGLang and TensorRT-LLM\) loads it in bf16/,
    );
    const kept = (await runJson(['estimate', '--model', dir, '--ctx', '256', '--dtype', 'fp32'])).json;
    expect(kept.inputs.kvDtype).toBe('fp32');
  });
});

describe('the 16-bit type follows the GPU, as vLLM dtype "auto" does', () => {
  it('fp16 on a GPU without bf16 (T4); Gemma 2 stays float32 there (vLLM never runs it in fp16)', () => {
    const olmoLike = modelFromPreset('gemma-2-9b');
    expect(planEstimate(olmoLike, { ctx: 4096, gpu: 't4' }).inputs.dtype).toBe('fp32');
    const served = planCapacity(modelFromPreset('gemma-2-9b'), { engine: 'vllm', gpu: 'h100', ctx: 4096 });
    expect(served.inputs.dtype).toBe('bf16');
  });
});
