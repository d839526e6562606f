"""Channels-last memory order for a model's convolutions (``MODEL.CHANNELS_LAST``).

oneDNN computes convolutions and pooling in channels-last order; a model kept in PyTorch's default
(channels-first) order pays a reorder of every activation on every layer. With the weights in
channels-last order, every convolution's output stays in it, so a ResNet's whole forward and
backward pass runs without those reorders (benchmarks/bench_precision.py: the demo's ResNet-18 in
float32).
"""
import torch
from torch import nn


def channels_last_enabled(cfg) -> bool:
    """Whether ``cfg`` asks for channels-last weights (configs without the key: no)."""
    return bool(cfg.MODEL.get("CHANNELS_LAST", False))


def apply_channels_last(cfg, model: nn.Module) -> nn.Module:
    """``model`` with its 4-d weights in channels-last order when ``MODEL.CHANNELS_LAST``; the same object.

    Parameters keep their identity (an optimizer built afterwards or before sees the same tensors), and a
    teacher kept outside the module tree follows through the model's own ``_apply``.
    """
    if channels_last_enabled(cfg):
        model.to(memory_format=torch.channels_last)
    return model
