"""Clothes ids from image paths into FastReID batches (clothes-changing ReID).

FastReID's items are ``(path, pid, camid)`` triples and its samplers unpack
exactly three fields, so a 4th element would break them. The clothes id is
already in the path (LTCC's file name, PRCC's camera letter), so it is read
from there: :func:`clothes_of_path` for one path, :class:`ClothesDataset` (a
``CommDataset`` that adds ``clothes`` to each sample dict, hence to the batch)
and the two loader builders below, which otherwise are FastReID's own.

In a training batch ``clothes`` is a class index over (identity, outfit)
pairs (what clothes-based adversarial losses classify); in a test batch it is
the per-person outfit number, which is all the clothes-changing protocol
compares (it only compares images of one identity).
"""
from __future__ import annotations

import os

from fastreid.data.build import build_reid_test_loader, build_reid_train_loader
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.transforms import build_transforms

from .config import datasets_root
from .sample_fields import SampleFieldDataset
from .synthetic.layouts import celeb, ltcc, prcc


def clothes_of_path(path: str) -> int:
    """The 0-based, per-person outfit of an LTCC, PRCC or Celeb-reID image; ``ValueError`` otherwise."""
    try:
        return ltcc.parse_name(os.path.basename(path)).clothes - 1
    except ValueError:
        pass
    try:
        return prcc.clothes_of_camera(prcc.parse_path(path).cam)
    except ValueError:
        pass
    try:  # every Celeb-reID image in its own clothes
        return celeb.clothes_of_name(os.path.basename(path))
    except ValueError:
        raise ValueError(f"no clothes id in {path!r}: not a PRCC, LTCC or Celeb-reID image path") from None


class ClothesDataset(SampleFieldDataset):
    """``CommDataset`` whose samples also hold ``clothes`` (see the module docstring)."""

    field, values = "clothes", "clothes"  # the batch key and the attribute it is read from

    def __init__(self, img_items, transform=None, relabel: bool = True) -> None:
        super().__init__(img_items, transform, relabel)
        self.clothes = [clothes_of_path(item[0]) for item in img_items]
        if relabel:
            pairs = sorted({(str(item[1]), c) for item, c in zip(img_items, self.clothes)})
            index = {pair: i for i, pair in enumerate(pairs)}
            self.clothes = [index[(str(item[1]), c)] for item, c in zip(img_items, self.clothes)]
            self.num_clothes = len(pairs)


def build_clothes_train_loader(cfg):
    """FastReID's train loader over ``cfg.DATASETS.NAMES``, batches with ``clothes``."""
    items = []
    for name in cfg.DATASETS.NAMES:
        items.extend(DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train)
    return build_reid_train_loader(cfg, train_set=ClothesDataset(items, build_transforms(cfg, is_train=True)))


def build_clothes_test_loader(cfg, dataset_name: str, **kwargs):
    """FastReID's test loader for ``dataset_name`` (query first), batches with ``clothes``;
    returns ``(loader, num_query)`` as FastReID's builder does."""
    data = DATASET_REGISTRY.get(dataset_name)(root=datasets_root(cfg), **kwargs)
    test_set = ClothesDataset(data.query + data.gallery, build_transforms(cfg, is_train=False), relabel=False)
    return build_reid_test_loader(test_set, cfg.TEST.IMS_PER_BATCH, len(data.query),
                                  num_workers=cfg.DATALOADER.NUM_WORKERS)
