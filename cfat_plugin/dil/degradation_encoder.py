"""E_deg, the degradation encoder: an image's degradation code ``d`` (no normalisation, ReLU).

Published layout: 3x3 convolutions 3->w (stride 2), w->w, w->2w (s2), 2w->4w (s2), then 4w->4w (s2) twice
(five stride-2 convolutions), global average pooling, and one of two 1x1 output heads, ``real`` for real
degradations (the low-resolution camera) and ``synthetic`` for the synthetic ones (``conv3_real`` /
``conv3_sync``): the two kinds share the features but not the code space. w = ``MODEL.DIL.DEG_WIDTH``
(64), the code has ``MODEL.DIL.DEG_DIM`` (128) entries. Inputs in [-1, 1].
"""
from __future__ import annotations

import torch
from torch import nn

from .blocks import ConvBlock

REAL, SYNTHETIC = "real", "synthetic"


class DegradationEncoder(nn.Module):
    """``(x, kind) -> d``: N x 3 x H x W in [-1, 1] to N x ``code_dim``; ``kind`` picks the output head."""

    def __init__(self, width: int = 64, code_dim: int = 128) -> None:
        super().__init__()
        layers = [ConvBlock(3, width, 3, 2, 1), ConvBlock(width, width, 3, 1, 1)]
        dim = width
        for _ in range(2):
            layers.append(ConvBlock(dim, 2 * dim, 3, 2, 1))
            dim *= 2
        layers += [ConvBlock(dim, dim, 3, 2, 1), ConvBlock(dim, dim, 3, 2, 1)]
        self.features = nn.Sequential(*layers)
        self.heads = nn.ModuleDict({REAL: nn.Linear(dim, code_dim), SYNTHETIC: nn.Linear(dim, code_dim)})
        self.code_dim = code_dim

    def forward(self, x: torch.Tensor, kind: str = REAL) -> torch.Tensor:
        return self.heads[kind](self.features(x).mean(dim=(2, 3)))
