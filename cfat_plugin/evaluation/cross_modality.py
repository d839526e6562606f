"""Ranking metrics with protocol-specific exclusions (visible-infrared ReID, issue 17).

FastReID's ``evaluate_rank`` leaves out gallery images of the query's own id
and camera. SYSU-MM01's protocol also leaves out, for a camera-3 query,
every gallery image of camera 2 (the visible camera at the same place),
whatever its id. :func:`evaluate_excluding` applies any such
(query, gallery) mask by evaluating each group of queries that share a mask
row on its own gallery with FastReID's code, then pooling: mAP and mINP are
means over valid queries, the CMC is weighted by the valid queries of each
group, exactly as one call would give if FastReID took a mask.
"""
from __future__ import annotations

import numpy as np
from fastreid.evaluation.rank import evaluate_rank

from ..data.synthetic.layouts.sysu import excluded_pairs


def evaluate_excluding(distmat: np.ndarray, q_pids: np.ndarray, g_pids: np.ndarray, q_camids: np.ndarray,
                       g_camids: np.ndarray, excluded: np.ndarray, max_rank: int = 50
                       ) -> tuple[np.ndarray, float, float]:
    """(CMC, mAP, mINP) as FastReID's ``evaluate_rank`` gives them, with ``excluded[q, g]`` pairs left out."""
    distmat, excluded = np.asarray(distmat, dtype=np.float32), np.asarray(excluded, dtype=bool)
    q_pids, g_pids, q_camids, g_camids = (np.asarray(a) for a in (q_pids, g_pids, q_camids, g_camids))
    groups: dict[bytes, list[int]] = {}
    for q in range(distmat.shape[0]):
        groups.setdefault(np.packbits(excluded[q]).tobytes(), []).append(q)
    cmc_sum, aps, inps = 0.0, [], []
    for rows in groups.values():
        keep = ~excluded[rows[0]]
        sub_g = g_pids[keep]
        rows_arr = np.asarray(rows)
        sub_cams = g_camids[keep]
        has_match = [np.any((sub_g == q_pids[q]) & (sub_cams != q_camids[q])) for q in rows]
        if not any(has_match):  # FastReID asserts on a group without any match: they are not valid queries
            continue
        cmc, ap, inp = evaluate_rank(distmat[np.ix_(rows_arr, np.flatnonzero(keep))], q_pids[rows_arr], sub_g,
                                     q_camids[rows_arr], g_camids[keep], max_rank=min(max_rank, int(keep.sum())),
                                     use_cython=False)
        cmc = np.pad(cmc, (0, max_rank - len(cmc)), mode="edge")
        cmc_sum = cmc_sum + cmc * len(ap)
        aps += list(ap)
        inps += list(inp)
    if not aps:
        raise ValueError("no query has a true match in its gallery")
    return cmc_sum / len(aps), float(np.mean(aps)), float(np.mean(inps))


def evaluate_sysu(distmat: np.ndarray, q_pids: np.ndarray, g_pids: np.ndarray, q_camids: np.ndarray,
                  g_camids: np.ndarray, max_rank: int = 20) -> tuple[np.ndarray, float, float]:
    """SYSU-MM01's metric for 0-based camera ids (the readers'): camera 2 left out for camera-3 queries."""
    excluded = excluded_pairs(np.asarray(q_camids) + 1, np.asarray(g_camids) + 1)
    return evaluate_excluding(distmat, q_pids, g_pids, q_camids, g_camids, excluded, max_rank)
