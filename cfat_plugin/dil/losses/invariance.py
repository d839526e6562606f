"""Content invariance loss: ``‖c_a - c_b‖₁``, the content maps of an image and of its synthetic degradation.

The term that makes E_con degradation-invariant: on pixel-aligned synthetic pairs the two contents should
be one. Mean absolute difference over the maps, zero when they agree. Weight
``MODEL.DIL.STAGE1.LOSS.INVARIANCE`` (published w_inv 5).
"""
from __future__ import annotations

import torch


def content_invariance_loss(content_a: torch.Tensor, content_b: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of two content maps."""
    return (content_a - content_b).abs().mean()
