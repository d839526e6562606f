"""MCJA in the trainer: its training loader (VIMC on visible images, the plain pipeline on infrared
ones, modalities in the batch) and its test (the data set's visible-infrared protocol), as
``MCJATrainer``, which the engine's trainer registry picks for ``MODEL.META_ARCHITECTURE MCJA`` (the package
registers it, as RLQ's)."""
from __future__ import annotations

import logging
from typing import Optional

from ..data.modality import build_modality_train_loader
from ..engine.trainer import ReIDTrainer, broadcast_buffers_from_main
from .modality_coordinator import build_vimc_transforms
from .test_selection import record_and_select, selected_keys

logger = logging.getLogger(__name__)


def _training_iteration() -> Optional[int]:
    """The training iteration an evaluation runs at; None outside a training (``--eval-only``)."""
    from fastreid.utils.events import get_event_storage

    try:
        return get_event_storage().iter
    except AssertionError:  # no event storage: not inside a training
        return None


class MCJATrainer(ReIDTrainer):
    """ReIDTrainer with MCJA's per-modality training loader and its visible-infrared test."""

    @classmethod
    def build_train_loader(cls, cfg):
        """The per-modality loader, after checking SIE covers every train and test camera."""
        from ..engine.sie_check import check_sie_for_run

        transforms = build_vimc_transforms(cfg)
        logger.info(f"MCJA training loader: visible {transforms[0]}, infrared: FastReID's pipeline")
        loader = build_modality_train_loader(cfg, transforms)
        check_sie_for_run(cfg, loader.dataset)
        return loader

    @classmethod
    def test(cls, cfg, model):
        """Each test set's protocol (:mod:`.evaluation`), flat ``<cell>/<metric>`` keys per data set; with
        ``MODEL.MCJA.TEST.SELECTION``, during training, the test-set selection beside them
        (:mod:`.test_selection`)."""
        from fastreid.data import build as data_build
        from fastreid.utils import comm

        from ..evaluation.precision import inference_model
        from .evaluation import evaluate_mcja

        broadcast_buffers_from_main(model)
        if not comm.is_main_process():
            return {}
        results = {}
        for name in cfg.DATASETS.TESTS:
            cells = evaluate_mcja(cfg, inference_model(cfg, model), name, data_build._root)
            results[name] = {f"{cell}/{metric}": value for cell, scores in cells.items()
                             for metric, value in scores.items()}
            logger.info(f"{name}: " + "; ".join(f"{cell} rank-1 {s['rank1']:.1f} mAP {s['mAP']:.1f} mINP {s['mINP']:.1f}"
                                                 for cell, s in cells.items()))
            for note in getattr(cells, "notes", ()):  # e.g. whose gallery draws: a report line, not a metric
                logger.info(f"{name}: {note}")
            iteration = _training_iteration()
            if cfg.MODEL.MCJA.TEST.SELECTION and iteration is not None:
                results[name].update(selected_keys(record_and_select(cfg.OUTPUT_DIR, name, cells, iteration)))
        return results

