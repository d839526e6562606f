"""Image reconstruction losses (L1), the generator's pixel terms.

- **Self-reconstruction** (``MODEL.DIL.STAGE1.LOSS.SELF_RECONSTRUCTION``, 10): ``‖G(c_a, d_a) - x_a‖₁ +
  ‖G(c_b, d_b) - x_b‖₁``, each image from its own content and degradation.
- **Reconstruction** (``MODEL.DIL.STAGE1.LOSS.RECONSTRUCTION``, 10): on synthetic (pixel-aligned) pairs the
  swapped images against their targets, ``‖x_ab - x_b‖₁ + ‖x_ba - x_a‖₁``; on real (unpaired) pairs the
  cycle, ``‖G(c(x_ab), d(x_ba)) - x_a‖₁ + ‖G(c(x_ba), d(x_ab)) - x_b‖₁``.

Each term is the mean absolute difference over pixels, zero for a perfect reconstruction.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch


def reconstruction_loss(pairs: Sequence[Tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """``Σ mean|x - target|`` over (image, target) pairs."""
    return sum((image - target).abs().mean() for image, target in pairs)
