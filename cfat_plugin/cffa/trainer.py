"""``CFFATrainer``: FastReID's training over (image, caption) pairs and the text-to-image test.

Before anything trains it checks the data: every training image named by a caption file exists (the first
few missing ones named), and every test caption's id has a gallery image. Optimiser as IRRA's
``solver/build.py``: the towers at ``SOLVER.BASE_LR``, the new modules at ``MODEL.CFFA.NEW_LR_FACTOR`` x
that, FLFR at ``MODEL.CFFA.FLFR.LR``; biases at ``SOLVER.BIAS_LR_FACTOR`` x their group's rate.
"""
from __future__ import annotations

import logging
import os
from typing import Dict

import torch
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.utils import comm

from ..data.captions import build_caption_test_loader, build_caption_train_loader
from ..data.config import datasets_root
from ..engine.trainer import ReIDTrainer
from ..utils.errors import QueryWithoutMatchError, TrainingDataError
from .evaluation import headline_view, t2i_table, text_to_image_scores

logger = logging.getLogger(__name__)
NAMED = 3  # missing files named in the error


def check_caption_data(cfg, training: bool = True) -> None:
    """Missing training images and test captions whose id has no gallery image on disk, as one-line errors."""
    if training:
        for name in cfg.DATASETS.NAMES:
            missing = [p for p, *_ in DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train if not os.path.isfile(p)]
            if missing:
                raise TrainingDataError(f"{name}: {len(missing)} captioned training images are missing, e.g. "
                                        f"{', '.join(missing[:NAMED])}")
    for name in cfg.DATASETS.TESTS:
        data = DATASET_REGISTRY.get(name)(root=datasets_root(cfg))
        present = {pid for path, pid, _ in data.gallery if os.path.isfile(path)}
        lonely = sorted({pid for _, pid, _ in data.query} - present)
        if lonely:
            raise QueryWithoutMatchError(f"{name}: test captions of ids {lonely[:NAMED]} have no gallery image "
                                         f"({len(lonely)} ids); text-to-image retrieval needs one per id")


class CFFATrainer(ReIDTrainer):
    """Caption batches, IRRA's parameter groups, the text-to-image test."""

    def __init__(self, cfg) -> None:
        check_caption_data(cfg)
        super().__init__(cfg)

    @classmethod
    def build_train_loader(cls, cfg):
        return build_caption_train_loader(cfg)

    @classmethod
    def build_optimizer(cls, cfg, model):
        """Adam over three learning-rate groups (module docstring), biases at their factor."""
        inner = getattr(model, "module", model)
        c, base = cfg.MODEL.CFFA, cfg.SOLVER.BASE_LR
        new = tuple(inner.new_modules())
        groups = []
        for name, param in inner.named_parameters():
            if not param.requires_grad:
                continue
            lr = c.FLFR.LR if name.startswith("flfr_") else base * c.NEW_LR_FACTOR if name.startswith(new) else base
            if name.endswith("bias"):
                lr *= cfg.SOLVER.BIAS_LR_FACTOR
            groups.append({"params": [param], "lr": lr, "initial_lr": lr, "weight_decay": cfg.SOLVER.WEIGHT_DECAY})
        return torch.optim.Adam(groups, lr=base), None

    @classmethod
    @torch.no_grad()
    def encode_test_set(cls, cfg, model, name: str):
        """Text features of the caption queries and image features of the gallery, with their ids."""
        loader, num_query = build_caption_test_loader(cfg, name)
        inner = getattr(model, "module", model)
        was_training = inner.training
        inner.eval()
        text, image, q_pids, g_pids, seen = {}, {}, [], [], 0
        for batch in loader:
            n = len(batch["targets"])
            q = max(0, min(n, num_query - seen))
            if q:
                for k, v in inner.encode_text(list(batch["caption"][:q])).items():
                    text.setdefault(k, []).append(v.cpu())
                q_pids.append(batch["targets"][:q])
            if q < n:
                for k, v in inner.encode_image(inner.preprocess({"images": batch["images"][q:]})).items():
                    image.setdefault(k, []).append(v.cpu())
                g_pids.append(batch["targets"][q:])
            seen += n
        inner.train(was_training)
        cat = lambda d: {k: torch.cat(v) for k, v in d.items()}  # noqa: E731
        return cat(text), cat(image), torch.cat(q_pids), torch.cat(g_pids), loader.dataset

    @classmethod
    def test(cls, cfg, model) -> Dict:
        """Each test set's R1/R5/R10/mAP/mINP per view; the headline (``SIM_FUSION``) view's as the set's."""
        if not comm.is_main_process():
            return {}
        check_caption_data(cfg, training=False)
        tables, results = {}, {}
        for name in cfg.DATASETS.TESTS:
            text, image, q_pids, g_pids, dataset = cls.encode_test_set(cfg, model, name)
            tables[name] = text_to_image_scores(text, image, q_pids, g_pids)
            view = headline_view(tables[name], cfg.MODEL.CFFA.SIM_FUSION)
            headline = tables[name][view]
            results[name] = {"Rank-1": headline["R1"], "Rank-5": headline["R5"], "Rank-10": headline["R10"],
                             "mAP": headline["mAP"], "mINP": headline["mINP"], "metric": headline["R1"]}
            if cfg.MODEL.CFFA.SHEET_QUERIES > 0:
                from .retrieval_sheet import write_retrieval_sheet

                path = os.path.join(cfg.OUTPUT_DIR, f"cffa_t2i_{name}.png")
                write_retrieval_sheet(path, text, image, q_pids, g_pids, dataset, cfg.MODEL.CFFA.SHEET_QUERIES, view)
                logger.info("Text-to-image top-10 sheet: %s", path)
        logger.info("Text-to-image retrieval (IRRA's metrics):\n" + t2i_table(tables))
        return results
