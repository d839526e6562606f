"""MCJA's test: SYSU-MM01's and RegDB's visible-infrared protocols, with or without MSER.

    python -m cfat_plugin.mcja.evaluation --config-file projects/MCJA/synthsysu_r18.yml MODEL.WEIGHTS model.pth

Features come from FastReID's inference loop (:func:`cfat_plugin.evaluation.features.extract_features`,
its test transforms and flip setting). Plain distances are cosine distances; with
``MODEL.MCJA.MSER.ENABLED`` the visible images are embedded again as R, G and B replicas and the
distances are MSER's (:mod:`.multi_spectral_ranking`). The ranking is FastReID's, through the protocol
functions of :mod:`cfat_plugin.evaluation.cross_modality` (SYSU-MM01: modes, shots, 10 trials, the
camera-3 rule; RegDB: both directions of the trial). MSER's neighbour set is the protocol's, as
published (SYSU-MM01: the queries; RegDB: the whole stacked set), unless ``MODEL.MCJA.MSER.NEIGHBOURS``
names one. The log says what each step cost (features; each mode's seconds per trial); a SYSU-MM01
set without ``exp/rand_perm_cam.mat`` is warned about before anything runs, and every report of its
figures says its gallery draws are not the published ones (``Cells.notes``).
"""
from __future__ import annotations

import json
import logging
import time
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from fastreid.data.datasets import DATASET_REGISTRY

from ..data.datasets.regdb import RegDBVI
from ..data.datasets.synthreid import GeneratedPreset
from ..data.datasets.sysu_mm01 import SYSUMM01VI
from ..data.synthetic.layouts.sysu import gallery_draws_note
from ..evaluation.cross_modality import Cells, regdb_protocol, sysu_protocol
from ..evaluation.features import extract_features
from .multi_spectral_ranking import PROTOCOL_NEIGHBOURS, ChannelReplica, mser_distance

logger = logging.getLogger(__name__)

VARIANTS = ("r", "g", "b")


class FeatureBank:
    """Features of test ``(path, pid, camid)`` items by path: the image as is, and for visible ones
    each channel replica (MSER)."""

    def __init__(self, cfg, model: torch.nn.Module, items: Sequence[tuple], is_visible, replicas: bool) -> None:
        start = time.perf_counter()
        self.row = {it[0]: i for i, it in enumerate(items)}
        self.plain = extract_features(cfg, model, items).feats
        self.variants: Dict[str, torch.Tensor] = {}
        visible = [it for it in items if is_visible(it[0])] if replicas else []
        if replicas:
            self.visible_row = {it[0]: i for i, it in enumerate(visible)}
            for c in VARIANTS:
                self.variants[c] = extract_features(cfg, ChannelReplica(model, c), visible).feats
        logger.info(f"MCJA test features: {len(items)} images" + (f", and the R, G, B replicas of {len(visible)} "
                    "visible ones (MSER)" if replicas else "") + f": {time.perf_counter() - start:.1f} s")

    def of(self, items: Sequence[tuple]) -> torch.Tensor:
        return self.plain[[self.row[it[0]] for it in items]]

    def replicas(self, items: Sequence[tuple]) -> list:
        """The original features then the R, G, B replicas' of visible ``items``."""
        idx = [self.visible_row[it[0]] for it in items]
        return [self.of(items)] + [self.variants[c][idx] for c in VARIANTS]


def distance_function(bank: FeatureBank, is_visible, mser: Optional[tuple] = None):
    """``distance(query, gallery)``: cosine distance, or MSER's with ``mser = (k1, k2, lambda, neighbours)``
    (the visible side, whichever it is, brings its channel replicas)."""
    def distance(query: Sequence[tuple], gallery: Sequence[tuple]) -> np.ndarray:
        if mser is None:
            q, g = F.normalize(bank.of(query), dim=1), F.normalize(bank.of(gallery), dim=1)
            return (1.0 - q @ g.t()).numpy()
        if is_visible(gallery[0][0]):
            return mser_distance([bank.of(query)], bank.replicas(gallery), *mser)
        return mser_distance(bank.replicas(query), [bank.of(gallery)], *mser)
    return distance


def mser_settings(cfg, protocol: str) -> Optional[tuple]:
    """MSER's ``(k1, k2, lambda, neighbours)`` for ``protocol`` (``sysu``, ``regdb``), None when it is off;
    ``MODEL.MCJA.MSER.NEIGHBOURS protocol`` takes the published call's neighbour set."""
    m = cfg.MODEL.MCJA.MSER
    if not m.ENABLED:
        return None
    return m.K1, m.K2, m.LAMBDA, PROTOCOL_NEIGHBOURS[protocol] if m.NEIGHBOURS == "protocol" else m.NEIGHBOURS


def evaluate_sysu_like(cfg, model: torch.nn.Module, data: SYSUMM01VI, modes=("all", "indoor"), shots=(1, 10),
                       trials: int = 10) -> Cells:
    """SYSU-MM01's protocol (``sysu_protocol``) for a model, on the test ids of a SYSU-MM01-layout reader;
    without the published gallery draws it says so first (a warning on the real set)."""
    perm = getattr(data, "perm", None)
    if perm is None:  # a generated set has no published draws: expected there
        (logger.info if isinstance(data, GeneratedPreset) else logger.warning)(gallery_draws_note(perm))
    test_items = data.test_items  # every test image, read once by the reader
    is_visible = lambda path: data.modality_of(path) == "visible"  # noqa: E731
    mser = mser_settings(cfg, "sysu")
    model.eval()
    with torch.no_grad():
        bank = FeatureBank(cfg, model, [(p, pid, cam - 1) for p, pid, cam in test_items], is_visible, mser is not None)
    return sysu_protocol(test_items, distance_function(bank, is_visible, mser), modes, shots, trials, perm=perm)


def evaluate_regdb_like(cfg, model: torch.nn.Module, data: RegDBVI) -> Cells:
    """RegDB's test of the reader's trial, both directions (``regdb_protocol``)."""
    visible, thermal = (data.query, data.gallery) if data.query_modality == "visible" else (data.gallery, data.query)
    is_visible = lambda path: data.modality_of(path) == "visible"  # noqa: E731
    mser = mser_settings(cfg, "regdb")
    model.eval()
    with torch.no_grad():
        bank = FeatureBank(cfg, model, list(visible) + list(thermal), is_visible, mser is not None)
    return regdb_protocol(visible, thermal, distance_function(bank, is_visible, mser))


def evaluate_mcja(cfg, model: torch.nn.Module, dataset_name: str, root: str, **kwargs) -> Cells:
    """The protocol of the data set ``dataset_name`` (a SYSU-MM01 or RegDB reader) for ``model``."""
    data = DATASET_REGISTRY.get(dataset_name)(root=root, verbose=False)
    if isinstance(data, SYSUMM01VI):
        return evaluate_sysu_like(cfg, model, data, **kwargs)
    if isinstance(data, RegDBVI):
        return evaluate_regdb_like(cfg, model, data)
    raise ValueError(f"{dataset_name} is neither a SYSU-MM01 nor a RegDB reader: MCJA's protocols need one")


def main(argv: Optional[list] = None) -> dict:
    """``python -m cfat_plugin.mcja.evaluation``: FastReID's arguments; prints each data set's cells and
    notes (the lines its figures must be reported with) as JSON."""
    from fastreid.data import build as data_build
    from fastreid.engine import default_argument_parser

    from ..engine import setup
    from ..engine.entry_points import build_eval_model

    args = default_argument_parser().parse_args(argv)
    args.eval_only = True
    cfg = setup(args)
    model = build_eval_model(cfg)
    results = {name: evaluate_mcja(cfg, model, name, data_build._root) for name in cfg.DATASETS.TESTS}
    print(json.dumps({name: {"notes": cells.notes, "cells": cells} for name, cells in results.items()}, indent=1))
    return results


if __name__ == "__main__":
    main()
