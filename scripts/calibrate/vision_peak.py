"""Measures the vision encoder's peak on a GPU (issue 9): the towers of LLaVA-1.5 (CLIP ViT-L/14-336,
hidden states kept as LlavaModel asks for them), Gemma 3 (SigLIP 896 px) and Qwen2.5-VL (a 1,024-px
image), random weights in bf16, sdpa attention. For each it prints JSON lines: the tower, the
images, torch.cuda.max_memory_allocated above the weights and inputs during the forward, and the
patches per image. No network: the configs are written here. Usage: python vision_peak.py > out.jsonl
"""
import json
import sys

import torch
import transformers
from transformers import CLIPVisionConfig, CLIPVisionModel, SiglipVisionConfig, SiglipVisionModel

import os

# VISION_DEVICE=cpu runs the builders without a GPU (a smoke test: no peak is measured there).
DEVICE = os.environ.get("VISION_DEVICE", "cuda")
DTYPE = torch.bfloat16


def peak(model, inputs, **kwargs):
    if DEVICE == "cpu":
        with torch.no_grad():
            model(**inputs, **kwargs)
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    with torch.no_grad():
        model(**inputs, **kwargs)
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def clip(images):
    config = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                              num_attention_heads=16, image_size=336, patch_size=14, attn_implementation="sdpa")
    model = CLIPVisionModel(config).to(DEVICE, DTYPE).eval()
    pixels = torch.randn(images, 3, 336, 336, device=DEVICE, dtype=DTYPE)
    return model, {"pixel_values": pixels}, {"output_hidden_states": True}, 577


def siglip(images):
    config = SiglipVisionConfig(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27,
                                num_attention_heads=16, image_size=896, patch_size=14, vision_use_head=False,
                                attn_implementation="sdpa")
    model = SiglipVisionModel(config).to(DEVICE, DTYPE).eval()
    pixels = torch.randn(images, 3, 896, 896, device=DEVICE, dtype=DTYPE)
    return model, {"pixel_values": pixels}, {}, 4096


def qwen25(images):
    from transformers.models.qwen2_5_vl.configuration_qwen2_5_vl import Qwen2_5_VLVisionConfig
    from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import Qwen2_5_VisionTransformerPretrainedModel
    config = Qwen2_5_VLVisionConfig(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16,
                                    out_hidden_size=3584, patch_size=14, spatial_merge_size=2,
                                    temporal_patch_size=2, window_size=112, fullatt_block_indexes=[7, 15, 23, 31])
    config._attn_implementation = "sdpa"
    model = Qwen2_5_VisionTransformerPretrainedModel._from_config(config).to(DEVICE, DTYPE).eval()
    side = 74  # a 1,036-px image: 74 × 74 patches of 14 px
    patches = side * side
    pixels = torch.randn(images * patches, 3 * 2 * 14 * 14, device=DEVICE, dtype=DTYPE)
    grid = torch.tensor([[1, side, side]] * images, device=DEVICE)
    return model, {"hidden_states": pixels, "grid_thw": grid}, {}, patches


def main():
    gpu = torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu (smoke test)"
    info = {"gpu": gpu, "torch": torch.__version__, "transformers": transformers.__version__}
    print(json.dumps({"info": info}), flush=True)
    counts = (1,) if DEVICE == "cpu" else (1, 4)
    for name, build in (("clip-llava-1.5", clip), ("siglip-gemma-3", siglip), ("qwen2.5-vl", qwen25)):
        for images in counts:
            try:
                model, inputs, kwargs, patches = build(images)
                bytes_ = peak(model, inputs, **kwargs)
                print(json.dumps({"tower": name, "images": images, "patches": patches, "peakBytes": bytes_}), flush=True)
                del model, inputs
                torch.cuda.empty_cache()
            except Exception as error:  # noqa: BLE001 - report and go on
                print(json.dumps({"tower": name, "images": images, "error": repr(error)[:300]}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
