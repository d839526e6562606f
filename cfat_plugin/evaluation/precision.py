"""Inference in reduced precision (``TEST.AMP``): autocast around the model, float32 features out.

FastReID's inference loop runs the model as it is. ``inference_model(cfg, model)``
wraps it so that every forward (flip-test included) runs under ``torch.autocast``
and returns float32 features, so FastReID's evaluators compute distances and
ranks in full precision whatever the backbone ran in. On CPUs with native
bfloat16 (AVX512-BF16 / AMX) this, with channels-last images, made the demo's
ResNet-18 extract features 3.8x faster (``benchmarks/bench_precision.py``, docs/mixed-precision.md).
"""
from typing import Optional

import torch
from torch import nn

from ..utils.memory_format import channels_last_enabled
from ..utils.precision import model_device_type, resolve_amp_dtype


class AutocastInference(nn.Module):
    """``model`` on channels-last images, under ``torch.autocast(dtype)`` unless ``dtype`` is None;
    its outputs cast back to float32.

    ``eval()``/``train()`` reach the wrapped model, so FastReID's
    ``inference_context`` handles it like the model itself.
    """

    def __init__(self, model: nn.Module, device_type: str, dtype: Optional[torch.dtype]):
        super().__init__()
        self.model = model
        self.device_type = device_type
        self.dtype = dtype

    def forward(self, batched_inputs):
        with torch.autocast(device_type=self.device_type, dtype=self.dtype or torch.bfloat16,
                            enabled=self.dtype is not None):
            outputs = self.model(channels_last_images(batched_inputs))
        return outputs.float()


def channels_last_images(batched_inputs):
    """The batch with its images in channels-last order (a new dict; the caller's is left as it is).

    oneDNN's bfloat16 convolutions ran 1.5-2x faster on channels-last input here;
    the model's weights keep their layout, so training is unaffected.
    """
    images = batched_inputs.get("images") if isinstance(batched_inputs, dict) else None
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        return batched_inputs
    return {**batched_inputs, "images": images.contiguous(memory_format=torch.channels_last)}


def inference_model(cfg, model: nn.Module) -> nn.Module:
    """The model to run inference with: itself, or wrapped in autocast when ``TEST.AMP.ENABLED``, or fed
    channels-last images in float32 when ``MODEL.CHANNELS_LAST``."""
    amp = cfg.TEST.AMP.ENABLED
    if not amp and not channels_last_enabled(cfg):
        return model
    device_type = model_device_type(model)
    dtype = resolve_amp_dtype(device_type, cfg.TEST.AMP.DTYPE) if amp else None
    return AutocastInference(model, device_type, dtype)
