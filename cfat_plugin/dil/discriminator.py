"""The two stage I discriminators: multi-scale patch discriminators (the published ``MsImageDis``).

One scale is a stack of 4x4 stride-2 convolutions (leaky ReLU, widths doubling from
``MODEL.DIL.DIS.WIDTH``, ``MODEL.DIL.DIS.LAYERS`` of them) and a 1x1 convolution to one score per patch;
each further scale sees the image average-pooled by 2 (3x3, stride 2). Both are trained with
least-squares targets (:mod:`.losses.realism`) and a gradient penalty on real inputs.

- **D_real**, the realism discriminator: ``MODEL.DIL.DIS.SCALES`` scales (published 3); real images vs
  generated ones.
- **D_deg**, the degradation discriminator: ``MODEL.DIL.DIS.DEG_SCALES`` scales (published 1 for
  resolution); it scores quality, as a ranking (:mod:`.losses.degradation_rank`) on synthetic pairs and
  with LS-GAN targets (full resolution 1, low resolution 0) on real ones.
"""
from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import ConvBlock


class MultiScaleDiscriminator(nn.Module):
    """``x -> [patch scores per scale]`` for [-1, 1] images."""

    def __init__(self, scales: int = 3, width: int = 64, layers: int = 4) -> None:
        super().__init__()
        self.scales = nn.ModuleList([self._one_scale(width, layers) for _ in range(scales)])

    @staticmethod
    def _one_scale(width: int, layers: int) -> nn.Sequential:
        convs, dim = [ConvBlock(3, width, 4, 2, 1, "none", "lrelu")], width
        for _ in range(layers - 1):
            convs.append(ConvBlock(dim, 2 * dim, 4, 2, 1, "none", "lrelu"))
            dim *= 2
        convs.append(nn.Conv2d(dim, 1, 1))
        return nn.Sequential(*convs)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        outputs = []
        for i, scale in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(scale(x))
        return outputs
