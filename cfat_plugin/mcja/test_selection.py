"""The published tables' model choice, reported beside the final model's figures, never instead of them.

The published training evaluates on the *test set* every few epochs and keeps the checkpoint with the
best rank-1 there (SYSU-MM01: all-search single-shot infrared to visible; RegDB: the mean of both
directions); the paper's numbers are that checkpoint's. That choice has seen the test labels, so it is
optimistic. With ``MODEL.MCJA.TEST.SELECTION`` each evaluation of a training is recorded in
``<OUTPUT_DIR>/mcja_test_selection.json`` and the best one so far is reported as ``test_selected/...``
keys and a log line that says what it is; the plain keys stay the evaluated (at the end: final) model's.
"""
from __future__ import annotations

import json
import logging
import os

logger = logging.getLogger(__name__)

FILE = "mcja_test_selection.json"
PREFIX = "test_selected"
LABEL = ("TEST-SET SELECTION (how the published tables were chosen: the evaluation with the best test-set "
         "rank-1, not a held-out choice; optimistic)")


def selection_score(cells: dict) -> tuple[str, float]:
    """(what, value) the published code selects by: RegDB's mean rank-1 of both directions, SYSU-MM01's
    all-search single-shot infrared-to-visible rank-1 (else the first cell's rank-1)."""
    if {"visible_to_thermal", "thermal_to_visible"} <= set(cells):
        return "mean rank-1 of both directions", (cells["visible_to_thermal"]["rank1"]
                                                  + cells["thermal_to_visible"]["rank1"]) / 2
    cell = "all_1shot_ir_to_rgb" if "all_1shot_ir_to_rgb" in cells else next(iter(cells))
    return f"{cell} rank-1", cells[cell]["rank1"]


def record_and_select(output_dir: str, name: str, cells: dict, iteration: int) -> dict:
    """Record this evaluation of data set ``name`` at training ``iteration``; return the best one so far
    (``iteration``, ``cells``, ``evaluations``), logged with its label. Records at or after ``iteration``
    (an earlier training's, or the stretch a resumed one repeats) are replaced."""
    path = os.path.join(output_dir, FILE)
    history = {}
    if os.path.isfile(path):
        with open(path) as f:
            history = json.load(f)
    runs = [run for run in history.get(name, []) if run["iteration"] < iteration]
    runs.append({"iteration": iteration, "cells": {cell: dict(scores) for cell, scores in cells.items()}})
    history[name] = runs
    os.makedirs(output_dir, exist_ok=True)
    with open(path, "w") as f:
        json.dump(history, f, indent=1)
    best = max(runs, key=lambda run: selection_score(run["cells"])[1])  # the first of equals, as published
    what, value = selection_score(best["cells"])
    logger.info(f"{name}: {LABEL}: best {what} {value:.1f} at iteration {best['iteration']} of {len(runs)} "
                f"evaluations: " + "; ".join(f"{cell} rank-1 {s['rank1']:.1f} mAP {s['mAP']:.1f}"
                                             for cell, s in best["cells"].items()))
    return dict(best, evaluations=len(runs))


def selected_keys(best: dict) -> dict:
    """``test_selected/<cell>/<metric>`` of the selected evaluation, beside the plain keys."""
    return {f"{PREFIX}/{cell}/{metric}": value for cell, scores in best["cells"].items()
            for metric, value in scores.items()}
