"""Multi-Spectral Enhanced Ranking (MSER) of MCJA: re-rank against the visible side seen in each band.

At test time the visible images are also embedded as R-only, G-only and B-only 3-channel replicas
(:class:`ChannelReplica` wraps the model). For infrared queries against a visible gallery, the queries
and the four gallery variants are stacked into one set and re-ranked together with k-reciprocal
re-ranking (Zhong et al., CVPR 2017) as the published code runs it:

- distances are squared Euclidean between L2-normalised features;
- the set neighbour lists are drawn from is the protocol's (``PROTOCOL_NEIGHBOURS``): SYSU-MM01's
  published call draws them among the *queries* only (its ``eval_type``: every gallery column set to
  the largest distance before sorting), so a gallery image is encoded by the queries nearest to it,
  through the local query expansion over ``k2`` neighbours; RegDB's call (``eval_type=False``) draws
  them from the whole stacked set;
- the neighbourhood expansion step is left out (commented out in the published code);
- the query's distances to the four variants of each gallery image are averaged.

Visible queries against an infrared gallery stack the four query variants instead and average over
them. Published parameters: SYSU-MM01 ``k1 40, k2 20, lambda 0.3``; RegDB ``k1 50, k2 10, lambda 0.2``.
The re-ranking itself works on top-k neighbour lists and sparse encodings (:mod:`.k_reciprocal`), as
the published code's inverted index does, so a SYSU-MM01 trial takes seconds, not minutes.
Departures: the encodings are float32 (the published code keeps them in float16 to save memory);
neighbour ties are broken by index order.

FastReID's ``fastreid.evaluation.rerank.re_ranking`` always expands and draws neighbours from the whole
set, so :func:`.k_reciprocal.k_reciprocal_rerank` is written out with both optional; with
``expand=True, query_neighbours_only=False`` it gives FastReID's numbers (tested).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .k_reciprocal import k_reciprocal_rerank

CHANNELS = {"r": 0, "g": 1, "b": 2}
PUBLISHED = {"sysu": (40, 20, 0.3), "regdb": (50, 10, 0.2)}  # k1, k2, lambda
# Where neighbour lists are drawn from: "queries" (the published SYSU-MM01 call) or "all", the whole
# stacked set (the published RegDB call, ``eval_type=False``).
NEIGHBOURS = ("queries", "all")
PROTOCOL_NEIGHBOURS = {"sysu": "queries", "regdb": "all"}


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


def mser_distance(query_variants: Sequence[torch.Tensor], gallery_variants: Sequence[torch.Tensor], k1: int,
                  k2: int, lambda_value: float, neighbours: str = "queries") -> np.ndarray:
    """MSER (num_query, num_gallery) distances. One side holds the visible images' variants (original, R,
    G, B), the other one tensor (infrared); all are re-ranked as one stacked set, then averaged over the
    variants (module docstring). ``neighbours``: the set neighbour lists are drawn from (``NEIGHBOURS``)."""
    if neighbours not in NEIGHBOURS:
        raise ValueError(f"MSER neighbours {neighbours!r}; choose one of {NEIGHBOURS}")
    if len(query_variants) != 1 and len(gallery_variants) != 1:
        raise ValueError("MSER varies one side only: the visible one")
    nq, ng = len(query_variants[0]), len(gallery_variants[0])
    feats = F.normalize(torch.cat(list(query_variants) + list(gallery_variants)).float(), dim=1)
    num_query = nq * len(query_variants)
    final = k_reciprocal_rerank(feats, num_query, k1, k2, lambda_value, query_neighbours_only=neighbours == "queries")
    if len(gallery_variants) > 1:  # (nq, variants * ng): the variants of each gallery image averaged
        return final.reshape(nq, len(gallery_variants), ng).mean(axis=1)
    return final.reshape(len(query_variants), nq, ng).mean(axis=0)
