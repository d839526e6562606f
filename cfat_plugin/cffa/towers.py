"""What every image and text tower returns, and the registry that builds one by name (``IMAGE_TOWER``,
``TEXT_TOWER``).

An image tower gives the projected tokens (CLS first), the CLS row of its last attention over the patches
and the global feature; a text tower the projected tokens, the global token's attention row, the global
feature and which positions are words (FLFR may select them, IRR mask them).
"""
from __future__ import annotations

from typing import Callable, Dict, NamedTuple

import torch

IMAGE_TOWERS: Dict[str, Callable] = {}
TEXT_TOWERS: Dict[str, Callable] = {}


class ImageOutput(NamedTuple):
    tokens: torch.Tensor  # (B, 1 + N, D): CLS then patches, after the projection
    attention: torch.Tensor  # (B, N): CLS row of the last layer's attention over the patches
    feature: torch.Tensor  # (B, D): the projected CLS token


class TextOutput(NamedTuple):
    tokens: torch.Tensor  # (B, L, D) after the projection
    attention: torch.Tensor  # (B, L): the global token's row of the last layer's attention
    feature: torch.Tensor  # (B, D): the projected global token (CLIP: EOT; MiniLM: CLS)
    words: torch.Tensor  # (B, L) bool: caption tokens, neither start, end nor padding


def register(table: Dict[str, Callable], name: str) -> Callable:
    """Decorator: ``table[name] = builder(cfg)``."""
    def add(builder: Callable) -> Callable:
        table[name] = builder
        return builder
    return add


def build_tower(table: Dict[str, Callable], key: str, cfg) -> torch.nn.Module:
    """The tower named by ``MODEL.CFFA.<key>``; an unknown name is a ValueError listing the valid ones."""
    name = cfg.MODEL.CFFA[key]
    if name not in table:
        raise ValueError(f"MODEL.CFFA.{key}: unknown tower {name!r}; valid: {', '.join(sorted(table))}")
    return table[name](cfg)
