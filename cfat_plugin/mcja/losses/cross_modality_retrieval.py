"""The cross-modality retrieval (CMR) loss of MCJA: rank the other modality as a retrieval would.

For each modality, the batch's images of that modality are queries and the batch's images of the
other modality their gallery. Distances ``(1 - cos) / 2``; each query's distances get soft ranks
(l2, strength 0.5 as published); the target rank is 1 for a gallery image of the query's identity
and ``|G|`` for any other; the loss is the L1 distance between the two, averaged over the kept
queries' entries, then over the modalities that have any. A query without a positive in the other
modality, or whose gallery holds only positives, has no ranking to learn and is dropped.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..soft_rank import soft_rank


def _one_direction(query: torch.Tensor, q_ids: torch.Tensor, gallery: torch.Tensor, g_ids: torch.Tensor,
                   strength: float, backend: str) -> torch.Tensor | None:
    """Mean |soft rank - target rank| of ``query`` against ``gallery``; None when no query is usable."""
    same = q_ids.view(-1, 1) == g_ids.view(1, -1)
    positives = same.sum(dim=1)
    keep = (positives > 0) & (positives < g_ids.numel())
    if not bool(keep.any()):
        return None
    q, same = F.normalize(query[keep], dim=1), same[keep]
    dist = (1.0 - q @ F.normalize(gallery, dim=1).t()) / 2.0
    ranks = soft_rank(dist, strength, backend)
    target = torch.where(same, torch.ones_like(ranks), torch.full_like(ranks, float(g_ids.numel())))
    return F.l1_loss(ranks, target)


def cross_modality_retrieval_loss(features: torch.Tensor, targets: torch.Tensor, modalities: torch.Tensor,
                                  strength: float = 0.5, backend: str = "auto") -> torch.Tensor:
    """L_CMR of a batch: ``features`` (B, D) embeddings, ``targets`` (B,) identities, ``modalities``
    (B,) 0 visible / 1 infrared. Zero (with a graph) when no modality has a usable query."""
    features = features.float()
    terms = []
    for m in (0, 1):
        is_q = modalities == m
        if not bool(is_q.any()) or bool(is_q.all()):
            continue
        term = _one_direction(features[is_q], targets[is_q], features[~is_q], targets[~is_q], strength, backend)
        if term is not None:
            terms.append(term)
    if not terms:
        return features.sum() * 0.0
    return torch.stack(terms).mean()
