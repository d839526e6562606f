"""CLIP's residual attention block, changed (as CFFA's) to return its head-averaged attention map.

FLFR ranks patches and words by the last layer's attention, so every tower is built from these blocks and
asks only the last one for its map. Parameter names follow OpenAI CLIP's so its state dict loads as is.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Tuple

import torch
from torch import nn


class QuickGELU(nn.Module):
    """CLIP's sigmoid approximation of GELU (its weights were trained with it)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    """Pre-LN self-attention + MLP; ``forward`` returns ``(x, attention)`` (attention None unless asked)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(width, width * 4)), ("gelu", QuickGELU()),
                                              ("c_proj", nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None, need_weights: bool = False,
                key_padding_mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        y = self.ln_1(x)
        out, weights = self.attn(y, y, y, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                 need_weights=need_weights, average_attn_weights=True)
        x = x + out
        return x + self.mlp(self.ln_2(x)), weights


class Transformer(nn.Module):
    """A stack of blocks; returns the tokens and the last block's attention ``(B, N, N)``."""

    def __init__(self, width: int, layers: int, heads: int) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList(ResidualAttentionBlock(width, heads) for _ in range(layers))

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None,
                key_padding_mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        weights = None
        for i, block in enumerate(self.resblocks):
            x, weights = block(x, attn_mask, i == len(self.resblocks) - 1, key_padding_mask)
        return x, weights
