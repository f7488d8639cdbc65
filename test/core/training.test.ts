import { describe, expect, it } from 'vitest';
import { sumBytes } from '../../src/core/component.js';
import { type TrainingScenario, estimateTraining } from '../../src/core/estimate.js';
import { SINGLE_GPU } from '../../src/core/training/modelStates.js';
import { MIB } from '../../src/core/units.js';
import { readHfConfig } from '../../src/model/hfConfig.js';
import { presetArch } from '../helpers.js';

const llama7b = presetArch('llama-7b');
const PHI = 6_738_415_616;

function scenario(overrides: Partial<TrainingScenario> = {}): TrainingScenario {
  return {
    arch: llama7b,
    precision: 'mixed',
    halfDtype: 'fp16',
    optimizer: 'adamw',
    checkpointing: 'none',
    attention: 'flash',
    contextTokens: 4096,
    batchSize: 1,
    overhead: { kind: 'model' },
    parallelism: SINGLE_GPU,
    fineTuning: { kind: 'full' },
    gradientAccumulation: 1,
    chunkedLoss: false,
    ...overrides,
  };
}

function modelStateBytes(s: TrainingScenario): number {
  const { components } = estimateTraining(s);
  return sumBytes(components.filter((c) => ['weights', 'gradients', 'optimizer_states'].includes(c.id)));
}

describe('model states per parameter (ZeRO, arXiv:1910.02054, §3)', () => {
  it.each([
    // [precision, optimizer, bytes per parameter: weights + gradients + master + states]
    ['mixed', 'adamw', 16], // 2 + 2 + 4 + 4 + 4
    ['mixed', 'adam', 16],
    ['fp32', 'adamw', 16], // 4 + 4 + 4 + 4
    ['bf16', 'adamw', 8], // 2 + 2 + 2 + 2
    ['mixed', 'sgd', 8], // 2 + 2 + 4 master
    ['mixed', 'sgd-momentum', 12], // + 4 momentum
    ['fp32', 'sgd', 8], // 4 + 4
    ['mixed', 'adamw-8bit', 10], // 2 + 2 + 4 master + 2 × 1 B
  ] as const)('%s precision with %s: %d B/param', (precision, optimizer, perParameter) => {
    expect(modelStateBytes(scenario({ precision, optimizer }))).toBe(perParameter * PHI);
  });

  it('llama-7b mixed AdamW: weights + gradients + optimizer states = 16 × 6,738,415,616 B', () => {
    const { components } = estimateTraining(scenario());
    const byId = Object.fromEntries(components.map((c) => [c.id, c.bytes]));
    expect(byId.weights).toBe(2 * PHI);
    expect(byId.gradients).toBe(2 * PHI);
    expect(byId.optimizer_states).toBe(12 * PHI);
  });

  it('seed 003 "full fine-tuning ≈ params × bytes × 6" leaves out fp32 master weights and counts Adam in 16-bit', () => {
    // Seed 003: 72B fp16 × 6 -> 864 GB. The mixed-precision AdamW accounting gives 16 B/param.
    const seedBytes = 72e9 * 2 * 6;
    expect(seedBytes).toBe(864e9);
    expect(modelStateBytes(scenario()) / PHI).toBe(16);
  });

  it('total is the sum of the components', () => {
    for (const checkpointing of ['none', 'selective', 'full'] as const) {
      const estimate = estimateTraining(scenario({ checkpointing, batchSize: 4 }));
      expect(estimate.totalBytes).toBe(sumBytes(estimate.components));
    }
  });

  it('activations grow with batch and context; model states do not', () => {
    const small = estimateTraining(scenario({ batchSize: 1, contextTokens: 1024 }));
    const large = estimateTraining(scenario({ batchSize: 4, contextTokens: 4096 }));
    const bytes = (e: typeof small, id: string) => e.components.find((c) => c.id === id)!.bytes;
    expect(bytes(large, 'activations')).toBeGreaterThan(bytes(small, 'activations'));
    expect(bytes(large, 'optimizer_states')).toBe(bytes(small, 'optimizer_states'));
  });
});

describe('encoders train as masked LMs', () => {
  it('bert-base-uncased trains 109,514,298 parameters (BertForMaskedLM: MLM head instead of pooler)', () => {
    // transformers: BertForMaskedLM.from_pretrained("bert-base-uncased").num_parameters() = 109,514,298.
    const estimate = estimateTraining(scenario({ arch: presetArch('bert-base'), contextTokens: 512 }));
    expect(estimate.trainableParameterCount).toBe(109_514_298);
    expect(estimate.components.find((c) => c.id === 'weights')!.bytes).toBe(2 * 109_514_298);
  });
});

describe('measured training peak (calibration)', () => {
  it('bert-large-uncased fp32 AdamW, batch 4, seq 512: measured 14,949 MiB lies in the estimate range, expected within 10 %', () => {
    // Source: transformers docs, "Model training anatomy" (model_memory_anatomy.md): V100-16GB,
    // CUDA 11.2, fp32, AdamW, per_device_train_batch_size 4, seq 512, no checkpointing; nvidia-smi
    // "GPU memory occupied: 14949 MB" (MiB) after training, of which the CUDA context was 1343 MB.
    // Settings that differ: the docs train sequence classification (our encoder head is masked LM,
    // ~477 MiB of logits the run did not have) and torch's AdamW allocates step temporaries we do
    // not model; the run used eager attention. Config: bert-large-uncased config.json.
    const arch = readHfConfig(
      {
        model_type: 'bert',
        hidden_size: 1024,
        num_hidden_layers: 24,
        num_attention_heads: 16,
        intermediate_size: 4096,
        vocab_size: 30522,
        max_position_embeddings: 512,
        type_vocab_size: 2,
      },
      'bert-large-uncased',
    );
    const estimate = estimateTraining(
      scenario({ arch, precision: 'fp32', attention: 'eager', contextTokens: 512, batchSize: 4 }),
    );
    const measured = 14_949 * MIB;
    // Each heuristic term (allocator cache, overhead) at its low and at its high end.
    const ranged = estimate.components.filter((c) => c.range !== null);
    const low = ranged.reduce((total, c) => total - c.bytes + c.range!.lowBytes, estimate.totalBytes);
    const high = ranged.reduce((total, c) => total - c.bytes + c.range!.highBytes, estimate.totalBytes);
    expect(measured).toBeGreaterThanOrEqual(low);
    expect(measured).toBeLessThanOrEqual(high);
    expect(Math.abs(estimate.totalBytes - measured) / measured).toBeLessThan(0.1);
  });
});
