"""Fine-grained Local Feature Refinement (CFFA, ``model/CrossEmbeddingLayer_local.py``; RDE's TSE).

Keep the top-k tokens by the global token's last-layer attention (patches: the CLS row; words: the text
global token's row, start, end and padding excluded), k = floor(N * SELECT_RATIO) with N the patches or
the context length less 2 (57 of 192 patches; 22 of 75 word slots). L2-normalise them, then
Linear(D -> DIM) + MLP(D -> D -> DIM with BatchNorm), and max-pool over the kept tokens. A caption shorter
than k keeps only its words (the published code pools padding there too).
"""
from __future__ import annotations

import math
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn


def select_top_k(tokens: torch.Tensor, scores: torch.Tensor, allowed: torch.Tensor,
                 ratio: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(selected (B, k, D), valid (B, k))``: the k highest-``scores`` tokens among ``allowed``."""
    k = max(1, math.floor(scores.shape[1] * ratio))
    masked = scores.masked_fill(~allowed, float("-inf"))
    top, index = masked.topk(k, dim=1)
    selected = tokens.gather(1, index[..., None].expand(-1, -1, tokens.shape[-1]))
    return selected, torch.isfinite(top)


class FLFRHead(nn.Module):
    """Selected tokens -> Linear + MLP -> max-pool: one local feature of width ``dim``."""

    def __init__(self, width: int, dim: int, ratio: float) -> None:
        super().__init__()
        self.ratio = ratio
        self.fc = nn.Linear(width, dim)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(inplace=True),
                                 nn.Linear(width, dim))

    def forward(self, tokens: torch.Tensor, scores: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        selected, valid = select_top_k(tokens, scores, allowed, self.ratio)
        x = F.normalize(selected, dim=-1)
        b, k, d = x.shape
        x = self.fc(x) + self.mlp(x.reshape(b * k, d)).reshape(b, k, -1)
        return x.masked_fill(~valid[..., None], float("-inf")).max(1).values
