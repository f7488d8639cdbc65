/**
 * Reads a config.json's `quantization_config` (transformers' quantizer configs) into a weight
 * format: quant_method gptq / awq (bits, group_size; −1 means per channel), bitsandbytes
 * (load_in_8bit, or load_in_4bit with bnb_4bit_quant_type and bnb_4bit_use_double_quant), fp8
 * (weight_block_size), mxfp4 (gpt-oss: the routed experts), compressed-tensors (llm-compressor:
 * the weights scheme of its one config group: float 8-bit → FP8 by tensor, channel or block; int
 * 4/8-bit → packed integers with group or channel scales and, when asymmetric, zero points),
 * fbgemm_fp8 (FP8 with per-channel scales), modelopt (quant_algo FP8). Other methods, and schemes
 * these readers do not model (NVFP4, several config groups), are reported and the weights counted
 * at --dtype (or torch_dtype).
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
  if (method === 'compressed-tensors') {
    if (isRecord(q.kv_cache_scheme) && q.kv_cache_scheme.type === 'float' && q.kv_cache_scheme.num_bits === 8)
      warnings.push(
        'quantization_config carries FP8 KV-cache scales (kv_cache_scheme); engines use them when asked for an fp8 cache (vLLM --kv-cache-dtype fp8): pass --kv-dtype fp8 to count that',
      );
    return compressedTensors(q, warnings);
  }
  if (method === 'fbgemm_fp8') return { kind: 'fp8-channel' };
  if (method === 'modelopt' && String(q.quant_algo ?? '').toUpperCase() === 'FP8')
    return { kind: 'fp8', blockSize: null };
  return unmodelled(
    warnings,
    `quant_method "${method || 'unknown'}"${method === 'modelopt' ? ` (quant_algo ${JSON.stringify(q.quant_algo)})` : ''}`,
  );
}

/** The warning for a quantization vram does not model: the weights are counted at --dtype (or torch_dtype). */
function unmodelled(warnings: string[], what: string): null {
  warnings.push(
    `quantization_config ${what} is not modelled; the weights are counted at --dtype (or torch_dtype) instead`,
  );
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** compressed-tensors (llm-compressor): the weights scheme of its single config group. */
function compressedTensors(q: Record<string, unknown>, warnings: string[]): WeightFormat | null {
  const groups = isRecord(q.config_groups) ? Object.values(q.config_groups) : [];
  const refuse = (why: string) => unmodelled(warnings, `(compressed-tensors) ${why}`);
  if (groups.length !== 1) return refuse(`with ${groups.length} config groups`);
  const group = groups[0];
  const w = isRecord(group) && isRecord(group.weights) ? group.weights : null;
  if (w === null) return refuse('without a weights scheme');
  const bits = positiveInt(w.num_bits);
  const strategy = String(w.strategy ?? 'tensor');
  if (w.type === 'float' && bits === 8) {
    if (strategy === 'channel') return { kind: 'fp8-channel' };
    if (strategy === 'tensor') return { kind: 'fp8', blockSize: null };
    const block = w.block_structure;
    if (
      strategy === 'block' &&
      Array.isArray(block) &&
      block.length === 2 &&
      block.every((b) => positiveInt(b) !== null)
    )
      return { kind: 'fp8', blockSize: [block[0], block[1]] as [number, number] };
  }
  if ((w.type ?? 'int') === 'int' && (bits === 4 || bits === 8) && (strategy === 'group' || strategy === 'channel')) {
    const groupSize = strategy === 'group' ? positiveInt(w.group_size) : null;
    if (strategy === 'group' && groupSize === null) return refuse('with a group strategy but no group_size');
    return { kind: 'int-group', bits, groupSize, zeroPoints: w.symmetric === false };
  }
  return refuse(`weights ${JSON.stringify({ type: w.type, num_bits: w.num_bits, strategy: w.strategy })}`);
}
