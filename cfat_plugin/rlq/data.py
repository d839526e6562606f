"""RLQ's data: CAP batches with attributes, TAD's external (HQ, LQ) pairs, low-quality test queries.

- :class:`AttributeDataset`: :class:`~cfat_plugin.data.clothes.ClothesDataset` whose samples also
  hold ``gender`` and ``pose`` (:mod:`.attributes`) and, with ``MODEL.RLQ.RECOLOUR.ENABLED``, the
  image's recoloured replica and its new clothes class (:mod:`.recolour`), for the CAP epochs;
- :class:`ExternalPairs`: every image of the external set (labels never read) as ``images`` (high
  quality) and ``lq_images`` (its low-quality version under the published mixture), each through
  its own random crop/flip/erasing draw (the published loader transforms the two independently),
  for the TAD epochs;
- :func:`build_lq_query_test_loader`: the clothes test loader whose queries are corrupted with the
  published mixture (seeded, cached like every corrupted test set); the gallery stays clean.
"""
from __future__ import annotations

import logging
from typing import Collection, Iterator, List, Optional, Tuple

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
from ..utils.errors import TrainingDataError
from .attributes import UNKNOWN_GENDER, UNKNOWN_POSE, attribute_labels, has_generator_attributes
from .lowquality import LowQualityPair
from .recolour import CLASSES_PER_IDENTITY, ClothesReplicas

logger = logging.getLogger(__name__)


def raw_pid(pid) -> int:
    """The data set's own person id of a training item (FastReID prefixes it: ``"prcc_92"`` -> 92)."""
    return int(str(pid).rsplit("_", 1)[-1])


class AttributeDataset(ClothesDataset):
    """``ClothesDataset`` whose samples also hold ``gender`` (-1 unknown) and ``pose`` (0 = no pose,
    -1 unknown); with ``replicas``, also ``replica_images`` (the recoloured copy, through its own
    augmentation draw) and ``replica_clothes`` (its class after the ``num_original_clothes`` real ones)."""

    def __init__(self, img_items, transform=None, relabel: bool = True, pose_clusters: int = 15,
                 gender_csv: str = "", pose_csv: str = "", unknown: Collection[str] = (),
                 replicas: Optional[ClothesReplicas] = None) -> None:
        super().__init__(img_items, transform, relabel)
        self.replicas = replicas
        self.num_original_clothes = getattr(self, "num_clothes", 0)
        if replicas is not None:
            self.num_clothes += CLASSES_PER_IDENTITY * len(self.pids)
        self.gender, self.pose = attribute_labels([item[0] for item in img_items], pose_clusters, gender_csv,
                                                  pose_csv, pids=[raw_pid(item[1]) for item in img_items])
        if "gender" in unknown:  # that CAP term off: every label unknown, so its CE skips every image
            self.gender = [UNKNOWN_GENDER] * len(img_items)
        if "pose" in unknown:
            self.pose = [UNKNOWN_POSE] * len(img_items)

    def __getitem__(self, index: int) -> dict:
        sample = super().__getitem__(index)
        sample["gender"] = self.gender[index]
        sample["pose"] = self.pose[index]
        if self.replicas is not None:
            image = np.asarray(read_image(sample["img_paths"]).convert("RGB"))
            replica, sample["replica_clothes"] = self.replicas(image, sample["targets"], self.num_original_clothes)
            sample["replica_images"] = self.transform(Image.fromarray(replica))
        return sample

    def identity_clothes(self) -> Tuple[List[int], List[int]]:
        """(pid, clothes class) pairs of every clothes class, replicas' included (CAL's positives)."""
        pids = [self.pid_dict[item[1]] for item in self.img_items]
        clothes = list(self.clothes)
        if self.replicas is not None:
            for pid in range(len(self.pids)):
                first = self.num_original_clothes + pid * CLASSES_PER_IDENTITY
                pids.extend([pid] * CLASSES_PER_IDENTITY)
                clothes.extend(range(first, first + CLASSES_PER_IDENTITY))
        return pids, clothes


def missing_attributes(cfg, paths: List[str]) -> List[str]:
    """CAP's attributes (``gender``, ``pose``) that no file gives for ``paths`` (a real set without
    ``MODEL.RLQ.CAP.GENDER_CSV`` / ``POSE_CSV``): with CAP on, stop and say which file is expected,
    unless ``MODEL.RLQ.CAP.WITHOUT_ATTRIBUTES`` turns those terms off (logged once)."""
    cap = cfg.MODEL.RLQ.CAP
    if not cap.ENABLED or has_generator_attributes(paths):
        return []
    expected = {"gender": ("GENDER_CSV", "Scripts/Helper/<set>_Gender.csv, columns Category,ID,Gender"),
                "pose": ("POSE_CSV", f"Scripts/Helper/<set>_Pose_Cluster.csv, columns Image,R_LA_{cap.POSE_CLUSTERS}")}
    missing = [name for name, (key, _) in expected.items() if not cap[key]]
    if missing and not cap.WITHOUT_ATTRIBUTES:
        wanted = " and ".join(f"MODEL.RLQ.CAP.{expected[n][0]} (published {expected[n][1]})" for n in missing)
        raise TrainingDataError(f"{', '.join(cfg.DATASETS.NAMES)}: CAP needs attribute files: set {wanted}, or "
                                f"MODEL.RLQ.CAP.WITHOUT_ATTRIBUTES True to train without those terms")
    if missing:
        logger.warning("CAP without %s labels (MODEL.RLQ.CAP.WITHOUT_ATTRIBUTES): %s off", " and ".join(missing),
                       " and ".join(f"loss_{n}" for n in missing))
    return missing


def target_train_set(cfg) -> AttributeDataset:
    """The target data's training set (``DATASETS.NAMES``) with clothes and attribute labels."""
    items = []
    for name in cfg.DATASETS.NAMES:
        items.extend(DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train)
    cap = cfg.MODEL.RLQ.CAP
    return AttributeDataset(items, build_transforms(cfg, is_train=True), pose_clusters=cap.POSE_CLUSTERS,
                            gender_csv=cap.GENDER_CSV, pose_csv=cap.POSE_CSV,
                            unknown=missing_attributes(cfg, [item[0] for item in items]),
                            replicas=ClothesReplicas(cfg.MODEL.RLQ.RECOLOUR.ALPHA) if cfg.MODEL.RLQ.RECOLOUR.ENABLED
                            else None)


def build_cap_train_loader(cfg):
    """FastReID's identity-sampled train loader over :func:`target_train_set`."""
    return build_reid_train_loader(cfg, train_set=target_train_set(cfg))


class ExternalPairs(CommDataset):
    """External images as (HQ, LQ) pairs; each view gets its own random crop/flip/erasing draw."""

    def __init__(self, img_items, transform, pair: LowQualityPair) -> None:
        super().__init__(img_items, transform, relabel=False)
        self.pair = pair

    def __getitem__(self, index: int) -> dict:
        path = self.img_items[index][0]
        image = read_image(path)
        worker = torch.utils.data.get_worker_info()
        low = Image.fromarray(self.pair(np.asarray(image.convert("RGB")), index, worker.seed if worker else None))
        return {"images": self.transform(image), "lq_images": self.transform(low), "img_paths": path}


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
