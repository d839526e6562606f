"""RLQ's evaluation: the clothes-changing protocol on high-quality and on low-quality queries.

Both go through :class:`~cfat_plugin.evaluation.clothes_changing.ClothesEvaluator` (standard,
clothes-changing and same-clothes settings); the low-quality queries are the same queries under
the published mixture (``MODEL.RLQ.LQ_TEST``), drawn with a fixed seed so every model sees the same
images, against the clean gallery. Keys of the low-quality results get the prefix ``lq_``.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from fastreid.evaluation import inference_on_dataset

from ..data.clothes import build_clothes_test_loader
from ..evaluation.clothes_changing import ClothesEvaluator
from .data import build_lq_query_test_loader

LQ_PREFIX = "lq_"
SUMMARY = ("mAP", "Rank-1", "sc_mAP", "sc_Rank-1", "cc_mAP", "cc_Rank-1")

logger = logging.getLogger(__name__)


def _evaluate(cfg, model, loader, num_query) -> dict:
    return inference_on_dataset(model, loader, ClothesEvaluator(cfg, num_query), flip_test=cfg.TEST.FLIP.ENABLED)


def run_rlq_evaluation(cfg, model) -> "OrderedDict[str, dict]":
    """Per test set: the HQ-query scores (``mAP``, ``cc_mAP``, ``sc_Rank-1``...) and, with
    ``MODEL.RLQ.LQ_TEST.ENABLED``, the LQ-query scores beside them as ``lq_mAP``, ``lq_cc_mAP``..."""
    results = OrderedDict()
    for name in cfg.DATASETS.TESTS:
        res = OrderedDict(_evaluate(cfg, model, *build_clothes_test_loader(cfg, name)))
        if cfg.MODEL.RLQ.LQ_TEST.ENABLED:
            lq = _evaluate(cfg, model, *build_lq_query_test_loader(cfg, name))
            res.update((LQ_PREFIX + k, v) for k, v in lq.items() if k != "metric")
        results[name] = res
        for prefix, label in (("", "high-quality queries"), (LQ_PREFIX, "low-quality queries")):
            if prefix + "mAP" in res:
                logger.info("%s, %s: %s", name, label,
                            "  ".join(f"{k} {res[prefix + k]:.2f}" for k in SUMMARY if prefix + k in res))
    return results
