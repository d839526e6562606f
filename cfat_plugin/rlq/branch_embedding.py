"""Per-branch embedding of RLQ: MaxAvg pooling (max and average concatenated) then BatchNorm."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MaxAvgEmbedding(nn.Module):
    """(B, C, H, W) -> (B, 2C): [global max; global average], batch-normalised (published ``MaxAvgPooling`` + BN)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(2 * channels)
        nn.init.ones_(self.bn.weight)
        nn.init.zeros_(self.bn.bias)

    def forward(self, fmap: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([F.adaptive_max_pool2d(fmap, 1), F.adaptive_avg_pool2d(fmap, 1)], dim=1).flatten(1)
        return self.bn(pooled)


def linear_classifier(in_features: int, num_classes: int) -> nn.Linear:
    """A classifier initialised as CAL's (weights N(0, 0.001), zero bias)."""
    layer = nn.Linear(in_features, num_classes)
    nn.init.normal_(layer.weight, std=0.001)
    nn.init.zeros_(layer.bias)
    return layer
