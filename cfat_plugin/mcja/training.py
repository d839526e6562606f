"""MCJA in the trainer: its training loader (VIMC on visible images, the plain pipeline on infrared ones,
modalities in the batch) and its test (the data set's visible-infrared protocol)."""
from __future__ import annotations

import logging

from ..data.modality import build_modality_train_loader
from ..engine.trainer import register_tester, register_train_loader
from .modality_coordinator import build_vimc_transforms

logger = logging.getLogger(__name__)


@register_train_loader
def build_mcja_train_loader(cfg):
    """The per-modality training loader for ``MODEL.META_ARCHITECTURE MCJA``; None for other runs."""
    if cfg.MODEL.META_ARCHITECTURE != "MCJA":
        return None
    transforms = build_vimc_transforms(cfg)
    logger.info(f"MCJA training loader: visible {transforms[0]}, infrared: FastReID's pipeline")
    return build_modality_train_loader(cfg, transforms)


@register_tester
def test_mcja(cfg, model):
    """MCJA runs are tested with their data set's protocol (:mod:`.evaluation`), flat ``<cell>/<metric>``
    keys per data set; None for other runs."""
    if cfg.MODEL.META_ARCHITECTURE != "MCJA":
        return None
    from fastreid.data import build as data_build
    from fastreid.utils import comm

    from ..evaluation.precision import inference_model
    from .evaluation import evaluate_mcja

    if not comm.is_main_process():
        return {}
    results = {}
    for name in cfg.DATASETS.TESTS:
        cells = evaluate_mcja(cfg, inference_model(cfg, model), name, data_build._root)
        results[name] = {f"{cell}/{metric}": value for cell, scores in cells.items() for metric, value in scores.items()}
        logger.info(f"{name}: " + "; ".join(f"{cell} rank-1 {s['rank1']:.1f} mAP {s['mAP']:.1f} mINP {s['mINP']:.1f}"
                                             for cell, s in cells.items()))
    return results
