"""``RLQTrainer``: alternating TAD and CAP epochs with one optimizer, and CAL's clothes optimizer.

Every trainer epoch is one TAD epoch over the external loader (when ``MODEL.RLQ.TAD.ENABLED``)
followed by one CAP epoch over the target data, as the published ``teacher_student.py`` loops; both
steps use the one FastReID optimizer, so the epoch-based LR schedule counts (TAD + CAP) epochs. The
clothes classifier of CAL is left out of that optimizer and stepped by its own Adam from
``MODEL.RLQ.CAL.START_EPOCH`` on CAP steps. ``phase_log`` records (epoch, phase, iterations) in
the order the phases ran (also logged). Evaluation: :func:`~.evaluation.run_rlq_evaluation`; each
one is kept in ``evaluations`` and ``evaluations.json`` with the best epoch labelled as test-set
selection beside the final model (:mod:`.epoch_record`).
Selected for ``MODEL.META_ARCHITECTURE RLQ`` through the engine's trainer registry.
"""
from __future__ import annotations

import logging
import time
from typing import List, Tuple

import torch
from fastreid.solver import build_optimizer

from ..engine.trainer import ReIDTrainer, broadcast_buffers_from_main
from .data import build_cap_train_loader, build_tad_train_loader, endless
from .epoch_record import EvaluationRecord

logger = logging.getLogger(__name__)

TAD, CAP = "TAD", "CAP"


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DistributedDataParallel wrapper (or the model itself)."""
    return getattr(model, "module", model)


class RLQTrainer(ReIDTrainer):
    """FastReID's trainer with RLQ's two data sources, alternating by epoch (see the module docstring)."""

    def __init__(self, cfg) -> None:
        self.tad_iters = 0
        if cfg.MODEL.RLQ.TAD.ENABLED:
            tad_loader = build_tad_train_loader(cfg)
            self.tad_iters = max(1, int(len(tad_loader) * cfg.MODEL.RLQ.TAD.SAMPLING))
            self._tad_batches = endless(tad_loader)
        super().__init__(cfg)
        model = unwrap(self._trainer.model)
        dataset = self._trainer.data_loader.dataset
        model.set_identity_clothes(*dataset.identity_clothes())
        params = list(model.clothes_classifier.parameters()) if model.clothes_classifier is not None else []
        self.clothes_optimizer = (torch.optim.Adam(params, lr=cfg.MODEL.RLQ.CAL.LR,
                                                   weight_decay=cfg.MODEL.RLQ.CAL.WEIGHT_DECAY) if params else None)
        if self.clothes_optimizer is not None:  # saved and resumed with the rest
            self.checkpointer.checkpointables["clothes_optimizer"] = self.clothes_optimizer
        self.phase_log: List[Tuple[int, str, int]] = []
        self.evaluations: List[dict] = []  # {"epoch", "results"} of every evaluation (EvaluationRecord)

    @classmethod
    def build_train_loader(cls, cfg):
        """The CAP loader (target data with clothes, gender, pose); also sets ``MODEL.RLQ.NUM_CLOTHES``."""
        loader = build_cap_train_loader(cfg)
        frozen = cfg.is_frozen()
        cfg.defrost()
        cfg.MODEL.RLQ.NUM_CLOTHES = loader.dataset.num_clothes
        if frozen:
            cfg.freeze()
        return loader

    @classmethod
    def build_optimizer(cls, cfg, model):
        """FastReID's optimizer over everything but the clothes classifier (it has its own)."""
        classifier = unwrap(model).clothes_classifier
        params = list(classifier.parameters()) if classifier is not None else []
        for p in params:
            p.requires_grad_(False)
        try:
            return build_optimizer(cfg, model)
        finally:
            for p in params:
                p.requires_grad_(True)

    def build_hooks(self):
        """FastReID's hooks, built once an epoch counts both phases (the printer's ETA, the last checkpoint)."""
        self.cap_iters = self.iters_per_epoch
        self.iters_per_epoch = self.tad_iters + self.cap_iters
        self.max_iter = self.max_epoch * self.iters_per_epoch
        return super().build_hooks() + [EvaluationRecord(self.cfg.OUTPUT_DIR)]

    def phase(self) -> str:
        """TAD for the first ``tad_iters`` iterations of an epoch, CAP for the rest."""
        return TAD if self.iter - self.epoch * self.iters_per_epoch < self.tad_iters else CAP

    def run_step(self) -> None:
        inner = self._trainer
        inner.iter = self.iter
        model = inner.model
        assert model.training, "[RLQTrainer] model was changed to eval mode!"
        phase = self.phase()
        if not self.phase_log or self.phase_log[-1][:2] != (self.epoch, phase):
            self.phase_log.append((self.epoch, phase, self.tad_iters if phase == TAD else self.cap_iters))
            logger.info("epoch %d: %s epoch (%d iterations)", self.epoch, phase, self.phase_log[-1][2])
        unwrap(model).current_epoch = self.epoch
        start = time.perf_counter()
        data = next(self._tad_batches) if phase == TAD else next(inner._data_loader_iter)
        data_time = time.perf_counter() - start
        loss_dict = model(data)
        losses = sum(loss_dict.values())
        inner.optimizer.zero_grad()
        if self.clothes_optimizer is not None:
            self.clothes_optimizer.zero_grad()
        losses.backward()
        inner._write_metrics(loss_dict, data_time)
        inner.optimizer.step()
        if self.clothes_optimizer is not None and phase == CAP and unwrap(model).cal_active():
            self.clothes_optimizer.step()

    @classmethod
    def test(cls, cfg, model):
        """Clothes-changing scores on HQ and LQ queries (:func:`~.evaluation.run_rlq_evaluation`)."""
        from ..evaluation.precision import inference_model
        from .evaluation import run_rlq_evaluation

        broadcast_buffers_from_main(model)  # as ReIDTrainer.test: every process tests rank 0's BatchNorm statistics
        return run_rlq_evaluation(cfg, inference_model(cfg, model))
