"""Stage I's training pairs: every full-resolution image with a real low-resolution image of another identity.

The published ``SemiTripletFolder``: the low-resolution pool is every image its reader flags
(``is_low_resolution``: camera ``c0``, or ``factors.csv``; :mod:`cfat_plugin.data.resolution`), and each
full-resolution image is drawn with a low-resolution one of a different identity. An epoch is one pass
over the full-resolution images (FastReID's infinite ``TrainingSampler``, seeded by ``SEED``); the partner
is drawn anew at every visit, from (``SEED``, image, visit). A training split without low-resolution or
without full-resolution images stops the run before any model is built (:class:`TrainingDataError`).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from fastreid.data.build import build_reid_train_loader
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.samplers import TrainingSampler
from fastreid.data.transforms import build_transforms

from ..data.config import datasets_root
from ..data.resolution import LowResolutionDataset
from ..utils.errors import TrainingDataError


class DegradationPairs(LowResolutionDataset):
    """Samples of the full-resolution images, each with ``lr_images`` / ``lr_targets`` of a real
    low-resolution image of another identity (module docstring); identities relabelled over both."""

    def __init__(self, img_items: Sequence[tuple], is_low_resolution: Callable[[str], bool], transform=None,
                 seed: int = 0, names: str = "the training split") -> None:
        super().__init__(img_items, is_low_resolution, transform, relabel=True)
        flags = np.array(self.low_resolution, dtype=bool)
        self.full, self.low = np.flatnonzero(~flags), np.flatnonzero(flags)
        if not len(self.low) or not len(self.full):
            missing = "low-resolution" if not len(self.low) else "full-resolution"
            raise TrainingDataError(
                f"{names} has no {missing} image ({len(self.full)} full-, {len(self.low)} low-resolution): DIL's "
                f"real pairs need both (low resolution: camera c0, or a factor above 1 in factors.csv); train "
                f"stage I on MLRCUHK03, MLRVIPeR, CAVIAR or SynthMLR")
        self.low_pids = np.array([self.pid_dict[self.img_items[i][1]] for i in self.low])
        self.seed, self._visits = int(seed), {}

    def __len__(self) -> int:
        return len(self.full)

    def partner(self, index: int) -> int:
        """The low-resolution image drawn for the ``index``-th full-resolution one at this visit."""
        visit = self._visits.get(index, 0)
        self._visits[index] = visit + 1
        pid = self.pid_dict[self.img_items[self.full[index]][1]]
        others = self.low[self.low_pids != pid]
        pool = others if len(others) else self.low  # a single identity: its own low-resolution images
        return int(pool[np.random.default_rng([self.seed, index, visit]).integers(len(pool))])

    def __getitem__(self, index: int) -> dict:
        sample = super().__getitem__(int(self.full[index]))
        low = super().__getitem__(self.partner(index))
        sample["lr_images"], sample["lr_targets"] = low["images"], low["targets"]
        return sample


def stage1_train_set(cfg) -> DegradationPairs:
    """:class:`DegradationPairs` over ``DATASETS.NAMES``' train splits, FastReID's training transforms."""
    items, flags = [], {}
    for name in cfg.DATASETS.NAMES:
        reader = DATASET_REGISTRY.get(name)(root=datasets_root(cfg))
        if not hasattr(reader, "is_low_resolution"):
            raise TrainingDataError(f"DATASETS.NAMES: {name} does not say which images are low resolution (no "
                                    f"is_low_resolution): train DIL's stage I on MLRCUHK03, MLRVIPeR, CAVIAR or "
                                    f"SynthMLR")
        items.extend(reader.train)
        flags.update((item[0], reader.is_low_resolution(item[0])) for item in reader.train)
    return DegradationPairs(items, flags.__getitem__, build_transforms(cfg, is_train=True), max(int(cfg.SEED), 0),
                            f"the training split of {', '.join(cfg.DATASETS.NAMES)}")


def build_stage1_train_loader(cfg):
    """Shuffled batches of :func:`stage1_train_set` (``SOLVER.IMS_PER_BATCH`` pairs)."""
    train_set = stage1_train_set(cfg)
    sampler = TrainingSampler(len(train_set), seed=max(int(cfg.SEED), 0))
    return build_reid_train_loader(cfg, train_set=train_set, sampler=sampler)
