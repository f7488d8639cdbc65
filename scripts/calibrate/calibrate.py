#!/usr/bin/env python3
"""Measure real GPU memory for a matrix of inference and training scenarios.

Builds Hugging Face models from the configs in presets/models/<id>.json with random weights
(no network, no downloads), runs each scenario on the first CUDA GPU, and writes a JSON dataset
that the vram tests can compare against `vram estimate`. See README.md beside this file.

Only the standard library is imported at module level: `--dry-run` works without torch.
torch, transformers, peft and pynvml are imported inside the measuring code.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import signal
import sys
import time
import traceback
from pathlib import Path

SCHEMA_VERSION = 1
REPO = Path(__file__).resolve().parents[2]
PRESETS = REPO / 'presets' / 'models'

KIND_PREFILL = 'inference-prefill'
KIND_DECODE = 'inference-decode'
KIND_TRAIN = 'training'

# torch._fused_sdp_choice returns a torch.nn.attention.SDPBackend value.
SDP_BACKENDS = {-1: 'ERROR', 0: 'MATH', 1: 'FLASH_ATTENTION', 2: 'EFFICIENT_ATTENTION', 3: 'CUDNN_ATTENTION',
                4: 'OVERRIDEABLE'}
FLASH_LIKE = {'FLASH_ATTENTION', 'EFFICIENT_ATTENTION', 'CUDNN_ATTENTION'}
LORA_TARGETS = {'qv': ['q_proj', 'v_proj'], 'all': 'all-linear'}
GIB = 1024 ** 3


# ---------------------------------------------------------------------------------------------
# Scenario matrix (no torch)
# ---------------------------------------------------------------------------------------------

def model_tag(model: str, overrides: dict) -> str:
    if not overrides:
        return model
    return model + '@' + ','.join(f'{k}={json.dumps(v)}' for k, v in sorted(overrides.items()))


def set_args(overrides: dict) -> list[str]:
    out = []
    for key, value in sorted(overrides.items()):
        out += ['--set', f'{key}={json.dumps(value) if not isinstance(value, str) else value}']
    return out


def inference_command(case: dict) -> str:
    args = ['vram', 'estimate', '--model', case['model'], '--ctx', str(case['ctx']), '--users', str(case['users']),
            '--dtype', case['dtype'], '--attention', case['attention']]
    # The prefill cases run one forward over every user's prompt (as generate() on a batch does).
    if case['kind'] == KIND_PREFILL and case['users'] > 1:
        args += ['--prefill-batch', str(case['users'])]
    # generate() prefills every prompt of the batch in one forward, then grows the cache to ctx.
    if case['kind'] == KIND_DECODE:
        args += ['--prompt-tokens', str(case['promptTokens'])]
        if case['users'] > 1:
            args += ['--prefill-batch', str(case['users'])]
    return ' '.join(args + set_args(case['configOverrides']))


def training_command(case: dict) -> str:
    args = ['vram', 'estimate', '--mode', 'training', '--model', case['model'], '--ctx', str(case['ctx']),
            '--batch', str(case['batch']), '--precision', case['precision'], '--optimizer', case['optimizer'],
            '--grad-checkpointing', case['gradCheckpointing'], '--attention', case['attention']]
    if case.get('loraRank'):
        args += ['--lora-rank', str(case['loraRank']), '--lora-targets', case['loraTargets']]
    if case.get('loraBase') == 'nf4':
        args += ['--qlora']
    return ' '.join(args + set_args(case['configOverrides']))


FP32_GQA_NOTE = ('sdpa dispatched every call to MATH (fp32 with grouped-query attention has no fused kernel), which '
                 'materialises the scores as eager attention does: vramCommand says --attention eager')


def attention_fields(impl: str) -> dict:
    # vram spells attention flash|eager. sdpa is recorded as flash (the intent); measured.sdpaBackends and
    # measured.attentionFlashLike say which kernel PyTorch really dispatched to.
    return {'attention': 'flash' if impl == 'sdpa' else 'eager', 'attnImplementation': impl}


def prefill_cases(model: str, overrides: dict, est_scale: float) -> list[dict]:
    cases = []
    for impl in ('sdpa', 'eager'):
        for ctx in (1024, 4096, 16384):
            if impl == 'eager' and ctx > 4096:
                continue
            for users in (1, 4):
                case = {
                    'id': f'prefill/{model_tag(model, overrides)}/{impl}/ctx{ctx}-u{users}',
                    'kind': KIND_PREFILL, 'model': model, 'configOverrides': dict(overrides),
                    'ctx': ctx, 'users': users, 'dtype': 'bf16', **attention_fields(impl),
                    'useCache': True, 'logitsToKeep': 1,
                    'group': f'infer/{model_tag(model, overrides)}/{impl}',
                    'estSeconds': round(est_scale * (1 + ctx * users / 16384), 1),
                }
                case['vramCommand'] = inference_command(case)
                cases.append(case)
    return cases


def fp16_prefill_case(model: str, impl: str, ctx: int, users: int) -> dict:
    # softmax(bf16, dtype=float32) converts its input to an fp32 copy first; fp16 has a fused half-to-float
    # kernel (aten/src/ATen/native/SoftMax.cpp). These cases measure the difference in eager attention.
    case = {
        'id': f'prefill/{model}/{impl}-fp16/ctx{ctx}-u{users}',
        'kind': KIND_PREFILL, 'model': model, 'configOverrides': {},
        'ctx': ctx, 'users': users, 'dtype': 'fp16', **attention_fields(impl),
        'useCache': True, 'logitsToKeep': 1,
        'group': f'infer/{model}/{impl}-fp16',
        'estSeconds': round(0.6 * (1 + ctx * users / 16384), 1),
    }
    case['vramCommand'] = inference_command(case)
    return case


def decode_case(model: str, ctx: int, users: int, prompt: int) -> dict:
    case = {
        'id': f'decode/{model}/sdpa/ctx{ctx}-u{users}',
        'kind': KIND_DECODE, 'model': model, 'configOverrides': {},
        'ctx': ctx, 'users': users, 'dtype': 'bf16', **attention_fields('sdpa'),
        'useCache': True, 'promptTokens': prompt, 'newTokens': ctx - prompt, 'cache': 'DynamicCache (generate default)',
        'group': f'infer/{model}/sdpa',
        # generate() took more than 37 ms per token for llama-3.2-1b on an H200 (transformers 5.17, 2026-11-27).
        'estSeconds': round(0.045 * (ctx - prompt) + 2, 1),
    }
    case['vramCommand'] = inference_command(case)
    return case


LORA_BASE_IMPL = {
    'bf16': 'bf16 frozen base, PEFT LoRA adapters in fp32 (autocast_adapter_dtype), torch.autocast(cuda, bfloat16) '
            'forward',
    'fp32': 'fp32 frozen base (a model loaded without torch_dtype), fp32 adapters, no autocast',
    'nf4': 'bitsandbytes 4-bit NF4 base with double quantization, bf16 compute (from_pretrained with '
           'BitsAndBytesConfig), fp32 adapters, bf16 autocast, no prepare_model_for_kbit_training',
}


def training_case(model: str, *, ctx: int, batch: int, precision: str, gc_mode: str, impl: str = 'sdpa',
                  lora: str | None = None, task: str = 'causal-lm', est: float = 3.0,
                  overrides: dict | None = None, lora_base: str = 'bf16') -> dict:
    overrides = overrides or {}
    variant = (f'lora16-{lora}' + ('' if lora_base == 'bf16' else f'-{lora_base}base')) if lora else precision
    tail = '' if impl == 'sdpa' else '-eager'
    case = {
        'id': f'train/{model_tag(model, overrides)}/{variant}/b{batch}-ctx{ctx}-gc-{gc_mode}{tail}',
        'kind': KIND_TRAIN, 'model': model, 'configOverrides': dict(overrides),
        'ctx': ctx, 'batch': batch,
        # dtype: how the weights are stored on the GPU (mixed = fp32 master weights + bf16 autocast).
        'dtype': {'mixed': 'fp32', 'fp32': 'fp32', 'bf16': 'bf16'}[precision] if not lora
        else {'bf16': 'bf16', 'fp32': 'fp32', 'nf4': 'nf4'}[lora_base],
        'loraBase': lora_base if lora else None,
        'precision': precision, 'optimizer': 'adamw', 'gradCheckpointing': gc_mode, **attention_fields(impl),
        'loraRank': 16 if lora else None,
        'loraTargets': (','.join(LORA_TARGETS[lora]) if isinstance(LORA_TARGETS[lora], list) else LORA_TARGETS[lora])
        if lora else None,
        'task': task, 'steps': 2,
        'precisionImpl': {
            'mixed': 'fp32 weights and grads, torch.autocast(cuda, bfloat16) forward',
            'bf16': 'bf16 weights, grads and AdamW states, no autocast',
            'fp32': 'fp32 weights, grads and AdamW states, no autocast',
        }[precision] if not lora else LORA_BASE_IMPL[lora_base],
        'group': None,
        'estSeconds': est,
    }
    if lora_base == 'fp32' and impl == 'sdpa':
        # Measured on the H200 and the H100 (torch 2.11): sdpa sends fp32 grouped-query attention to MATH,
        # which keeps the scores as eager attention does.
        case['attention'] = 'eager'
        case['attentionNote'] = FP32_GQA_NOTE
    case['vramCommand'] = training_command(case)
    return case


def build_matrix(args) -> list[dict]:
    cases: list[dict] = []
    cases += prefill_cases('llama-3.2-1b', {}, 0.6)
    for precision in ('mixed', 'bf16'):
        for batch in (1, 4):
            for ctx in (1024, 4096):
                for gc_mode in ('none', 'full'):
                    est = 2.5 + batch * ctx / 4096 * (1.5 if gc_mode == 'full' else 1.0)
                    cases.append(training_case('llama-3.2-1b', ctx=ctx, batch=batch, precision=precision,
                                               gc_mode=gc_mode, est=round(est, 1)))
    for model, task in (('gpt2', 'causal-lm'), ('bert-base-uncased', 'masked-lm')):
        for impl in ('sdpa', 'eager'):
            cases.append(training_case(model, ctx=512, batch=8, precision='fp32', gc_mode='none', impl=impl,
                                       task=task, est=2.0))
    cases += prefill_cases('gemma-3-1b', {}, 0.8)
    cases += prefill_cases('qwen2.5-7b', {}, 1.5)
    for lora in ('qv', 'all'):
        for gc_mode in ('none', 'full'):
            cases.append(training_case('llama-3.2-3b', ctx=4096, batch=1, precision='mixed', gc_mode=gc_mode,
                                       lora=lora, est=5.0))
    cases += prefill_cases('mixtral-8x7b', {'num_hidden_layers': 4}, 1.5)
    # Issue 10: fp16 eager attention, LoRA on an fp32 base (PEFT's docs load models without torch_dtype) and
    # QLoRA (needs bitsandbytes), short generate() runs from a 128-token prompt.
    for users in (1, 4):
        cases.append(fp16_prefill_case('llama-3.2-1b', 'eager', 4096, users))
    for base, precision in (('fp32', 'fp32'), ('nf4', 'mixed')):
        for gc_mode in ('none', 'full'):
            cases.append(training_case('llama-3.2-1b', ctx=2048, batch=1, precision=precision, gc_mode=gc_mode,
                                       lora='qv' if base == 'fp32' else 'all', lora_base=base,
                                       est=4.0 if base == 'fp32' else 20.0))
    for users in (1, 4):
        cases.append(decode_case('llama-3.2-1b', 1024, users, args.decode_prompt))
    # Last: slow (one Python-driven forward per token); run them alone with --only decode/ and a larger budget.
    cases.append(decode_case('llama-3.2-1b', 4096, 1, args.decode_prompt))
    cases.append(decode_case('llama-3.2-1b', 8192, 1, args.decode_prompt))

    # --override MODEL:field=value applies to every case of MODEL (ids and commands follow).
    extra: dict[str, dict] = {}
    for item in args.override or []:
        model, _, assignment = item.partition(':')
        field, _, raw = assignment.partition('=')
        if not model or not field or not raw:
            raise SystemExit(f'--override {item!r}: expected MODEL:field=value')
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        extra.setdefault(model, {})[field] = value
    if extra:
        cases = [rebuild_with_overrides(c, extra[c['model']]) if c['model'] in extra else c for c in cases]

    if args.only:
        cases = [c for c in cases if any(s in c['id'] for s in args.only)]
    for case in cases:
        case['measured'] = None
        case['error'] = None
        case['skipped'] = None
        case['seconds'] = None
    ids = [c['id'] for c in cases]
    if len(ids) != len(set(ids)):
        raise SystemExit('duplicate case ids')
    return cases


def rebuild_with_overrides(case: dict, more: dict) -> dict:
    old_tag = model_tag(case['model'], case['configOverrides'])
    overrides = {**case['configOverrides'], **more}
    new_tag = model_tag(case['model'], overrides)
    case = dict(case, configOverrides=overrides)
    case['id'] = case['id'].replace(f'/{old_tag}/', f'/{new_tag}/', 1)
    if case.get('group'):
        case['group'] = case['group'].replace(f'/{old_tag}/', f'/{new_tag}/', 1)
    case['vramCommand'] = training_command(case) if case['kind'] == KIND_TRAIN else inference_command(case)
    return case


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    public = dict(data, cases=[{k: v for k, v in c.items() if k not in ('group', 'estSeconds')}
                               for c in data['cases']])
    tmp.write_text(json.dumps(public, indent=2) + '\n')
    os.replace(tmp, path)


def gib(value) -> str:
    return f'{value / GIB:8.2f}' if isinstance(value, (int, float)) else '       -'


def print_summary(cases: list[dict]) -> None:
    width = max([len(c['id']) for c in cases] + [4])
    print()
    print(f'{"case":<{width}}  maxAlloc  maxResv  seconds  status')
    for c in cases:
        m = c.get('measured') or {}
        status = 'ok' if c.get('measured') and not c.get('error') else (
            'ERROR ' + (c.get('error') or {}).get('type', '') if c.get('error') else f'skipped ({c.get("skipped")})')
        secs = f'{c["seconds"]:7.1f}' if isinstance(c.get('seconds'), (int, float)) else '      -'
        alloc, resv = gib(m.get('maxAllocatedBytes')), gib(m.get('maxReservedBytes'))
        print(f'{c["id"]:<{width}}  {alloc} {resv}  {secs}  {status}')
    sys.stdout.flush()


def static_environment(dry_run: bool) -> dict:
    return {
        'gpuName': None, 'torchTotalMemoryBytes': None, 'nvmlTotalMemoryBytes': None, 'driverVersion': None,
        'cudaVersion': None, 'cudaDriverVersion': None, 'torchVersion': None, 'transformersVersion': None,
        'peftVersion': None, 'pythonVersion': platform.python_version(),
        'date': datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        'dryRun': dry_run, 'pytorchCudaAllocConf': os.environ.get('PYTORCH_CUDA_ALLOC_CONF'),
    }


# ---------------------------------------------------------------------------------------------
# Measuring (torch from here on)
# ---------------------------------------------------------------------------------------------

class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout('case ran past --case-timeout')


class Gpu:
    """torch, NVML and helpers; created only when measuring."""

    def __init__(self):
        import torch
        self.torch = torch
        if not torch.cuda.is_available():
            raise SystemExit('torch.cuda.is_available() is False: no CUDA GPU to measure')
        self.device = torch.device('cuda', torch.cuda.current_device())
        x = torch.ones(1024, device=self.device)
        assert float(x.sum().item()) == 1024.0, 'tiny tensor self-check failed'
        del x
        torch.cuda.synchronize()
        self.nvml = None
        self.handle = None
        try:
            import pynvml
            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(self.device.index or 0)
            try:
                uuid = str(torch.cuda.get_device_properties(self.device).uuid)
                for i in range(pynvml.nvmlDeviceGetCount()):
                    h = pynvml.nvmlDeviceGetHandleByIndex(i)
                    u = pynvml.nvmlDeviceGetUUID(h)
                    u = u.decode() if isinstance(u, bytes) else u
                    if u.replace('GPU-', '') == uuid.replace('GPU-', ''):
                        handle = h
                        break
            except Exception:
                pass
            self.nvml = pynvml
            self.handle = handle
        except Exception as exc:  # NVML is best effort
            print(f'warning: NVML unavailable: {exc!r}', flush=True)
        self.sdpa_counts: dict[str, int] = {}
        self._install_sdpa_probe()

    # -- memory readings --
    def allocated(self) -> int:
        return int(self.torch.cuda.memory_allocated(self.device))

    def reserved(self) -> int:
        return int(self.torch.cuda.memory_reserved(self.device))

    def peak(self) -> tuple[int, int]:
        cuda = self.torch.cuda
        return int(cuda.max_memory_allocated(self.device)), int(cuda.max_memory_reserved(self.device))

    def reset_peak(self) -> None:
        self.torch.cuda.synchronize(self.device)
        self.torch.cuda.reset_peak_memory_stats(self.device)

    def nvml_used(self) -> tuple[int | None, str]:
        """Memory NVML sees: this process's if NVML lists it, else the whole device's."""
        if self.nvml is not None:
            try:
                pid = os.getpid()
                for proc in self.nvml.nvmlDeviceGetComputeRunningProcesses(self.handle):
                    if proc.pid == pid and proc.usedGpuMemory is not None:
                        return int(proc.usedGpuMemory), 'process'
            except Exception:
                pass
            try:
                return int(self.nvml.nvmlDeviceGetMemoryInfo(self.handle).used), 'device'
            except Exception:
                pass
        try:
            free, total = self.torch.cuda.mem_get_info(self.device)
            return int(total - free), 'device (cudaMemGetInfo)'
        except Exception:
            return None, 'unavailable'

    def clean(self) -> None:
        gc.collect()
        self.torch.cuda.synchronize(self.device)
        self.torch.cuda.empty_cache()
        self.torch.cuda.reset_peak_memory_stats(self.device)

    # -- SDPA kernel choice --
    def _install_sdpa_probe(self) -> None:
        torch = self.torch
        functional = torch.nn.functional
        original = functional.scaled_dot_product_attention
        if getattr(original, '_vram_probe', False):
            return
        counts = self.sdpa_counts

        def autocast_dtype():
            """The dtype autocast gives SDPA's inputs (it is on CUDA autocast's lower-precision list), or None."""
            try:
                if torch.is_autocast_enabled('cuda'):
                    return torch.get_autocast_dtype('cuda')
            except TypeError:  # torch < 2.4
                if torch.is_autocast_enabled():
                    return torch.get_autocast_gpu_dtype()
            return None

        def probe(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False,
                  **kwargs):
            try:
                q, k, v = query, key, value
                cast = autocast_dtype()
                if cast is not None:
                    # Ask with the dtypes the kernel will see: under autocast q/k may still be fp32 here (RoPE with
                    # fp32 cos/sin) while v is bf16, and the un-cast choice would be MATH. The copies are freed
                    # before the real call, which makes the same casts itself.
                    q, k, v = (t.to(cast) if t.is_floating_point() and t.dtype != cast else t for t in (q, k, v))
                try:
                    choice = torch._fused_sdp_choice(q, k, v, attn_mask, dropout_p, is_causal, scale=scale,
                                                     enable_gqa=enable_gqa)
                except TypeError:
                    choice = torch._fused_sdp_choice(q, k, v, attn_mask, dropout_p, is_causal, scale=scale)
                name = SDP_BACKENDS.get(int(choice), str(choice))
                dtype = str(q.dtype).replace('torch.', '')
                del q, k, v
            except Exception:
                name, dtype = 'UNKNOWN', str(query.dtype).replace('torch.', '')
            mask = 'mask' if attn_mask is not None else ('causal' if is_causal else 'none')
            label = f'{name}[{mask},{dtype}]'
            counts[label] = counts.get(label, 0) + 1
            return original(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal,
                            scale=scale, enable_gqa=enable_gqa, **kwargs)

        probe._vram_probe = True
        functional.scaled_dot_product_attention = probe

    def take_sdpa_counts(self) -> dict:
        counts = dict(self.sdpa_counts)
        self.sdpa_counts.clear()
        return counts


def environment(gpu: Gpu) -> dict:
    torch = gpu.torch
    env = static_environment(False)
    props = torch.cuda.get_device_properties(gpu.device)
    env.update({
        'gpuName': props.name,
        'torchTotalMemoryBytes': int(props.total_memory),
        'computeCapability': f'{props.major}.{props.minor}',
        'cudaVersion': torch.version.cuda,
        'torchVersion': torch.__version__,
        'sdpEnabled': {
            'flash': bool(torch.backends.cuda.flash_sdp_enabled()),
            'memEfficient': bool(torch.backends.cuda.mem_efficient_sdp_enabled()),
            'math': bool(torch.backends.cuda.math_sdp_enabled()),
            'cudnn': bool(getattr(torch.backends.cuda, 'cudnn_sdp_enabled', lambda: None)()),
        },
    })
    for name, key in (('transformers', 'transformersVersion'), ('peft', 'peftVersion'), ('accelerate', None)):
        try:
            module = __import__(name)
            env[key or f'{name}Version'] = getattr(module, '__version__', None)
        except Exception as exc:
            env[key or f'{name}Version'] = None
            print(f'warning: cannot import {name}: {exc!r}', flush=True)
    if gpu.nvml is not None:
        nv = gpu.nvml
        try:
            env['nvmlTotalMemoryBytes'] = int(nv.nvmlDeviceGetMemoryInfo(gpu.handle).total)
        except Exception:
            pass
        try:
            v = nv.nvmlSystemGetDriverVersion()
            env['driverVersion'] = v.decode() if isinstance(v, bytes) else v
        except Exception:
            pass
        try:
            v = int(nv.nvmlSystemGetCudaDriverVersion())
            env['cudaDriverVersion'] = f'{v // 1000}.{(v % 1000) // 10}'
        except Exception:
            pass
    used, scope = gpu.nvml_used()
    env['cudaContextBytesAtStart'] = None if used is None else used - gpu.reserved()
    env['nvmlScope'] = scope
    return env


def warm_up(gpu: Gpu) -> dict:
    """Create cuBLAS handles/workspaces and SDPA kernels once, so the first case doesn't pay for them."""
    torch = gpu.torch
    before = gpu.allocated()
    for dtype in (torch.bfloat16, torch.float32):
        a = torch.randn(256, 256, device=gpu.device, dtype=dtype, requires_grad=True)
        (a @ a).sum().backward()
        q = torch.randn(1, 4, 128, 64, device=gpu.device, dtype=dtype, requires_grad=True)
        torch.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).sum().backward()
        with torch.autocast('cuda', dtype=torch.bfloat16):
            (a @ a).sum().backward()
        del a, q
    gpu.take_sdpa_counts()
    gpu.clean()
    return {'warmupAllocatedBytes': gpu.allocated() - before, 'warmupReservedBytes': gpu.reserved()}


def load_config(case: dict, impl: str):
    from transformers import AutoConfig
    preset = json.loads((PRESETS / f'{case["model"]}.json').read_text())
    raw = dict(preset['config'])
    for key in ('architectures', 'transformers_version', 'torch_dtype', 'dtype', '_name_or_path', 'auto_map',
                'quantization_config', 'task_specific_params', 'gradient_checkpointing'):
        raw.pop(key, None)
    raw.update(case['configOverrides'])
    model_type = raw.pop('model_type')
    try:
        config = AutoConfig.for_model(model_type, **raw)
    except AttributeError:
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING
        config = CONFIG_MAPPING[model_type](**raw)
    if case['kind'] == KIND_TRAIN:
        config.use_cache = False
    return config


def build_model(gpu: Gpu, case: dict, dtype, impl: str):
    import transformers
    torch = gpu.torch
    config = load_config(case, impl)
    cls = transformers.AutoModelForMaskedLM if case.get('task') == 'masked-lm' else transformers.AutoModelForCausalLM
    torch.manual_seed(0)
    with torch.device(gpu.device):
        try:
            model = cls.from_config(config, dtype=dtype, attn_implementation=impl)
        except TypeError:  # transformers 4.x
            model = cls.from_config(config, torch_dtype=dtype, attn_implementation=impl)
    model.to(device=gpu.device)
    bad = sorted({str(p.dtype) for p in model.parameters() if p.dtype != dtype})
    if bad:
        print(f'  note: parameters not in {dtype}: {bad}', flush=True)
    return model


def build_nf4_model(gpu: Gpu, case: dict):
    """A 4-bit NF4 (double quantization) model as QLoRA loads one: random bf16 weights saved on the host, then
    from_pretrained with BitsAndBytesConfig (bitsandbytes quantizes while loading). Needs bitsandbytes."""
    import tempfile
    import transformers
    torch = gpu.torch
    config = load_config(case, case['attnImplementation'])
    torch.manual_seed(0)
    host = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16,
                                                         attn_implementation=case['attnImplementation'])
    quant = transformers.BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4',
                                            bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
    with tempfile.TemporaryDirectory() as tmp:
        host.save_pretrained(tmp)
        del host
        model = transformers.AutoModelForCausalLM.from_pretrained(
            tmp, quantization_config=quant, dtype=torch.bfloat16, device_map={'': gpu.device.index or 0},
            attn_implementation=case['attnImplementation'])
    return model


def model_facts(model) -> dict:
    seen = set()
    params = 0
    param_bytes = 0
    by_dtype: dict[str, int] = {}
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        params += p.numel()
        param_bytes += p.numel() * p.element_size()
        key = str(p.dtype).replace('torch.', '')
        by_dtype[key] = by_dtype.get(key, 0) + p.numel() * p.element_size()
    buffer_bytes = sum(b.numel() * b.element_size() for b in model.buffers())
    config = getattr(model, 'config', None)
    return {
        'parameterCount': int(params), 'parameterBytes': int(param_bytes), 'parameterBytesByDtype': by_dtype,
        'bufferBytes': int(buffer_bytes),
        'attnImplementationUsed': getattr(config, '_attn_implementation', None),
        'expertsImplementationUsed': getattr(config, '_experts_implementation', None),
        'modelClass': type(model).__name__,
    }


def cache_bytes(cache) -> int | None:
    """Bytes held by the K/V tensors of a transformers cache (DynamicCache in 5.x, tuples in 4.x)."""
    torch_tensors = []

    def walk(obj, depth=0):
        if depth > 4 or obj is None:
            return
        if hasattr(obj, 'data_ptr') and hasattr(obj, 'element_size'):
            torch_tensors.append(obj)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item, depth + 1)
        elif hasattr(obj, 'layers'):
            for layer in obj.layers:
                walk(getattr(layer, 'keys', None), depth + 1)
                walk(getattr(layer, 'values', None), depth + 1)
        elif hasattr(obj, 'key_cache'):
            walk(obj.key_cache, depth + 1)
            walk(obj.value_cache, depth + 1)

    try:
        walk(cache)
        storages = {}
        for t in torch_tensors:
            storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return int(sum(storages.values())) if storages else None
    except Exception:
        return None


class Measure:
    """Peak allocated/reserved over several phases, plus NVML samples."""

    def __init__(self, gpu: Gpu):
        self.gpu = gpu
        self.phases: list[dict] = []
        self.nvml_max = None
        self.nvml_scope = None
        gpu.reset_peak()
        self.start_allocated = gpu.allocated()
        self.start_reserved = gpu.reserved()
        used, scope = gpu.nvml_used()
        self.context = None if used is None else used - self.start_reserved
        self._sample()

    def _sample(self) -> None:
        used, scope = self.gpu.nvml_used()
        if used is not None and (self.nvml_max is None or used > self.nvml_max):
            self.nvml_max, self.nvml_scope = used, scope

    def phase(self, name: str) -> None:
        """Call after a phase ran: records its peak and resets for the next one."""
        self.gpu.torch.cuda.synchronize(self.gpu.device)
        alloc, resv = self.gpu.peak()
        self._sample()
        self.phases.append({'phase': name, 'maxAllocatedBytes': alloc, 'maxReservedBytes': resv,
                            'allocatedAfterBytes': self.gpu.allocated()})
        self.gpu.torch.cuda.reset_peak_memory_stats(self.gpu.device)

    def result(self, baseline: int, weights: int, **extra) -> dict:
        return {
            'maxAllocatedBytes': max(p['maxAllocatedBytes'] for p in self.phases),
            'maxReservedBytes': max(p['maxReservedBytes'] for p in self.phases),
            'nvmlUsedBytes': self.nvml_max,
            'nvmlScope': self.nvml_scope,
            'baselineAllocatedBytes': baseline,
            'weightsBytes': weights,
            'cudaContextBytes': self.context,
            'startAllocatedBytes': self.start_allocated,
            'phases': self.phases,
            **extra,
        }


def sdpa_summary(counts: dict, impl: str) -> dict:
    if impl != 'sdpa':
        return {'sdpaBackends': counts or None, 'attentionFlashLike': False}
    names = {label.split('[')[0] for label in counts}
    return {'sdpaBackends': counts, 'attentionFlashLike': bool(names) and names <= FLASH_LIKE}


# -- inference --

class InferenceGroup:
    """One model (per model, overrides and attention) shared by consecutive inference cases."""

    def __init__(self):
        self.key = None
        self.model = None
        self.baseline = None
        self.weights = None
        self.facts = None
        self.build_error = None

    def release(self, gpu: Gpu) -> None:
        self.model = None
        self.key = None
        gpu.clean()

    def get(self, gpu: Gpu, case: dict):
        if self.key == case['group']:
            if self.build_error:
                raise RuntimeError(f'model build failed earlier: {self.build_error}')
            return self.model
        self.release(gpu)
        self.key = case['group']
        self.build_error = None
        self.baseline = gpu.allocated()
        try:
            t0 = time.time()
            dtype = {'bf16': gpu.torch.bfloat16, 'fp16': gpu.torch.float16}[case['dtype']]
            self.model = build_model(gpu, case, dtype, case['attnImplementation'])
            self.model.eval()
            gpu.torch.cuda.synchronize(gpu.device)
            self.weights = gpu.allocated()
            self.facts = model_facts(self.model)
            print(f'  built {case["group"]} in {time.time() - t0:.1f}s: {self.facts["parameterCount"]:,} params, '
                  f'{self.weights / GIB:.2f} GiB allocated', flush=True)
        except Exception as exc:
            self.build_error = f'{type(exc).__name__}: {exc}'[:500]
            self.model = None
            raise
        return self.model


def run_prefill(gpu: Gpu, group: InferenceGroup, case: dict) -> dict:
    torch = gpu.torch
    model = group.get(gpu, case)
    gpu.clean()
    vocab = int(model.config.vocab_size)
    torch.manual_seed(1)
    ids = torch.randint(0, vocab, (case['users'], case['ctx']), device=gpu.device)
    gpu.take_sdpa_counts()
    m = Measure(gpu)
    with torch.inference_mode():
        out = model(input_ids=ids, use_cache=True, logits_to_keep=case['logitsToKeep'])
    m.phase('prefill')
    kv = cache_bytes(getattr(out, 'past_key_values', None))
    logits_bytes = out.logits.numel() * out.logits.element_size()
    del out, ids
    return m.result(group.baseline, group.weights, kvCacheBytes=kv, logitsBytes=int(logits_bytes),
                    **group.facts, **sdpa_summary(gpu.take_sdpa_counts(), case['attnImplementation']))


def run_decode(gpu: Gpu, group: InferenceGroup, case: dict) -> dict:
    torch = gpu.torch
    model = group.get(gpu, case)
    gpu.clean()
    vocab = int(model.config.vocab_size)
    torch.manual_seed(2)
    ids = torch.randint(0, vocab, (case['users'], case['promptTokens']), device=gpu.device)
    mask = torch.ones_like(ids)
    gpu.take_sdpa_counts()
    m = Measure(gpu)
    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=case['newTokens'],
                             min_new_tokens=case['newTokens'], do_sample=False, use_cache=True,
                             return_dict_in_generate=True, pad_token_id=0)
    m.phase('generate')
    kv = cache_bytes(getattr(out, 'past_key_values', None))
    generated = int(out.sequences.shape[-1])
    del out, ids, mask
    return m.result(group.baseline, group.weights, kvCacheBytes=kv, totalTokens=generated,
                    **group.facts, **sdpa_summary(gpu.take_sdpa_counts(), case['attnImplementation']))


# -- training --

def run_training(gpu: Gpu, case: dict) -> dict:
    torch = gpu.torch
    gpu.clean()
    baseline = gpu.allocated()
    lora = case.get('loraRank')
    precision = case['precision']
    base = case.get('loraBase')
    param_dtype = torch.float32 if base == 'fp32' or (not lora and precision != 'bf16') else torch.bfloat16
    autocast = precision == 'mixed' or (bool(lora) and base != 'fp32')
    if base == 'nf4':
        model = build_nf4_model(gpu, case)
    else:
        model = build_model(gpu, case, param_dtype, case['attnImplementation'])
    model.train()
    if case['gradCheckpointing'] == 'full':
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={'use_reentrant': False})
    if lora:
        from peft import LoraConfig, get_peft_model
        targets = case['loraTargets']
        targets = targets.split(',') if targets != 'all-linear' else 'all-linear'
        lcfg = LoraConfig(r=case['loraRank'], lora_alpha=2 * case['loraRank'], lora_dropout=0.0,
                          target_modules=targets, task_type='CAUSAL_LM')
        model = get_peft_model(model, lcfg)
        model.train()
    torch.cuda.synchronize(gpu.device)
    weights = gpu.allocated()
    facts = model_facts(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    facts['trainableParameterCount'] = int(sum(p.numel() for p in trainable))
    facts['trainableParameterBytes'] = int(sum(p.numel() * p.element_size() for p in trainable))
    optimizer = torch.optim.AdamW(trainable, lr=1e-5)
    facts['optimizerImpl'] = 'torch.optim.AdamW(lr=1e-5, foreach=%s, fused=%s)' % (
        optimizer.defaults.get('foreach'), optimizer.defaults.get('fused'))
    vocab = int(getattr(model.config, 'vocab_size'))
    torch.manual_seed(3)
    ids = torch.randint(0, vocab, (case['batch'], case['ctx']), device=gpu.device)
    gpu.take_sdpa_counts()
    m = Measure(gpu)
    extra = {}
    for step in range(1, case['steps'] + 1):
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=autocast):
            loss = model(input_ids=ids, labels=ids).loss
        m.phase(f'step{step}.forward')
        loss.backward()
        del loss
        m.phase(f'step{step}.backward')
        if step == 1:
            extra['gradBytes'] = int(sum(p.grad.numel() * p.grad.element_size() for p in trainable
                                         if p.grad is not None))
        optimizer.step()
        m.phase(f'step{step}.optimizer')
        optimizer.zero_grad(set_to_none=True)
        m.phase(f'step{step}.zero_grad')
    state_bytes = 0
    for state in optimizer.state.values():
        for value in state.values():
            if hasattr(value, 'element_size') and value.is_cuda:
                state_bytes += value.numel() * value.element_size()
    extra['optimizerStateBytes'] = int(state_bytes)
    result = m.result(baseline, weights, **extra, **facts,
                      **sdpa_summary(gpu.take_sdpa_counts(), case['attnImplementation']))
    del optimizer, trainable, model, ids
    return result


# -- driver --

def measure(args, data: dict, out: Path) -> None:
    t_start = time.time()
    gpu = Gpu()
    data['environment'] = environment(gpu)
    data['environment'].update(warm_up(gpu))
    data['source'] = f'vram scripts/calibrate on {data["environment"]["gpuName"]}'
    try:
        import transformers
        transformers.logging.set_verbosity_error()
    except Exception:
        pass
    env = data['environment']
    print(f'GPU {env["gpuName"]}: {env["torchTotalMemoryBytes"] / GIB:.1f} GiB, driver {env["driverVersion"]}, '
          f'CUDA {env["cudaVersion"]}, torch {env["torchVersion"]}, transformers {env["transformersVersion"]}, '
          f'peft {env["peftVersion"]}; context {env["cudaContextBytesAtStart"]} B', flush=True)
    write_json(out, data)
    group = InferenceGroup()
    use_alarm = hasattr(signal, 'SIGALRM') and args.case_timeout > 0
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
    for index, case in enumerate(data['cases']):
        elapsed = time.time() - t_start
        if args.budget_seconds is not None and elapsed + case['estSeconds'] > args.budget_seconds:
            case['skipped'] = 'budget'
            print(f'[{index + 1}/{len(data["cases"])}] {case["id"]}: skipped (budget, {elapsed:.0f}s used)',
                  flush=True)
            continue
        if case['kind'] == KIND_TRAIN or group.key != case.get('group'):
            group.release(gpu)
        print(f'[{index + 1}/{len(data["cases"])}] {case["id"]} ({elapsed:.0f}s)', flush=True)
        t0 = time.time()
        try:
            if use_alarm:
                limit = max(args.case_timeout, 1.5 * case['estSeconds'])
                if args.budget_seconds is not None:  # never run far past the budget
                    limit = min(limit, max(30.0, args.budget_seconds - elapsed + 45.0))
                signal.setitimer(signal.ITIMER_REAL, limit)
            if case['kind'] == KIND_PREFILL:
                case['measured'] = run_prefill(gpu, group, case)
            elif case['kind'] == KIND_DECODE:
                case['measured'] = run_decode(gpu, group, case)
            else:
                case['measured'] = run_training(gpu, case)
        except BaseException as exc:  # OOM, build errors, CaseTimeout: record and go on
            if isinstance(exc, KeyboardInterrupt):
                raise
            case['error'] = {'type': type(exc).__name__, 'message': str(exc)[:800],
                             'traceback': traceback.format_exc(limit=6)[-2000:]}
            print(f'  ERROR {type(exc).__name__}: {str(exc)[:300]}', flush=True)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        case['seconds'] = round(time.time() - t0, 2)
        if case['error'] and group.build_error:
            gpu.clean()  # keep the failed group's key: its other cases fail fast instead of rebuilding
        elif case['error']:
            group.release(gpu)
        else:
            gpu.take_sdpa_counts()
            gpu.clean()
        m = case['measured']
        if m:
            print(f'  max allocated {m["maxAllocatedBytes"] / GIB:.2f} GiB, reserved {m["maxReservedBytes"] / GIB:.2f} '
                  f'GiB, weights {m["weightsBytes"] / GIB:.2f} GiB, {case["seconds"]:.1f}s', flush=True)
        data['environment']['elapsedSeconds'] = round(time.time() - t_start, 1)
        write_json(out, data)
    group.release(gpu)
    data['environment']['elapsedSeconds'] = round(time.time() - t_start, 1)
    write_json(out, data)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='gpu-calibration.json', help='dataset JSON to write (after every case)')
    p.add_argument('--dry-run', action='store_true', help='build the case list and write it with measured null')
    p.add_argument('--only', action='append', help='keep cases whose id contains this substring (repeatable)')
    p.add_argument('--budget-seconds', type=float, default=None,
                   help='start no case that would end past this many seconds after start (by its estimate)')
    p.add_argument('--case-timeout', type=float, default=150.0,
                   help='abandon one case after this many seconds (at least 1.5 x its estimate)')
    p.add_argument('--override', action='append', metavar='MODEL:FIELD=VALUE',
                   help='config override for every case of MODEL, e.g. qwen2.5-7b:num_hidden_layers=8 (repeatable)')
    p.add_argument('--decode-prompt', type=int, default=128, help='prompt tokens of the decode cases')
    p.add_argument('--list', action='store_true', help='print the case ids and exit')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    cases = build_matrix(args)
    if args.list:
        for c in cases:
            print(c['id'], '|', c['vramCommand'])
        return 0
    out = Path(args.out)
    data = {
        'schemaVersion': SCHEMA_VERSION,
        'source': 'vram scripts/calibrate (dry run)' if args.dry_run else 'vram scripts/calibrate',
        'environment': static_environment(args.dry_run),
        'cases': cases,
    }
    if args.dry_run:
        write_json(out, data)
        print(f'wrote {len(cases)} cases (dry run) to {out}')
        return 0
    try:
        measure(args, data, out)
    finally:
        write_json(out, data)
        print_summary(data['cases'])
    failed = sum(1 for c in data['cases'] if c['error'])
    done = sum(1 for c in data['cases'] if c['measured'])
    print(f'{done} measured, {failed} failed, {len(data["cases"]) - done - failed} not run; wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
