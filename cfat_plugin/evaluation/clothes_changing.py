"""The clothes-changing evaluation protocol (LTCC, PRCC), beside the standard one.

What a gallery image of the query's identity counts as depends on the setting:

- ``standard``: junk if it is from the query's camera (Market-1501's rule);
- ``clothes_changing``: junk if from the query's camera OR in the query's
  clothes, so only a changed-clothes match in another camera counts (LTCC's
  and PRCC's cloth-changing setting);
- ``same_clothes``: junk if from the query's camera OR in other clothes
  (PRCC's same-clothes setting).

Images of other identities always count. A query left without a true match
is skipped, as FastReID's ranking does. :class:`ClothesEvaluator` is
FastReID's ``ReidEvaluator`` that also collects each sample's ``clothes``
(:mod:`cfat_plugin.data.clothes`) and reports the three settings.
"""
from __future__ import annotations

import copy
import logging
from collections import OrderedDict

import numpy as np
import torch
from fastreid.evaluation import ReidEvaluator
from fastreid.utils.compute_dist import build_dist

logger = logging.getLogger(__name__)

SETTINGS = ("standard", "clothes_changing", "same_clothes")
PREFIX = {"standard": "", "clothes_changing": "cc_", "same_clothes": "sc_"}


def junk_mask(q_pid, q_camid, q_clothes, g_pids: np.ndarray, g_camids: np.ndarray, g_clothes: np.ndarray,
              setting: str) -> np.ndarray:
    """Gallery images not counted for one query, in ``setting`` (see the module docstring)."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}; choose one of {SETTINGS}")
    same_id = g_pids == q_pid
    rule = g_camids == q_camid
    if setting == "clothes_changing":
        rule = rule | (g_clothes == q_clothes)
    elif setting == "same_clothes":
        rule = rule | (g_clothes != q_clothes)
    return same_id & rule


def evaluate_clothes(distmat: np.ndarray, q_pids, g_pids, q_camids, g_camids, q_clothes, g_clothes,
                     setting: str = "clothes_changing") -> dict:
    """CMC (array over ranks, fraction), mAP (fraction) and the number of queries
    with a true match (``num_valid``) of a query x gallery distance matrix."""
    distmat = np.asarray(distmat, dtype=np.float64)
    g_pids, g_camids, g_clothes = (np.asarray(a) for a in (g_pids, g_camids, g_clothes))
    num_g = distmat.shape[1]
    cmc_sum, aps = np.zeros(num_g), []
    for i, order in enumerate(np.argsort(distmat, axis=1, kind="stable")):
        junk = junk_mask(q_pids[i], q_camids[i], q_clothes[i], g_pids, g_camids, g_clothes, setting)[order]
        matches = (g_pids[order] == q_pids[i])[~junk]
        if not matches.any():
            continue
        hits = np.cumsum(matches)
        cmc = np.minimum(hits, 1)
        cmc_sum[: len(cmc)] += cmc
        cmc_sum[len(cmc):] += 1  # ranks past the kept list: the match was already found
        precision = hits / np.arange(1, len(matches) + 1)
        aps.append(float((precision * matches).sum() / matches.sum()))
    if not aps:
        raise RuntimeError(f"no query has a true match in the {setting} setting")
    return {"cmc": cmc_sum / len(aps), "mAP": float(np.mean(aps)), "num_valid": len(aps)}


class ClothesEvaluator(ReidEvaluator):
    """``ReidEvaluator`` over batches that hold ``clothes``; reports Rank-1/5/10 and
    mAP (in %) of each setting, prefixed ``cc_`` (clothes-changing) and ``sc_``
    (same clothes); ``metric`` stays the standard one. Single process; no AQE/rerank."""

    def process(self, inputs, outputs):
        super().process(inputs, outputs)
        self._predictions[-1]["clothes"] = torch.as_tensor(inputs["clothes"]).cpu()

    def evaluate(self):
        preds = self._predictions
        feats = torch.cat([p["feats"] for p in preds])
        pids, camids, clothes = (torch.cat([p[k] for p in preds]).numpy() for k in ("pids", "camids", "clothes"))
        n = self._num_query
        dist = build_dist(feats[:n], feats[n:], self.cfg.TEST.METRIC)
        results = OrderedDict()
        for setting in SETTINGS:
            try:
                out = evaluate_clothes(dist, pids[:n], pids[n:], camids[:n], camids[n:], clothes[:n], clothes[n:],
                                       setting)
            except RuntimeError as err:  # e.g. PRCC's same-clothes query alone has no changed-clothes match
                logger.warning("%s", err)
                continue
            p = PREFIX[setting]
            for r in (1, 5, 10):
                results[f"{p}Rank-{r}"] = float(out["cmc"][min(r, len(out["cmc"])) - 1]) * 100
            results[f"{p}mAP"] = out["mAP"] * 100
            results[f"{p}num_query"] = out["num_valid"]
        if "mAP" in results:
            results["metric"] = (results["mAP"] + results["Rank-1"]) / 2
        self._results = results
        return copy.deepcopy(results)


def run_clothes_evaluation(cfg, model) -> dict[str, dict]:
    """:class:`ClothesEvaluator` results of ``model`` on each of ``cfg.DATASETS.TESTS``
    (each must name PRCC or LTCC images), through FastReID's ``inference_on_dataset``."""
    from fastreid.evaluation import inference_on_dataset

    from ..data.clothes import build_clothes_test_loader

    results = {}
    for name in cfg.DATASETS.TESTS:
        loader, num_query = build_clothes_test_loader(cfg, name)
        evaluator = ClothesEvaluator(cfg, num_query)
        results[name] = inference_on_dataset(model, loader, evaluator, flip_test=cfg.TEST.FLIP.ENABLED)
    return results
