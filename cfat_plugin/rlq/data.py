"""RLQ's data: CAP batches with attributes, TAD's external (HQ, LQ) pairs, low-quality test queries.

- :class:`AttributeDataset`: :class:`~cfat_plugin.data.clothes.ClothesDataset` whose samples also
  hold ``gender`` and ``pose`` (:mod:`.attributes`), for the CAP epochs;
- :class:`ExternalPairs`: every image of the external set (labels never read) as ``images`` (high
  quality) and ``lq_images`` (its low-quality version under the published mixture), through the
  same random augmentation, for the TAD epochs;
- :func:`build_lq_query_test_loader`: the clothes test loader whose queries are corrupted with the
  published mixture (seeded, cached like every corrupted test set); the gallery stays clean.
"""
from __future__ import annotations

import random
from typing import Iterator

import numpy as np
import torch
from fastreid.data.build import build_reid_test_loader, build_reid_train_loader, fast_batch_collator
from fastreid.data.common import CommDataset
from fastreid.data.data_utils import read_image
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.transforms import build_transforms
from PIL import Image

from ..data.clothes import ClothesDataset
from ..data.config import datasets_root
from ..data.corruptions import FixedCorruption, corrupted_items
from .attributes import attribute_labels
from .lowquality import LowQualityPair


class AttributeDataset(ClothesDataset):
    """``ClothesDataset`` whose samples also hold ``gender`` (-1 unknown) and ``pose`` (0 = no pose)."""

    def __init__(self, img_items, transform=None, relabel: bool = True, pose_clusters: int = 15,
                 gender_csv: str = "", pose_csv: str = "") -> None:
        super().__init__(img_items, transform, relabel)
        self.gender, self.pose = attribute_labels([item[0] for item in img_items], pose_clusters, gender_csv,
                                                  pose_csv)

    def __getitem__(self, index: int) -> dict:
        sample = super().__getitem__(index)
        sample["gender"] = self.gender[index]
        sample["pose"] = self.pose[index]
        return sample


def target_train_set(cfg) -> AttributeDataset:
    """The target data's training set (``DATASETS.NAMES``) with clothes and attribute labels."""
    items = []
    for name in cfg.DATASETS.NAMES:
        items.extend(DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train)
    cap = cfg.MODEL.RLQ.CAP
    return AttributeDataset(items, build_transforms(cfg, is_train=True), pose_clusters=cap.POSE_CLUSTERS,
                            gender_csv=cap.GENDER_CSV, pose_csv=cap.POSE_CSV)


def build_cap_train_loader(cfg):
    """FastReID's identity-sampled train loader over :func:`target_train_set`."""
    return build_reid_train_loader(cfg, train_set=target_train_set(cfg))


def _rng_states():
    return random.getstate(), np.random.get_state(), torch.get_rng_state()


def _set_rng_states(states) -> None:
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


class ExternalPairs(CommDataset):
    """External images as (HQ, LQ) pairs; both views get the same random crop/flip/erasing."""

    def __init__(self, img_items, transform, pair: LowQualityPair) -> None:
        super().__init__(img_items, transform, relabel=False)
        self.pair = pair

    def __getitem__(self, index: int) -> dict:
        path = self.img_items[index][0]
        image = read_image(path)
        worker = torch.utils.data.get_worker_info()
        low = Image.fromarray(self.pair(np.asarray(image.convert("RGB")), index, worker.seed if worker else None))
        states = _rng_states()
        hq = self.transform(image)
        _set_rng_states(states)
        lq = self.transform(low)
        return {"images": hq, "lq_images": lq, "img_paths": path}


def build_tad_train_loader(cfg) -> torch.utils.data.DataLoader:
    """Shuffled batches of :class:`ExternalPairs` over ``MODEL.RLQ.TAD.DATASET``'s train split, seeded by ``SEED``."""
    tad = cfg.MODEL.RLQ.TAD
    items = DATASET_REGISTRY.get(tad.DATASET)(root=datasets_root(cfg)).train
    seed = max(int(cfg.SEED), 0)
    dataset = ExternalPairs(items, build_transforms(cfg, is_train=True), LowQualityPair(tad.MIXTURE, seed))
    generator = torch.Generator().manual_seed(seed)
    sampler = torch.utils.data.RandomSampler(dataset, generator=generator)
    batches = torch.utils.data.BatchSampler(sampler, cfg.SOLVER.IMS_PER_BATCH, drop_last=True)
    return torch.utils.data.DataLoader(dataset, batch_sampler=batches, num_workers=cfg.DATALOADER.NUM_WORKERS,
                                       collate_fn=fast_batch_collator)


def endless(loader) -> Iterator[dict]:
    """Batches of ``loader`` pass after pass (a new shuffle each pass)."""
    while True:
        yield from loader


def build_lq_query_test_loader(cfg, dataset_name: str):
    """The clothes test loader of ``dataset_name`` with its queries under ``MODEL.RLQ.LQ_TEST``'s mixture;
    returns ``(loader, num_query)``. Clothes ids come from the clean paths (the cached copies are renamed)."""
    lq = cfg.MODEL.RLQ.LQ_TEST
    data = DATASET_REGISTRY.get(dataset_name)(root=datasets_root(cfg))
    test_set = ClothesDataset(data.query + data.gallery, build_transforms(cfg, is_train=False), relabel=False)
    spec = FixedCorruption(f"rlq_lq_{lq.MIXTURE}", 1, int(lq.SEED))
    test_set.img_items = corrupted_items(data.query, spec, num_workers=0, progress=False) + list(data.gallery)
    return build_reid_test_loader(test_set, cfg.TEST.IMS_PER_BATCH, len(data.query),
                                  num_workers=cfg.DATALOADER.NUM_WORKERS)
