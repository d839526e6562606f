"""The dense k-reciprocal re-ranking: the reference the sparse one (:mod:`.k_reciprocal`) is tested against.

Every query is compared with every image over all ``n`` columns (queries x n^2 operations), so it is
only for small sets: ``tests/test_mcja_mser.py`` checks the sparse form equals it and
``benchmarks/bench_mser.py`` times both. Evaluation never uses it.
"""
from __future__ import annotations

import numpy as np
import torch


def squared_euclidean(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """(len(a), len(b)) squared Euclidean distances, in float64."""
    return torch.cdist(a.double(), b.double()).pow(2).numpy()


def k_reciprocal_dense(dist: np.ndarray, num_query: int, k1: int = 20, k2: int = 6, lambda_value: float = 0.3,
                       expand: bool = False, query_neighbours_only: bool = False) -> np.ndarray:
    """Re-ranked (num_query, n - num_query) distances from ``dist``, the (n, n) distances of the queries
    followed by the gallery. ``expand``: add each k-reciprocal neighbour's own half-size k-reciprocal set
    when it overlaps by more than 2/3; ``query_neighbours_only``: neighbour lists among the queries only
    (every gallery column set to the largest distance before a stable sort)."""
    original = np.transpose(dist / np.max(dist, axis=0)).astype(np.float32)
    n = original.shape[0]
    ranking = np.array(dist, dtype=np.float64, copy=True)
    if query_neighbours_only:
        ranking[:, num_query:] = ranking.max()
    rank = np.argsort(ranking, axis=1, kind="stable").astype(np.int32)

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
