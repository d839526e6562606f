"""Degradation ranking loss: the degradation discriminator D_deg orders images by quality with a margin.

Scores are D_deg's patch outputs averaged over positions (one per image, summed over scales); a higher
score means less degraded. ``MarginRankingLoss(margin)`` with target +1, as published:

    L = mean(max(0, margin - (s(x_better) - s(x_worse))))

zero once every better image scores at least ``margin`` above its worse partner
(``MODEL.DIL.STAGE1.RANK_MARGIN``, 1). D step (synthetic pairs): x_a above deg(x_a). G step: the swapped
image with the clean code (x_ba) above the one with the degraded code (x_ab). Weight:
``MODEL.DIL.STAGE1.LOSS.DEGRADATION`` (shared with the real step's LS-GAN form, :func:`~.realism.lsgan_loss`).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def quality_score(outputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """One score per image: each scale's patch scores averaged, summed over scales."""
    return sum(out.flatten(1).mean(dim=1) for out in outputs)


def degradation_rank_loss(better: Sequence[torch.Tensor], worse: Sequence[torch.Tensor],
                          margin: float = 1.0) -> torch.Tensor:
    """Margin ranking of D_deg's scores: ``better`` images should score ``margin`` above ``worse`` ones."""
    s_better, s_worse = quality_score(better), quality_score(worse)
    return F.margin_ranking_loss(s_better, s_worse, torch.ones_like(s_better), margin=margin)
