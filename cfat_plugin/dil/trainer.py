"""DIL's two trainers, which the engine's trainer registry picks by meta-architecture.

- :class:`DILStage1Trainer` (``DILStage1``): the stage I loop of the published ``train_dil.py``. Two Adam
  optimisers (betas ``MODEL.DIL.STAGE1.BETAS``, lr ``SOLVER.BASE_LR``, weight decay
  ``SOLVER.WEIGHT_DECAY``): FastReID's (E_con's head, E_deg, G; its scheduler, checkpointing and logging)
  and the discriminators' (saved with the checkpoint, its learning rate following the first's). Each
  iteration is one kind of pair (``MODEL.DIL.STAGE1.SYNTHETIC_PROB``: -1 alternates, odd iterations
  synthetic), a discriminator step, then a generator step on fresh outputs. A non-finite loss stops the
  run before either step, naming each term (the last good checkpoint is kept). After training (and with
  ``--eval-only``) it writes the degradation-swap contact sheet (:mod:`.visualize`).
- :class:`DILTrainer` (``DIL``): FastReID's training of stage II's model, after building the memory bank
  over the training set; its test scores the fused, invariant and sensitive features (:mod:`.evaluation`).

Both check, before anything trains, that every single-shot test set's query ids have a gallery match.
"""
from __future__ import annotations

import logging
import os
import time

import numpy as np
import torch
from fastreid.data import build_reid_test_loader
from fastreid.data.common import CommDataset
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.transforms import build_transforms
from fastreid.utils import comm

from ..data.config import datasets_root
from ..engine.trainer import ReIDTrainer, broadcast_buffers_from_main
from ..evaluation.single_shot import asks_for_single_shot, check_queries_have_matches
from .data import build_stage1_train_loader
from .degradation_encoder import SYNTHETIC, REAL
from .evaluation import BranchSingleShotEvaluator, view_table
from .memory_bank import build_memory_bank
from .stage1 import DISCRIMINATOR_PARTS, GENERATOR_PARTS

logger = logging.getLogger(__name__)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DistributedDataParallel wrapper (or the model itself)."""
    return getattr(model, "module", model)


def check_test_sets(cfg) -> None:
    """Every query id of each single-shot test set has a gallery image in another camera (else the named error)."""
    for name in cfg.DATASETS.TESTS:
        if asks_for_single_shot(name):
            reader = DATASET_REGISTRY.get(name)(root=datasets_root(cfg))
            check_queries_have_matches(reader.query, reader.gallery, name)


def pair_kind(cfg, iteration: int) -> str:
    """Synthetic or real pairs at ``iteration`` (``MODEL.DIL.STAGE1.SYNTHETIC_PROB``; seeded by ``SEED``)."""
    prob = cfg.MODEL.DIL.STAGE1.SYNTHETIC_PROB
    if prob < 0:
        return SYNTHETIC if iteration % 2 == 1 else REAL
    draw = np.random.default_rng([max(int(cfg.SEED), 0), iteration]).random()
    return SYNTHETIC if draw < prob else REAL


class DILStage1Trainer(ReIDTrainer):
    """Stage I: two optimisers, alternating steps (module docstring)."""

    def __init__(self, cfg) -> None:
        check_test_sets(cfg)
        super().__init__(cfg)
        model = unwrap(self._trainer.model)
        betas = tuple(cfg.MODEL.DIL.STAGE1.BETAS)
        self.dis_optimizer = torch.optim.Adam(model.parameters_of(DISCRIMINATOR_PARTS), lr=cfg.SOLVER.BASE_LR,
                                              betas=betas, weight_decay=cfg.SOLVER.WEIGHT_DECAY)
        self.checkpointer.checkpointables["dis_optimizer"] = self.dis_optimizer  # saved and resumed with the rest

    @classmethod
    def build_train_loader(cls, cfg):
        logger.info("DIL stage I: full-resolution images paired with real low-resolution ones")
        return build_stage1_train_loader(cfg)

    @classmethod
    def build_optimizer(cls, cfg, model):
        """Adam over E_con's head, E_deg and G (the discriminators have their own)."""
        params = unwrap(model).parameters_of(GENERATOR_PARTS)
        return torch.optim.Adam(params, lr=cfg.SOLVER.BASE_LR, betas=tuple(cfg.MODEL.DIL.STAGE1.BETAS),
                                weight_decay=cfg.SOLVER.WEIGHT_DECAY), None

    def run_step(self) -> None:
        inner = self._trainer
        inner.iter = self.iter
        model = unwrap(inner.model)
        start = time.perf_counter()
        batch = next(inner._data_loader_iter)
        data_time = time.perf_counter() - start
        kind = pair_kind(self.cfg, self.iter)
        x_a, x_b, y_a, y_b = model.pair(batch, kind)

        d_losses = model.discriminator_losses(x_a, x_b, kind)
        self.stop_if_not_finite(d_losses)  # before the step: the weights stay the last finite ones
        self.dis_optimizer.zero_grad()
        sum(d_losses.values()).backward()
        self.dis_optimizer.step()

        g_losses = model.generator_losses(x_a, x_b, y_a, y_b, kind)
        inner.optimizer.zero_grad()
        sum(g_losses.values()).backward()
        inner._write_metrics({**g_losses, **{k: v.detach() for k, v in d_losses.items()}}, data_time)  # stops on NaN
        inner.optimizer.step()
        for group in self.dis_optimizer.param_groups:  # one learning-rate schedule for both
            group["lr"] = inner.optimizer.param_groups[0]["lr"]

    def stop_if_not_finite(self, losses: dict) -> None:
        """FastReID's non-finite loss error (which the engine reports in one line, naming each term)."""
        values = {name: float(value.detach()) for name, value in losses.items()}
        if not np.isfinite(sum(values.values())):
            raise FloatingPointError(f"Loss became infinite or NaN at iteration={self.iter}!\nloss_dict = {values}")

    @classmethod
    def test(cls, cfg, model):
        """The degradation-swap contact sheet of a few test images (no ReID scores: stage I trains no ReID)."""
        from .visualize import swap_sheet_of_config

        if comm.is_main_process():
            path = swap_sheet_of_config(cfg, unwrap(model), os.path.join(cfg.OUTPUT_DIR, "dil_swap.png"))
            logger.info("Degradation swap contact sheet: %s", path)
        return {}


class DILTrainer(ReIDTrainer):
    """Stage II: FastReID's training of ``DIL`` with the memory bank built first; the three-view test."""

    def __init__(self, cfg) -> None:
        check_test_sets(cfg)
        super().__init__(cfg)
        model = unwrap(self._trainer.model)
        if model.replay is not None and model.replay.mode == "bank":
            model.replay.set_bank(build_memory_bank(model.replay.degradation_encoder, self.bank_loader(cfg)))

    @staticmethod
    def bank_loader(cfg):
        """Every training image (test transforms: no augmentation), in order."""
        items = []
        for name in cfg.DATASETS.NAMES:
            items.extend(DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train)
        dataset = CommDataset(items, build_transforms(cfg, is_train=False), relabel=False)
        loader, _ = build_reid_test_loader(test_set=dataset, test_batch_size=cfg.TEST.IMS_PER_BATCH, num_query=0,
                                           num_workers=cfg.DATALOADER.NUM_WORKERS)
        return loader

    @classmethod
    def single_shot_evaluator(cls, cfg, num_query: int, dataset_name: str):
        """The three-view single-shot evaluator (other test sets: FastReID's, on the fused feature)."""
        return BranchSingleShotEvaluator(cfg, num_query, dataset_name)

    @classmethod
    def test(cls, cfg, model):
        """Each test set's scores; a single-shot set's three views flattened to ``<set>``, ``<set>/<view>``."""
        from fastreid.evaluation import inference_on_dataset

        from ..evaluation.precision import inference_model

        broadcast_buffers_from_main(model)
        results = {}
        for name in cfg.DATASETS.TESTS:
            loader, evaluator = cls.build_evaluator(cfg, name)
            scores = inference_on_dataset(inference_model(cfg, model), loader, evaluator,
                                          flip_test=cfg.TEST.FLIP.ENABLED)
            if not comm.is_main_process():
                continue
            if isinstance(evaluator, BranchSingleShotEvaluator):
                results[name] = scores["fused"]
                results.update((f"{name}/{view}", scores[view]) for view in ("invariant", "sensitive"))
            else:
                results[name] = scores
        if comm.is_main_process() and results:
            logger.info("Evaluation results in csv format: \n" + view_table(results))
        return results
