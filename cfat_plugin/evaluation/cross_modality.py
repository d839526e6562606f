"""Ranking metrics with protocol-specific exclusions (visible-infrared ReID).

FastReID's ``evaluate_rank`` leaves out gallery images of the query's own id
and camera. SYSU-MM01's protocol also leaves out, for a camera-3 query,
every gallery image of camera 2 (the visible camera at the same place),
whatever its id. :func:`evaluate_excluding` applies any such
(query, gallery) mask by evaluating each group of queries that share a mask
row on its own gallery with FastReID's code, then pooling: mAP and mINP are
means over valid queries, the CMC is weighted by the valid queries of each
group, exactly as one call would give if FastReID took a mask. :func:`sysu_protocol` and
:func:`regdb_protocol` run the whole test of a data set (modes, shots, trials, directions) for a
method's distance function, with the CMC of the visible-infrared evaluation code
(:func:`distinct_id_cmc`: rank k over the first k distinct identities).
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

import numpy as np
from fastreid.evaluation.rank import evaluate_rank

from ..data.synthetic.layouts import sysu
from ..data.synthetic.layouts.sysu import excluded_pairs

logger = logging.getLogger(__name__)


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


def sysu_excluded(q_camids, g_camids) -> np.ndarray:
    """SYSU-MM01's (query, gallery) pairs left out, for 0-based camera ids (the readers'): camera 2 for
    camera-3 queries. Shared by the metric and the rank-list sheets, so both leave out the same images."""
    return excluded_pairs(np.asarray(q_camids) + 1, np.asarray(g_camids) + 1)


def evaluate_sysu(distmat: np.ndarray, q_pids: np.ndarray, g_pids: np.ndarray, q_camids: np.ndarray,
                  g_camids: np.ndarray, max_rank: int = 20) -> tuple[np.ndarray, float, float]:
    """SYSU-MM01's metric for 0-based camera ids (the readers'): camera 2 left out for camera-3 queries."""
    excluded = sysu_excluded(q_camids, g_camids)
    return evaluate_excluding(distmat, q_pids, g_pids, q_camids, g_camids, excluded, max_rank)


def distinct_id_cmc(distmat: np.ndarray, q_pids: np.ndarray, g_pids: np.ndarray, excluded: np.ndarray,
                    max_rank: int = 20) -> np.ndarray:
    """The CMC of the visible-infrared evaluation code (SYSU-MM01's, used by AGW, DDAG, MCJA): each
    query's ranked gallery ids, ``excluded`` pairs left out, with repeated ids removed in a stable way,
    so rank k counts the first k *distinct* identities. Queries without a match are not counted."""
    order = np.argsort(distmat, axis=1, kind="stable")
    g_pids, kept = np.asarray(g_pids), ~np.asarray(excluded, dtype=bool)  # once, not per query
    first_hits = []
    for q in range(distmat.shape[0]):
        ids = g_pids[order[q]][kept[q][order[q]]]
        _, first = np.unique(ids, return_index=True)
        match = ids[np.sort(first)] == q_pids[q]
        if match.any():
            first_hits.append(int(np.argmax(match)))
    if not first_hits:
        raise ValueError("no query has a true match in its gallery")
    hits = np.asarray(first_hits)
    return np.array([np.mean(hits <= k) for k in range(max_rank)])


# ---- Whole protocols over trials, given a distance function of (query items, gallery items) ----

Items = list  # of (path, pid, camera) tuples
Distance = Callable[[Items, Items], np.ndarray]
DIRECTIONS = ("ir_to_rgb", "rgb_to_ir")


class Cells(dict):
    """A protocol's results, ``cell -> {metric: value}``, with ``notes``: the lines every report of these
    figures must carry (such as where SYSU-MM01's gallery draws came from)."""

    def __init__(self, cells: dict, notes: Sequence[str] = ()) -> None:
        super().__init__(cells)
        self.notes = list(notes)


class _Clock:
    """Seconds spent computing distances and metrics, per direction, for the cost line of a mode."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}

    def run(self, direction: str, distance: Distance, q: Items, g: Items, metrics: Callable[[np.ndarray], dict]):
        start = time.perf_counter()
        dist = distance(q, g)
        middle = time.perf_counter()
        scores = metrics(dist)
        spent = self.spent.setdefault(direction, [0.0, 0.0])
        spent[0] += middle - start
        spent[1] += time.perf_counter() - middle
        return scores

    def line(self, what: str, trials: int) -> str:
        total = sum(sum(v) for v in self.spent.values()) / trials
        parts = ", ".join(f"{d} {dist / trials:.1f} s distances + {met / trials:.1f} s metrics"
                          for d, (dist, met) in self.spent.items())
        return f"{what}: {total:.1f} s per trial ({parts}; {trials} trial{'s' if trials > 1 else ''})"


def _scores(cmc: np.ndarray, mAP: float, mINP: float) -> dict[str, float]:
    return {"rank1": 100.0 * float(cmc[0]), "rank10": 100.0 * float(cmc[min(9, len(cmc) - 1)]),
            "rank20": 100.0 * float(cmc[min(19, len(cmc) - 1)]), "mAP": 100.0 * mAP, "mINP": 100.0 * mINP}


def _mean_scores(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def sysu_protocol(test_items: Items, distance: Distance, modes: Sequence[str] = ("all", "indoor"),
                  shots: Sequence[int] = (1,), trials: int = 10, directions: Sequence[str] = DIRECTIONS,
                  perm: dict | None = None) -> Cells:
    """SYSU-MM01's protocol on every test image ``(path, pid, 1-based camera)``: per mode (all, indoor),
    shots (1 single-shot, 10 multi-shot) and trial 1..``trials``, the trial's gallery draw
    (``split_query_gallery``; the published one with ``perm``, the real set's ``rand_perm_cam.mat``);
    CMC / mAP / mINP (%) averaged over the trials, keyed ``<mode>_<shots>shot_<direction>``; the CMC
    counts distinct identities (:func:`distinct_id_cmc`), mAP and mINP are FastReID's. ``ir_to_rgb`` is
    the published protocol (infrared queries, camera 2 left out for camera-3 queries); ``rgb_to_ir``
    swaps the roles: the trial's visible draw queries every infrared image, camera 3 left out for
    camera-2 queries (this plugin's reading; the published code evaluates infrared queries only).
    ``notes``: where the gallery draws came from (:func:`.sysu.gallery_draws_note`); one cost line per
    mode and shot count goes to the log."""
    unknown = set(directions) - set(DIRECTIONS)
    if unknown:
        raise ValueError(f"unknown directions {sorted(unknown)}; choose from {DIRECTIONS}")
    out = {}
    for mode in modes:
        for n_shots in shots:
            runs: dict[str, list] = {d: [] for d in directions}
            clock = _Clock()
            for trial in range(1, trials + 1):
                infrared, visible = sysu.split_query_gallery(test_items, mode, trial, n_shots, perm)
                for direction in directions:
                    q, g = (infrared, visible) if direction == "ir_to_rgb" else (visible, infrared)
                    runs[direction].append(clock.run(direction, distance, q, g, _sysu_metrics(q, g, direction)))
            logger.info(clock.line(f"SYSU-MM01 {mode}-search {n_shots}-shot", trials))
            for direction, scores in runs.items():
                out[f"{mode}_{n_shots}shot_{direction}"] = _mean_scores(scores)
    return Cells(out, [sysu.gallery_draws_note(perm)])


def _sysu_metrics(q: Items, g: Items, direction: str) -> Callable[[np.ndarray], dict]:
    """The scores of one trial and direction from its distances (camera rule by direction)."""
    q_pids, g_pids = np.array([it[1] for it in q]), np.array([it[1] for it in g])
    q_cams, g_cams = np.array([it[2] for it in q]), np.array([it[2] for it in g])
    excluded = excluded_pairs(q_cams, g_cams) if direction == "ir_to_rgb" else excluded_pairs(g_cams, q_cams).T

    def metrics(dist: np.ndarray) -> dict:
        _, mAP, mINP = evaluate_excluding(dist, q_pids, g_pids, q_cams - 1, g_cams - 1, excluded)
        return _scores(distinct_id_cmc(dist, q_pids, g_pids, excluded), mAP, mINP)
    return metrics


def regdb_protocol(visible: Items, thermal: Items, distance: Distance,
                   directions: Sequence[str] = ("visible_to_thermal", "thermal_to_visible")
                   ) -> Cells:
    """RegDB's test of one trial in both directions: every image of one modality queries every image of
    the other; CMC over distinct identities (:func:`distinct_id_cmc`), FastReID's mAP and mINP, in %.
    Logs what the trial cost (distances, metrics)."""
    out = {}
    clock = _Clock()
    for direction in directions:
        q, g = (visible, thermal) if direction == "visible_to_thermal" else (thermal, visible)
        out[direction] = clock.run(direction, distance, q, g, _regdb_metrics(q, g))
    logger.info(clock.line("RegDB", 1))
    return Cells(out)


def _regdb_metrics(q: Items, g: Items) -> Callable[[np.ndarray], dict]:
    q_pids, g_pids = np.array([it[1] for it in q]), np.array([it[1] for it in g])
    q_cams, g_cams = np.array([it[2] for it in q]), np.array([it[2] for it in g])

    def metrics(dist: np.ndarray) -> dict:
        _, aps, inps = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=20, use_cython=False)
        cmc = distinct_id_cmc(dist, q_pids, g_pids, np.zeros(dist.shape, dtype=bool))
        return _scores(cmc, float(np.mean(aps)), float(np.mean(inps)))
    return metrics
