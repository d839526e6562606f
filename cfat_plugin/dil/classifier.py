"""The identity classifier of every DIL branch: the published ``ClassBlock`` role.

Linear to a bottleneck (512), BatchNorm, dropout 0.5, then the class layer. The bottleneck output (after
BatchNorm, before dropout) is the branch's test feature, as the code's ``classifier.add_block`` is.
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import nn


class ClassBlock(nn.Module):
    """``feature -> (logits, bottleneck)``."""

    def __init__(self, in_dim: int, num_classes: int, bottleneck: int = 512, dropout: float = 0.5) -> None:
        super().__init__()
        self.bottleneck = nn.Sequential(nn.Linear(in_dim, bottleneck), nn.BatchNorm1d(bottleneck))
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(bottleneck, num_classes)
        nn.init.kaiming_normal_(self.bottleneck[0].weight, a=0, mode="fan_out")
        nn.init.zeros_(self.bottleneck[0].bias)
        nn.init.normal_(self.classifier.weight, std=0.001)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, feature: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        embedding = self.bottleneck(feature)
        return self.classifier(self.dropout(embedding)), embedding
