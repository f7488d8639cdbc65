/**
 * Intermediate-size tensors an MLP activation keeps for backward beyond the one a fused kernel
 * keeps (its input), by transformers' ACT2FN name (transformers/activations.py). An activation
 * written as several torch ops keeps what each op needs: NewGELUActivation (`gelu_new`,
 * `0.5 * x * (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`) keeps tanh's output, 0.5·x and 1 + tanh.
 * Counted with torch.autograd.graph.saved_tensors_hooks on a GPT-2 MLP (transformers 5.18,
 * torch 2.13), per token and layer against `gelu`: gelu_new 3, gelu_accurate 3, gelu_fast 6,
 * gelu_python 2, quick_gelu 1, gelu_10 1. Fused or one-op activations (gelu, gelu_pytorch_tanh,
 * silu, relu, …) and names not listed: 0 (relu, tanh and sigmoid keep one fewer; not subtracted).
 */
const EXTRA_KEPT_TENSORS = new Map<string, number>([
  ['gelu_new', 3],
  ['gelu_accurate', 3],
  ['gelu_fast', 6],
  ['gelu_python', 2],
  ['quick_gelu', 1],
  ['gelu_10', 1],
]);

/** Extra intermediate-size tensors `activation` keeps for backward (0 when fused or unknown). */
export function activationExtraKeptTensors(activation: string | undefined): number {
  return activation === undefined ? 0 : (EXTRA_KEPT_TENSORS.get(activation) ?? 0);
}
