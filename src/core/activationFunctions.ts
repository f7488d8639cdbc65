/**
 * Intermediate-size tensors an MLP activation keeps for backward beyond the one a fused kernel
 * keeps (its input), by transformers' ACT2FN name (transformers/activations.py). An activation
 * written as several torch ops keeps what each op needs: NewGELUActivation (`gelu_new`,
 * `0.5 * x * (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`) keeps tanh's output, 0.5·x and 1 + tanh.
 * Counted with torch.autograd.graph.saved_tensors_hooks on a GPT-2 MLP (transformers 5.18,
 * torch 2.13), per token and layer against `gelu`: gelu_new 3, gelu_accurate 3,
 * gelu_python_tanh 3, gelu_fast 6, gelu_python 2, quick_gelu 1, gelu_10 1, xielu 3.25 (counted as
 * 4, the safe side of a fraction). The other activations transformers has (gelu,
 * gelu_pytorch_tanh, silu, relu, …) keep no more than a fused kernel: 0 (relu, tanh, sigmoid and
 * linear keep one fewer; not subtracted).
 */
const EXTRA_KEPT_TENSORS = new Map<string, number>([
  ['gelu_new', 3],
  ['gelu_accurate', 3],
  ['gelu_fast', 6],
  ['gelu_python', 2],
  ['quick_gelu', 1],
  ['gelu_10', 1],
  ['gelu_python_tanh', 3],
  ['xielu', 4],
]);

/** transformers' ACT2FN names (transformers/activations.py, 5.18): the activations a config may name. */
export const TRANSFORMERS_ACTIVATIONS: readonly string[] = [
  'gelu',
  'gelu_10',
  'gelu_accurate',
  'gelu_fast',
  'gelu_new',
  'gelu_python',
  'gelu_python_tanh',
  'gelu_pytorch_tanh',
  'hardswish',
  'laplace',
  'leaky_relu',
  'linear',
  'mish',
  'prelu',
  'quick_gelu',
  'relu',
  'relu2',
  'relu6',
  'sigmoid',
  'silu',
  'sqrtsoftplus',
  'swish',
  'tanh',
  'xielu',
];

/** Extra intermediate-size tensors `activation` keeps for backward (0 when fused or unknown). */
export function activationExtraKeptTensors(activation: string | undefined): number {
  return activation === undefined ? 0 : (EXTRA_KEPT_TENSORS.get(activation) ?? 0);
}
