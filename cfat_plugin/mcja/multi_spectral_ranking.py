"""Multi-Spectral Enhanced Ranking (MSER) of MCJA: re-rank against the visible side seen in each band.

At test time the visible images are also embedded as R-only, G-only and B-only 3-channel replicas
(:class:`ChannelReplica` wraps the model). For infrared queries against a visible gallery, the queries
and the four gallery variants are stacked into one set and re-ranked together with k-reciprocal
re-ranking (Zhong et al., CVPR 2017) as the published code runs it:

- distances are squared Euclidean between L2-normalised features;
- neighbour lists are drawn among the *queries* only (the published ``eval_type``: every gallery
  column is set to the largest distance before sorting), so a gallery image is encoded by the queries
  nearest to it, through the local query expansion over ``k2`` neighbours;
- the neighbourhood expansion step is left out (commented out in the published code);
- the query's distances to the four variants of each gallery image are averaged.

Visible queries against an infrared gallery stack the four query variants instead and average over
them. Published parameters: SYSU-MM01 ``k1 40, k2 20, lambda 0.3``; RegDB ``k1 50, k2 10, lambda 0.2``.
Departure: the encodings are float32 (the published code keeps them in float16 to save memory).

FastReID's ``fastreid.evaluation.rerank.re_ranking`` always expands and draws neighbours from the whole
set, so :func:`k_reciprocal_distance` is written out with both optional; with ``expand=True,
query_neighbours_only=False`` it gives FastReID's numbers (tested).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CHANNELS = {"r": 0, "g": 1, "b": 2}
PUBLISHED = {"sysu": (40, 20, 0.3), "regdb": (50, 10, 0.2)}  # k1, k2, lambda


def channel_replica(images: torch.Tensor, channel: int) -> torch.Tensor:
    """(B, 3, H, W) images with every channel replaced by ``channel`` (before normalisation)."""
    return images[:, channel:channel + 1].expand(-1, 3, -1, -1).contiguous()


class ChannelReplica(nn.Module):
    """``model`` applied to the one-channel replica of its input images (``channel`` r, g or b)."""

    def __init__(self, model: nn.Module, channel: str) -> None:
        super().__init__()
        self.model, self.channel = model, CHANNELS[channel]

    def forward(self, batched_inputs):
        if isinstance(batched_inputs, dict):
            batched_inputs = dict(batched_inputs, images=channel_replica(batched_inputs["images"], self.channel))
        else:
            batched_inputs = channel_replica(batched_inputs, self.channel)
        return self.model(batched_inputs)


def _squared_euclidean(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    return torch.cdist(a.double(), b.double()).pow(2).numpy()


def k_reciprocal_distance(dist: np.ndarray, num_query: int, k1: int = 20, k2: int = 6, lambda_value: float = 0.3,
                          expand: bool = False, query_neighbours_only: bool = False) -> np.ndarray:
    """Re-ranked (num_query, n - num_query) distances from ``dist``, the (n, n) distances of the queries
    followed by the gallery. ``expand``: add each k-reciprocal neighbour's own half-size k-reciprocal set
    when it overlaps by more than 2/3; ``query_neighbours_only``: neighbour lists among the queries only."""
    original = np.transpose(dist / np.max(dist, axis=0)).astype(np.float32)
    n = original.shape[0]
    ranking = np.array(dist, dtype=np.float64, copy=True)
    if query_neighbours_only:
        ranking[:, num_query:] = ranking.max()
    rank = np.argsort(ranking, axis=1).astype(np.int32)

    def reciprocal(i: int, k: int) -> np.ndarray:
        forward = rank[i, :k + 1]
        return forward[np.any(rank[forward, :k + 1] == i, axis=1)]

    V = np.zeros_like(original)
    for i in range(n):
        neighbours = reciprocal(i, k1)
        if expand:
            grown = neighbours
            for candidate in neighbours:
                own = reciprocal(candidate, int(np.around(k1 / 2.0)))
                if len(np.intersect1d(own, neighbours)) > 2.0 / 3 * len(own):
                    grown = np.append(grown, own)
            neighbours = grown
        neighbours = np.unique(neighbours)
        if len(neighbours):
            weight = np.exp(-original[i, neighbours])
            V[i, neighbours] = weight / np.sum(weight)
    if k2 != 1:
        V = np.stack([V[rank[i, :k2]].mean(axis=0) for i in range(n)])
    jaccard = np.zeros((num_query, n), dtype=np.float32)
    for i in range(num_query):
        shared = np.minimum(V[i][None, :], V).sum(axis=1)  # sum_k min(V_ik, V_jk), for every j
        jaccard[i] = 1 - shared / (2.0 - shared)
    final = jaccard * (1 - lambda_value) + original[:num_query] * lambda_value
    return final[:, num_query:]


def mser_distance(query_variants: Sequence[torch.Tensor], gallery_variants: Sequence[torch.Tensor], k1: int,
                  k2: int, lambda_value: float) -> np.ndarray:
    """MSER (num_query, num_gallery) distances. One side holds the visible images' variants (original, R,
    G, B), the other one tensor (infrared); all are re-ranked as one stacked set, then averaged over the
    variants (module docstring)."""
    if len(query_variants) != 1 and len(gallery_variants) != 1:
        raise ValueError("MSER varies one side only: the visible one")
    nq, ng = len(query_variants[0]), len(gallery_variants[0])
    feats = F.normalize(torch.cat(list(query_variants) + list(gallery_variants)).float(), dim=1)
    dist = _squared_euclidean(feats, feats)
    num_query = nq * len(query_variants)
    final = k_reciprocal_distance(dist, num_query, k1, k2, lambda_value, expand=False, query_neighbours_only=True)
    if len(gallery_variants) > 1:  # (nq, variants * ng): the variants of each gallery image averaged
        return final.reshape(nq, len(gallery_variants), ng).mean(axis=1)
    return final.reshape(len(query_variants), nq, ng).mean(axis=0)
