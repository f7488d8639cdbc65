import { describe, expect, it } from 'vitest';
import { dtypeBytes } from '../../src/core/dtype.js';
import { kvCacheBytes } from '../../src/core/kvCache.js';
import { countParameters } from '../../src/core/parameters.js';
import { weightMatrices } from '../../src/core/weightMatrices.js';
import { type WeightFormat, quantizedWeightsComponent } from '../../src/core/quantization.js';
import { readModelConfig } from '../../src/model/hfConfig.js';
import { presetArch, runJson, tiny } from '../helpers.js';

describe('GGUF file types follow llama.cpp to the byte', () => {
  // TheBloke/Llama-2-7B-GGUF file sizes (Hub listing; also Ollama pull totals and model
  // registries): every file is its tensors plus the same 741,056 B of metadata, tokenizer and
  // alignment padding, so the tensor bytes vram computes must sit exactly that far below each.
  const METADATA_BYTES = 741_056;
  it.each([
    ['q4_0', 3_825_807_040],
    ['q4_k_m', 4_081_004_224],
    ['q5_k_m', 4_783_156_928],
    ['q6_k', 5_529_194_176],
    ['q8_0', 7_161_089_728],
  ])('llama-2-7b.%s.gguf is %d B', (fileType, fileBytes) => {
    const weights = quantizedWeightsComponent(presetArch('llama-7b'), { kind: 'gguf', fileType });
    expect(fileBytes - weights.bytes).toBe(METADATA_BYTES);
  });
});

describe('checkpoint quantizers, by hand on a tiny model (h 8, f 16, 2 layers, 4 heads, 2 KV heads of 2)', () => {
  // Matrices per layer (in × out): q 8×8, k 8×4, v 8×4, o 8×8, gate 8×16, up 8×16, down 16×8:
  // 576 weights, 1,152 over 2 layers, 14 matrices. The rest stays 16-bit: embeddings 80 + head 80
  // + norms 40 = 200 params × 2 B = 400 B.
  const arch = tiny({});
  const rest = 400;
  it.each([
    // GPTQ 4-bit, group 8 (1 group per matrix, 2 for down): packed in·out/2, zeros groups·out/2,
    // fp16 scales groups·out·2, int32 g_idx in·4: q 32+4+16+32 = 84, k 16+2+8+32 = 58, v 58, o 84,
    // gate 64+8+32+32 = 136, up 136, down 64+8+32+64 = 168 -> 724 per layer.
    [{ kind: 'gptq', bits: 4, groupSize: 8 }, 2 * 724],
    // AWQ: the same without g_idx: 52 + 26 + 26 + 52 + 104 + 104 + 104 = 468 per layer.
    [{ kind: 'awq', bits: 4, groupSize: 8 }, 2 * 468],
    // int8 weights + an fp32 scale per output row (64 rows per layer).
    [{ kind: 'bnb-int8' }, 1152 + 2 * 64 * 4],
    // NF4: 0.5 B per weight + an fp32 absmax per 64-weight block (1 block for q/k/v/o, 2 for the MLP: 10 per layer).
    [{ kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: false }, 576 + 20 * 4],
    // double quantization: an 8-bit absmax per block + an fp32 per 256 blocks (one per matrix here).
    [{ kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: true }, 576 + 20 * 1 + 14 * 4],
    // FP8 with 128×128 blocks: 1 B per weight + one fp32 scale per (tiny) matrix.
    [{ kind: 'fp8', blockSize: [128, 128] }, 1152 + 14 * 4],
  ] as [WeightFormat, number][])('%j', (format, quantizedBytes) => {
    expect(quantizedWeightsComponent(arch, format).bytes).toBe(quantizedBytes + rest);
  });

  it('QLoRA double quantization costs 0.127 bits of scales per weight on a real matrix (Dettmers et al. 2023 §2)', () => {
    const big = tiny({
      hiddenSize: 4096,
      intermediateSize: 16384,
      headCount: 32,
      kvHeadCount: 32,
      headDim: 128,
      vocabSize: 10,
    });
    const nf4 = quantizedWeightsComponent(big, { kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: true });
    const bits = Number(/([\d.]+) bits per quantized weight/.exec(nf4.notes[0]!)![1]);
    expect(bits - 4).toBeCloseTo(0.127, 3);
  });
});

describe('quantization_config is read from the config', () => {
  const base = {
    model_type: 'llama',
    hidden_size: 4096,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    intermediate_size: 11008,
    vocab_size: 32000,
    max_position_embeddings: 4096,
  };
  it.each([
    [
      { quant_method: 'gptq', bits: 4, group_size: 128, desc_act: true },
      { kind: 'gptq', bits: 4, groupSize: 128 },
    ],
    [
      { quant_method: 'gptq', bits: 8, group_size: -1 },
      { kind: 'gptq', bits: 8, groupSize: null },
    ],
    [
      { quant_method: 'awq', bits: 4, group_size: 128, version: 'gemm', zero_point: true },
      { kind: 'awq', bits: 4, groupSize: 128 },
    ],
    [
      { quant_method: 'bitsandbytes', load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true },
      { kind: 'bnb-4bit', quantType: 'nf4', doubleQuant: true },
    ],
    [{ quant_method: 'bitsandbytes', load_in_8bit: true }, { kind: 'bnb-int8' }],
    [
      { quant_method: 'fp8', fmt: 'e4m3', weight_block_size: [128, 128] },
      { kind: 'fp8', blockSize: [128, 128] },
    ],
  ])('%j', (quantization_config, format) => {
    expect(readModelConfig({ ...base, quantization_config }, 'x').quantization).toEqual(format);
  });

  it('an unknown quant_method is a warning, and the weights stay unquantized', () => {
    const read = readModelConfig({ ...base, quantization_config: { quant_method: 'exl2', bits: 4.65 } }, 'x');
    expect(read.quantization).toBeNull();
    expect(read.warnings[0]).toMatch(/quant_method "exl2" is not modelled/);
  });

  it('the CLI uses it by default; --dtype overrides', async () => {
    const config = JSON.stringify({ ...base, quantization_config: { quant_method: 'awq', bits: 4, group_size: 128 } });
    const awq = await runJson(['estimate', '--config', '-'], { stdin: config });
    expect(awq.json.inputs.weights).toBe('quantization_config');
    expect(awq.json.components[0].formula).toMatch(/AWQ 4-bit, group 128/);
    const plain = await runJson(['estimate', '--config', '-', '--dtype', 'fp16'], { stdin: config });
    expect(plain.json.inputs.weights).toBe('dtype');
  });

  it("DeepSeek-V3's FP8 checkpoint (weight_block_size 128×128) is the preset default", async () => {
    const { json } = await runJson(['estimate', '--model', 'deepseek-v3', '--ctx', '4k']);
    expect(json.inputs.weights).toBe('quantization_config');
    expect(json.components[0].formula).toMatch(/FP8 with 128×128 block scales/);
  });
});

describe("llama.cpp's KV cache types", () => {
  it('q8_0 stores 34 B per 32 elements, q4_0 18 B', () => {
    expect(dtypeBytes(64, 'q8_0')).toBe(68);
    expect(dtypeBytes(64, 'q4_0')).toBe(36);
    const arch = presetArch('llama-7b');
    expect(kvCacheBytes(arch, 'q8_0', 4096, 1)).toBe((kvCacheBytes(arch, 'fp16', 4096, 1) / 2 / 32) * 34);
  });
});

describe("llama.cpp's per-tensor rules beyond the plain mixes", () => {
  it("a tied token_embd takes the output rule (Q6_K): Llama-3.2-1B Q4_K_M is within 1 % of bartowski's 807,694,464-byte file", () => {
    // bartowski/Llama-3.2-1B-Instruct-GGUF, Llama-3.2-1B-Instruct-Q4_K_M.gguf: 807,694,464 B, of
    // which several MB are the Llama 3 tokenizer in the metadata (without the tied rule: −9 %).
    const bytes = quantizedWeightsComponent(presetArch('llama-3.2-1b'), { kind: 'gguf', fileType: 'q4_k_m' }).bytes;
    expect(bytes).toBeLessThan(807_694_464);
    expect((807_694_464 - bytes) / 807_694_464).toBeLessThan(0.01);
  });

  it('8-expert models keep attn_k and attn_v at Q8_0 and attn_output at Q5_K', () => {
    const plain = quantizedWeightsComponent(presetArch('mixtral-8x7b'), { kind: 'gguf', fileType: 'q4_k_s' }).bytes;
    const arch = presetArch('mixtral-8x7b');
    const dense = quantizedWeightsComponent(
      {
        ...arch,
        layers: arch.layers.map((g) => ({ ...g, mlp: { ...g.mlp!, experts: { ...g.mlp!.experts!, expertCount: 9 } } })),
      },
      { kind: 'gguf', fileType: 'q4_k_s' },
    ).bytes;
    // A ninth expert adds 32 × 3 × 4096 × 14336 Q4_K weights (except the ffn_down Q5_K eighth) but drops the 8-expert bumps.
    expect(dense).toBeGreaterThan(plain);
  });

  it('rows that are not whole 256-blocks fall back (gpt-oss hidden size 2880: Q4_K -> Q5_0)', () => {
    const q4km = quantizedWeightsComponent(presetArch('gpt-oss-20b'), { kind: 'gguf', fileType: 'q4_k_m' }).bytes;
    const q50 = quantizedWeightsComponent(presetArch('gpt-oss-20b'), { kind: 'gguf', fileType: 'q5_0' }).bytes;
    expect(q4km).toBeGreaterThanOrEqual(q50 * 0.95);
  });

  it('MXFP4 (gpt-oss) quantizes the routed experts at 17 B per 32 weights; the rest stays 16-bit', async () => {
    const { json } = await runJson(['estimate', '--model', 'gpt-oss-20b', '--ctx', '4k']);
    expect(json.inputs.weights).toBe('quantization_config');
    const experts = 24 * 32 * 3 * 2880 * 2880;
    expect(json.components[0].bytes).toBe((experts / 32) * 17 + (20_914_757_184 - experts) * 2);
  });
});

describe('compressed-tensors, fbgemm_fp8 and modelopt quantization_config (issue 10)', () => {
  const llama = presetArch('llama-2-7b');
  const config = (quantization_config: object) => ({
    model_type: 'llama',
    hidden_size: 4096,
    intermediate_size: 11008,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    vocab_size: 32000,
    max_position_embeddings: 4096,
    quantization_config,
  });
  const scheme = (weights: object) => ({ quant_method: 'compressed-tensors', config_groups: { group_0: { weights } } });
  const matrices = weightMatrices(llama).filter((m) => m.kind !== 'token_embd' && m.kind !== 'output');
  const linear = matrices.reduce((t, m) => t + m.count * m.inFeatures * m.outFeatures, 0);
  const outChannels = matrices.reduce((t, m) => t + m.count * m.outFeatures, 0);

  it('W8A8 int8 per channel (neuralmagic …-quantized.w8a8): int8 weights and a 16-bit scale per output channel', () => {
    const read = readModelConfig(
      config(scheme({ type: 'int', num_bits: 8, strategy: 'channel', symmetric: true })),
      'x',
    );
    expect(read.quantization).toEqual({ kind: 'int-group', bits: 8, groupSize: null, zeroPoints: false });
    const bytes = quantizedWeightsComponent(llama, read.quantization as WeightFormat).bytes;
    const rest = (countParameters(llama).totalCount - linear) * 2;
    expect(bytes).toBe(linear + outChannels * 2 + rest);
  });

  it('W4A16 int4 groups of 128, asymmetric: packed weights, scales and zero points', () => {
    const read = readModelConfig(
      config(scheme({ type: 'int', num_bits: 4, strategy: 'group', group_size: 128, symmetric: false })),
      'x',
    );
    expect(read.quantization).toEqual({ kind: 'int-group', bits: 4, groupSize: 128, zeroPoints: true });
  });

  it('FP8 by channel, tensor or block; fbgemm_fp8; modelopt FP8', () => {
    const fp8 = (weights: object) => readModelConfig(config(scheme({ type: 'float', num_bits: 8, ...weights })), 'x');
    expect(fp8({ strategy: 'channel' }).quantization).toEqual({ kind: 'fp8-channel' });
    expect(fp8({ strategy: 'tensor' }).quantization).toEqual({ kind: 'fp8', blockSize: null });
    expect(fp8({ strategy: 'block', block_structure: [128, 128] }).quantization).toEqual({
      kind: 'fp8',
      blockSize: [128, 128],
    });
    expect(readModelConfig(config({ quant_method: 'fbgemm_fp8' }), 'x').quantization).toEqual({ kind: 'fp8-channel' });
    expect(readModelConfig(config({ quant_method: 'modelopt', quant_algo: 'FP8' }), 'x').quantization).toEqual({
      kind: 'fp8',
      blockSize: null,
    });
  });

  it('a scheme it does not model is a warning, and the weights are counted at the dtype', () => {
    const nvfp4 = readModelConfig(config({ quant_method: 'modelopt', quant_algo: 'NVFP4' }), 'x');
    expect(nvfp4.quantization).toBeNull();
    expect(nvfp4.warnings[0]).toMatch(/quant_method "modelopt" \(quant_algo "NVFP4"\) is not modelled/);
    const two = readModelConfig(config({ quant_method: 'compressed-tensors', config_groups: { a: {}, b: {} } }), 'x');
    expect(two.warnings[0]).toMatch(/compressed-tensors\) with 2 config groups is not modelled/);
  });
});

describe('compressed-tensors kv_cache_scheme', () => {
  it('says the checkpoint carries FP8 KV scales, and how to count an fp8 cache', () => {
    const read = readModelConfig(
      {
        model_type: 'llama',
        hidden_size: 64,
        intermediate_size: 128,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        vocab_size: 100,
        max_position_embeddings: 64,
        quantization_config: {
          quant_method: 'compressed-tensors',
          config_groups: { group_0: { weights: { type: 'float', num_bits: 8, strategy: 'channel' } } },
          kv_cache_scheme: { type: 'float', num_bits: 8, strategy: 'tensor' },
        },
      },
      'x',
    );
    expect(read.quantization).toEqual({ kind: 'fp8-channel' });
    expect(read.warnings.join('\n')).toMatch(/FP8 KV-cache scales .* pass --kv-dtype fp8/);
  });
});
