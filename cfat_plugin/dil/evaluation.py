"""Stage II's test: the fused, invariant and sensitive features each scored, as the published ``test_reid.py``.

The model returns [b_sen; b_inv] (each ``MODEL.DIL.BOTTLENECK`` wide); :class:`BranchSingleShotEvaluator`
gathers it once and scores three views under the single-shot protocol (:mod:`cfat_plugin.evaluation.
single_shot`): ``fused`` (all of it), ``invariant`` (the second half), ``sensitive`` (the first half).
The results are ``{<data set>: fused scores, <data set>/invariant: ..., <data set>/sensitive: ...}`` and
are printed as one table, a row per view.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Dict

from tabulate import tabulate

from ..evaluation.features import Features
from ..evaluation.single_shot import SingleShotEvaluator

logger = logging.getLogger(__name__)

VIEWS = ("fused", "invariant", "sensitive")


def view_slice(view: str, bottleneck: int) -> slice:
    """The columns of a view in [b_sen; b_inv]."""
    return {"fused": slice(None), "invariant": slice(bottleneck, None), "sensitive": slice(0, bottleneck)}[view]


class BranchSingleShotEvaluator(SingleShotEvaluator):
    """Single-shot scores of each view of the dual-branch feature (module docstring)."""

    def __init__(self, cfg, num_query: int, dataset_name: str = "") -> None:
        super().__init__(cfg, num_query, dataset_name)
        self.bottleneck = cfg.MODEL.DIL.BOTTLENECK

    def evaluate(self) -> Dict[str, "OrderedDict[str, float]"]:
        features = super(SingleShotEvaluator, self).evaluate()  # FeatureCollector's: the gathered features
        if features is None:
            return {}
        results = OrderedDict()
        for view in VIEWS:
            part = view_slice(view, self.bottleneck)
            results[view] = self.score(Features(features.feats[:, part], features.pids, features.camids),
                                       f" ({view})")
        return results


def view_table(results: Dict[str, Dict[str, float]]) -> str:
    """A pipe table with one row per ``<data set>[/view]`` of ``results``."""
    rows = [[name] + [f"{value:.2f}" for value in scores.values()] for name, scores in results.items()]
    headers = ["Dataset"] + list(next(iter(results.values())))
    return tabulate(rows, headers=headers, tablefmt="pipe", numalign="left")
