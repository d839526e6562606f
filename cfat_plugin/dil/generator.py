"""G, the decoder: a MUNIT-style AdaIN generator, ``G(c, d)``: content map and degradation code to an image.

Published layout (``AdaINGen``'s decoder): residual blocks at the content width whose instance norms take
their per-channel scale and shift from the degradation code (``MODEL.DIL.GEN.RES_BLOCKS`` blocks, two
AdaIN layers each; every AdaIN layer has its own MLP ``code -> MODEL.DIL.GEN.MLP_DIM -> 2 x width``, the
published "8 MLPs (128 -> 512 -> 256)"), then two x2 up-samplings (nearest, 5x5 conv, LayerNorm, ReLU)
that halve the width, and a 7x7 convolution to RGB with tanh: the content map is at 1/4 of the image, so
the output is at the input's size, in [-1, 1]. The scale is ``1 + mlp(d)``, so a zero code leaves the
normalised features as they are.
"""
from __future__ import annotations

import torch
from torch import nn

from .blocks import AdaptiveInstanceNorm, ConvBlock, ResBlock


class AdaINGenerator(nn.Module):
    """``(c, d) -> image``; see the module docstring."""

    def __init__(self, content_dim: int = 128, code_dim: int = 128, res_blocks: int = 4, mlp_dim: int = 512,
                 upsamples: int = 2) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[ResBlock(content_dim, "adain") for _ in range(res_blocks)])
        self.adain = [m for m in self.blocks.modules() if isinstance(m, AdaptiveInstanceNorm)]
        self.mlps = nn.ModuleList([
            nn.Sequential(nn.Linear(code_dim, mlp_dim), nn.ReLU(inplace=True), nn.Linear(mlp_dim, 2 * m.channels))
            for m in self.adain])
        up, dim = [], content_dim
        for _ in range(upsamples):
            up += [nn.Upsample(scale_factor=2, mode="nearest"), ConvBlock(dim, dim // 2, 5, 1, 2, "ln", "relu")]
            dim //= 2
        self.upsample = nn.Sequential(*up)
        self.to_rgb = ConvBlock(dim, 3, 7, 1, 3, "none", "tanh")

    def forward(self, content: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        if content.shape[0] != code.shape[0]:
            raise ValueError(f"{content.shape[0]} content maps but {code.shape[0]} degradation codes")
        for norm, mlp in zip(self.adain, self.mlps):
            scale, shift = mlp(code).chunk(2, dim=1)
            norm.weight, norm.bias = 1.0 + scale, shift
        return self.to_rgb(self.upsample(self.blocks(content)))
