"""The CUHK03 single-shot protocol, as the Degradation-Invariant ReID code evaluates MLR-CUHK03, MLR-VIPeR
and CAVIAR (its ``SINGLE_SHOT_DATASETS``).

For each query, gallery images of the query's id in the query's camera are left out. Then, per draw,
one gallery image per identity is kept and the query's rank list runs over those images: its one true
match sits at some rank r among the gallery's ids, so CMC at k is [r <= k] and AP is 1 / r. Both are
averaged over the draws (``TEST.SINGLE_SHOT.DRAWS``, 100 as published) and then over the queries, and
reported as Rank-1/5/10/20 and mAP, what the code's ``test_reid.py`` prints.

Where this differs from the published ``compute_CMC_and_mAP_single_shot`` (``core/reid_eval``):

- The draws come from a generator of their own (``TEST.SINGLE_SHOT.SEED``), not from NumPy's global
  state, so they depend neither on the training seed nor on the features. A draw is a random order of
  the gallery images, and each query keeps, per id, the first image of that order it may see. The code
  draws afresh per query instead. Either way each allowed image of an id is equally likely for a
  query, so the expected scores are the same.
- Ties in distance are broken by gallery order (a stable sort; the code's ``np.argsort`` is not stable).
- Ranks past the number of gallery ids (Rank-20 on a 10-id gallery) count as found, where the code's
  CMC has no entry.
- A query whose id has no gallery image in another camera stops the evaluation, and the error names
  the ids (the code asserts without naming them).

FastReID's own ``evaluate_rank(..., use_metric_cuhk03=True)`` draws 10 times from NumPy's global state
and its ``ReidEvaluator`` never asks for it, hence this module.

:class:`SingleShotEvaluator` is the FastReID evaluator the trainer builds for a data set whose reader
sets ``test_protocol = "single_shot"``.
"""
from __future__ import annotations

import copy
import logging
from collections import OrderedDict

import numpy as np
from fastreid.utils.compute_dist import build_dist

from ..utils.errors import QueryWithoutMatchError
from .features import FeatureCollector

logger = logging.getLogger(__name__)

RANKS = (1, 5, 10, 20)  # the ranks the code prints
PROTOCOL = "single_shot"  # a reader's ``test_protocol`` that asks for this evaluation


def asks_for_single_shot(dataset_name: str) -> bool:
    """Whether the registered data set ``dataset_name`` asks for the single-shot protocol."""
    from fastreid.data.datasets import DATASET_REGISTRY

    reader = DATASET_REGISTRY._obj_map.get(dataset_name)
    return getattr(reader, "test_protocol", None) == PROTOCOL


def _allowed_matches(q_pids, g_pids, q_camids, g_camids, dataset: str) -> np.ndarray:
    """(queries x k) gallery indices of each query's id in another camera, padded with -1; the named
    error if a query has none."""
    allowed = (g_pids[None, :] == q_pids[:, None]) & (g_camids[None, :] != q_camids[:, None])
    counts = allowed.sum(axis=1)
    if not counts.all():
        missing = sorted({int(p) for p in q_pids[counts == 0]})
        shown = ", ".join(map(str, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise QueryWithoutMatchError(
            f"single-shot evaluation{f' of {dataset}' if dataset else ''}: query id{'s' if len(missing) > 1 else ''} "
            f"{shown} ha{'ve' if len(missing) > 1 else 's'} no gallery image in another camera; the protocol "
            f"ranks each query's id among one gallery image per id, so the gallery must hold every query id")
    rows, cols = np.nonzero(allowed)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    padded = np.full((len(q_pids), counts.max()), -1)
    padded[rows, slot] = cols
    return padded


def evaluate_single_shot(distmat, q_pids, g_pids, q_camids, g_camids, draws: int = 100, seed: int = 0,
                         dataset: str = "") -> "OrderedDict[str, float]":
    """Rank-1/5/10/20 and mAP (%) of a query x gallery distance matrix under the single-shot protocol
    (module docstring), averaged over ``draws`` gallery draws seeded with ``seed``.

    Raises :class:`QueryWithoutMatchError` naming the query ids without a gallery image in another camera.
    """
    dist = np.asarray(distmat, dtype=np.float64)
    q_pids, g_pids, q_camids, g_camids = (np.asarray(a) for a in (q_pids, g_pids, q_camids, g_camids))
    candidates = _allowed_matches(q_pids, g_pids, q_camids, g_camids, dataset)
    ids, id_of_image = np.unique(g_pids, return_inverse=True)
    own_id = np.searchsorted(ids, q_pids)  # present: every query has a match
    queries = np.arange(len(q_pids))
    rng = np.random.default_rng(seed)
    found, inverse_ranks = np.zeros(len(RANKS)), 0.0
    for _ in range(draws):
        order = rng.random(len(g_pids))  # this draw's random order of the gallery images
        by_id = np.lexsort((order, id_of_image))
        kept = by_id[np.r_[0, np.flatnonzero(np.diff(id_of_image[by_id])) + 1]]  # per id, its first image
        match = candidates[queries, np.where(candidates >= 0, order[candidates], np.inf).argmin(axis=1)]
        d_kept, d_match = dist[:, kept], dist[queries, match][:, None]
        ahead = (d_kept < d_match) | ((d_kept == d_match) & (kept[None, :] < match[:, None]))
        ahead[queries, own_id] = False  # the query's own id is its match, drawn among the allowed images
        rank = 1 + ahead.sum(axis=1)
        found += [(rank <= k).sum() for k in RANKS]
        inverse_ranks += (1.0 / rank).sum()
    total = draws * len(q_pids)
    scores = OrderedDict((f"Rank-{k}", float(100.0 * hits / total)) for k, hits in zip(RANKS, found))
    scores["mAP"] = float(100.0 * inverse_ranks / total)
    return scores


def published_line(scores: dict) -> str:
    """The scores as the code's ``test_reid.py`` prints them (one decimal, in %)."""
    return "  ".join([f"Rank@{k}={scores[f'Rank-{k}']:.1f}" for k in RANKS] + [f"mAP={scores['mAP']:.1f}"])


class SingleShotEvaluator(FeatureCollector):
    """FastReID evaluator of the single-shot protocol: features gathered from every process, distances
    by ``TEST.METRIC`` (AQE and re-ranking are not applied), draws from ``TEST.SINGLE_SHOT``; results
    Rank-1/5/10/20, mAP and ``metric`` ((mAP + Rank-1) / 2, FastReID's), in %."""

    def __init__(self, cfg, num_query: int, dataset_name: str = "") -> None:
        self.cfg, self._num_query, self._dataset_name = cfg, num_query, dataset_name
        self.reset()

    def evaluate(self):
        features = super().evaluate()
        if features is None:  # not the main process
            return {}
        return copy.deepcopy(self.score(features))

    def score(self, features, label: str = "") -> "OrderedDict[str, float]":
        """The protocol's scores of gathered ``features`` (queries first), logged with ``label`` after the
        data set's name; ``metric`` added."""
        cfg, n = self.cfg, self._num_query
        if cfg.TEST.AQE.ENABLED or cfg.TEST.RERANK.ENABLED:
            logger.warning("single-shot evaluation: TEST.AQE / TEST.RERANK are not applied")
        dist = build_dist(features.feats[:n], features.feats[n:], cfg.TEST.METRIC)
        pids, camids = features.pids.numpy(), features.camids.numpy()
        draws, seed = cfg.TEST.SINGLE_SHOT.DRAWS, cfg.TEST.SINGLE_SHOT.SEED
        results = evaluate_single_shot(dist, pids[:n], pids[n:], camids[:n], camids[n:], draws, seed,
                                       self._dataset_name)
        logger.info("%s%s single-shot (%d draws, seed %d): %s", self._dataset_name, label, draws, seed,
                    published_line(results))
        results["metric"] = (results["mAP"] + results["Rank-1"]) / 2
        return results


def check_queries_have_matches(query, gallery, dataset: str = "") -> None:
    """Raise :class:`QueryWithoutMatchError` naming the query ids of ``query`` ((path, pid, camid) items)
    without a ``gallery`` image in another camera: a run checks it before training, not at its test."""
    q_pids, q_cams = np.array([i[1] for i in query]), np.array([i[2] for i in query])
    g_pids, g_cams = np.array([i[1] for i in gallery]), np.array([i[2] for i in gallery])
    if len(q_pids):
        _allowed_matches(q_pids, g_pids, q_cams, g_cams, dataset)
