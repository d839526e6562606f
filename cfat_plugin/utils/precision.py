"""Which autocast dtype a device gets, and where a model lives (training and evaluation share them)."""
import torch


def resolve_amp_dtype(device_type: str, requested: str = "auto") -> torch.dtype:
    """The autocast dtype for a device: fp16 needs CUDA; bf16 works on both."""
    if requested == "auto":
        return torch.float16 if device_type == "cuda" else torch.bfloat16
    dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(requested)
    if dtype is None:
        raise ValueError(f"SOLVER.AMP.DTYPE must be auto, float16 or bfloat16, got {requested!r}")
    if dtype is torch.float16 and device_type != "cuda":
        raise ValueError("SOLVER.AMP.DTYPE float16 needs a CUDA device; use bfloat16 on CPU")
    return dtype


def model_device_type(model: torch.nn.Module) -> str:
    """``cpu`` or ``cuda``: where the model's first tensor lives."""
    module = getattr(model, "module", model)
    for tensor in list(module.parameters()) + list(module.buffers()):
        return tensor.device.type
    return "cpu"
