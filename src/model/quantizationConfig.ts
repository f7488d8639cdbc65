/**
 * Reads a config.json's `quantization_config` (transformers' quantizer configs) into a weight
 * format: quant_method gptq / awq (bits, group_size; −1 means per channel), bitsandbytes
 * (load_in_8bit, or load_in_4bit with bnb_4bit_quant_type and bnb_4bit_use_double_quant), fp8
 * (weight_block_size), mxfp4 (gpt-oss: the routed experts). Other methods are reported and the
 * weights counted unquantized.
 */
import type { WeightFormat } from '../core/quantization.js';
import { UserError } from '../core/errors.js';

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

export function readQuantizationConfig(raw: unknown, source: string, warnings: string[]): WeightFormat | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new UserError(`${source}: quantization_config: expected an object`);
  const q = raw as Record<string, unknown>;
  const method = String(q.quant_method ?? '').toLowerCase();
  switch (method) {
    case 'gptq':
    case 'awq': {
      const bits = positiveInt(q.bits ?? q.w_bit);
      if (bits === null || bits > 8)
        throw new UserError(
          `${source}: quantization_config.bits: got ${JSON.stringify(q.bits ?? q.w_bit)}, expected 2, 3, 4 or 8`,
        );
      const group = q.group_size ?? q.q_group_size ?? 128;
      return { kind: method, bits, groupSize: group === -1 ? null : (positiveInt(group) ?? 128) };
    }
    case 'bitsandbytes':
      if (q.load_in_4bit === true) {
        return {
          kind: 'bnb-4bit',
          quantType: q.bnb_4bit_quant_type === 'fp4' ? 'fp4' : 'nf4',
          doubleQuant: q.bnb_4bit_use_double_quant === true,
        };
      }
      if (q.load_in_8bit === true) return { kind: 'bnb-int8' };
      break;
    case 'mxfp4':
      return { kind: 'mxfp4' };
    case 'fp8': {
      const block = q.weight_block_size;
      const blockSize =
        Array.isArray(block) && block.length === 2 && block.every((b) => positiveInt(b) !== null)
          ? ([block[0], block[1]] as [number, number])
          : null;
      return { kind: 'fp8', blockSize };
    }
  }
  warnings.push(
    `quantization_config quant_method "${method || 'unknown'}" is not modelled; the weights are counted at --dtype (or torch_dtype) instead`,
  );
  return null;
}
