"""Batch-hard triplet loss on cosine distance (CAL's and RLQ's ``TripletLoss``), on f2.

The distance is 1 − cos (in [0, 2]), as published; FastReID's ``triplet_loss`` with normalised
features uses 2 − 2 cos, which would double the published margin's scale.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

MARGIN = 0.3  # published


def cosine_triplet(features: torch.Tensor, targets: torch.Tensor, margin: float = MARGIN) -> torch.Tensor:
    """mean over anchors of max(0, d(a, hardest positive) − d(a, hardest negative) + margin), d = 1 − cos."""
    x = F.normalize(features, dim=1)
    dist = 1 - x @ x.t()
    same = targets.view(-1, 1) == targets.view(1, -1)
    hardest_pos = dist.masked_fill(~same, float("-inf")).max(dim=1).values
    hardest_neg = dist.masked_fill(same, float("inf")).min(dim=1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()
