"""Every evaluation of an RLQ run, and the best epoch beside the final model, labelled as test-set selection.

The published scripts train up to 200 epochs and report the best epoch's test scores ("Best Rank-1
... achieved at epoch N"), which selects the epoch on the test set. Here the final model's scores
are the result; :class:`EvaluationRecord` keeps each evaluation and writes ``evaluations.json``
to ``OUTPUT_DIR`` with ``final`` and, beside it, ``best_epoch_selected_on_test`` (the epoch with the
best clothes-changing Rank-1 per test set, the published choice), never the default result.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Dict, List

from fastreid.engine import HookBase
from fastreid.utils import comm

logger = logging.getLogger(__name__)

SELECT_BY = ("cc_Rank-1", "Rank-1")  # the published "Best Rank-1" (clothes-changing where the set has it)
TEST_SELECTION = "best epoch, selected on the test set (as the published scripts report it; optimistic)"


def best_epochs(evaluations: List[dict]) -> Dict[str, dict]:
    """Per test set, the evaluation with the highest :data:`SELECT_BY` score: ``{set: {"epoch", "key", "scores"}}``."""
    best: Dict[str, dict] = {}
    for record in evaluations:
        for name, scores in record["results"].items():
            key = next((k for k in SELECT_BY if k in scores), None)
            if key is None:
                continue
            if name not in best or scores[key] > best[name]["scores"][key]:
                best[name] = {"epoch": record["epoch"], "key": key, "scores": scores}
    return best


def summary(evaluations: List[dict]) -> dict:
    """``{"final", "best_epoch_selected_on_test", "selection", "evaluations"}`` of a run's evaluations."""
    return {"final": evaluations[-1] if evaluations else None,
            "best_epoch_selected_on_test": best_epochs(evaluations), "selection": TEST_SELECTION,
            "evaluations": evaluations}


def _plain(results) -> dict:
    return {name: {k: float(v) for k, v in scores.items() if isinstance(v, (int, float))}
            for name, scores in results.items()}


class EvaluationRecord(HookBase):
    """After each evaluation (FastReID's EvalHook, which runs before it), keep ``(epoch, results)`` in
    ``trainer.evaluations`` and rewrite ``evaluations.json``; logs the best epoch, labelled."""

    def __init__(self, output_dir: str) -> None:
        self.output_dir = output_dir
        self._seen = None

    def after_epoch(self) -> None:
        results = getattr(self.trainer, "_last_eval_results", None)
        if not results or results is self._seen:
            return
        self._seen = results
        self.trainer.evaluations.append({"epoch": self.trainer.epoch + 1, "results": _plain(results)})
        report = summary(self.trainer.evaluations)
        for name, best in report["best_epoch_selected_on_test"].items():
            logger.info("%s: %s %.2f at epoch %d -- %s", name, best["key"], best["scores"][best["key"]],
                        best["epoch"], TEST_SELECTION)
        if comm.is_main_process() and self.output_dir:
            os.makedirs(self.output_dir, exist_ok=True)
            with open(os.path.join(self.output_dir, "evaluations.json"), "w") as f:
                json.dump(report, f, indent=1)

    def after_train(self) -> None:
        """The last evaluation, when EvalHook runs it after training (an epoch count off its period)."""
        self.after_epoch()
