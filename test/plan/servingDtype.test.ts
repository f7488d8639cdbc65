/**
 * A float32 checkpoint is served in 16 bits by default, as vLLM, SGLang and TensorRT-LLM load it
 * (dtype "auto": fp16, bf16 for Gemma 2/3): in `estimate` inference and under the generic engine
 * too, with a warning stating the rule; --dtype fp32 keeps float32.
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
