"""Paired training views: the clean image (teacher) and a corrupted copy (student).

``PairedCorruptionDataset`` is a FastReID ``CommDataset``, so it goes through
``build_reid_train_loader(cfg, train_set=...)`` and keeps FastReID's samplers,
batching, collation and DDP sharding. Each item is the stock dict plus:

- ``images``: the corrupted view, the student's input (so FastReID's stock
  ``Baseline`` trained on this loader *is* the corruption-augmented baseline);
- ``clean_images``: the clean view, the teacher's input (left out with
  ``clean_view=False``: a student trained alone, such as the augmented
  baseline, never reads it, and it costs a second augmentation per sample);
- ``corruption_types``: index of the drawn type in ``dataset.types`` (-1: clean);
- ``corruption_severities``: its severity (0: clean);
- ``corruption_seeds`` (``backend="torch"`` only): the draw's seed (0: clean).

With ``backend="torch"`` the workers do not corrupt: ``images`` is a second
clean view, corrupted after collation by the loader that
:func:`build_paired_train_loader` returns (:mod:`.batch_corruption`).

The reference backend corrupts at the image's native resolution, before
FastReID's transforms (resize, flip, pad/crop, ...). With ``same_geometry``
both views get the *same* random transform (same flip, crop, erasing, ...);
otherwise each view draws its own, like the published CFAT.

What "epoch" means with infinite samplers: FastReID's samplers never end, so
the loader built by :func:`build_paired_train_loader` tags each index with its
*position* in the sampler's global stream (the n-th sample drawn since the
loader started, counted over all DDP ranks). A draw is a function of
(seed, position, index): the same for any number of data-loader workers or
GPUs, and fresh each time an image comes round again. Indexing the data set
with a plain int (no position) uses (seed, epoch, index) instead, with the
epoch set by :meth:`PairedCorruptionDataset.set_epoch`. Geometric
augmentation keeps FastReID's usual per-worker randomness.
"""
import logging
import random
from typing import Iterator, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Sampler

from fastreid.data.common import CommDataset
from fastreid.data import data_utils

from .batch_corruption import BatchCorruption, CorruptingLoader, check_backend
from .corruptions import CORRUPTION_TYPES, SEVERITIES, Draw, check_severity, corrupt, get_corruption, rng_for
from .corruptions.seeding import check_seed

logger = logging.getLogger(__name__)

Key = Union[int, Tuple[int, int]]


class PairedCorruptionDataset(CommDataset):
    """Clean + corrupted views of each training image (see the module docstring)."""

    def __init__(self, img_items: Sequence[tuple], transform=None, relabel: bool = True,
                 types: Sequence[str] = CORRUPTION_TYPES, severities: Sequence[int] = SEVERITIES,
                 clean_prob: float = 0.0, same_geometry: bool = False, seed: int = 0,
                 backend: str = "reference", clean_view: bool = True):
        super().__init__(img_items, transform, relabel)
        self.types = tuple(types) or CORRUPTION_TYPES
        self.severities = tuple(int(s) for s in severities) or SEVERITIES
        for name in self.types:
            get_corruption(name)
            for severity in self.severities:
                check_severity(name, severity)
        if not 0.0 <= float(clean_prob) <= 1.0:
            raise ValueError(f"clean_prob must be in [0, 1], got {clean_prob}")
        self.clean_prob = float(clean_prob)
        self.same_geometry = bool(same_geometry)
        self.seed = check_seed(seed)
        self.backend = check_backend(backend, self.types)
        self.clean_view = bool(clean_view)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Epoch used for draws when the data set is indexed by plain ints."""
        self.epoch = check_seed(epoch, "epoch")

    def draw(self, index: int, position: Optional[int] = None) -> Optional[Draw]:
        """The corruption of sample ``index`` at sampler ``position`` (None: a clean view)."""
        if position is None:
            rng = rng_for(self.seed, "epoch", self.epoch, int(index))
        else:
            rng = rng_for(self.seed, "position", int(position), int(index))
        # Always draw all four numbers, so changing clean_prob does not reshuffle the rest.
        clean = rng.random() < self.clean_prob
        name = self.types[int(rng.integers(len(self.types)))]
        severity = self.severities[int(rng.integers(len(self.severities)))]
        seed = int(rng.integers(2 ** 32))
        return None if clean else Draw(name, severity, seed)

    def views(self, index: int, position: Optional[int] = None) -> Tuple[Image.Image, Image.Image, Optional[Draw]]:
        """(clean, corrupted, draw) PIL images of sample ``index`` before FastReID's transforms
        (with the torch backend the second view is clean too: it is corrupted after collation)."""
        clean = data_utils.read_image(self.img_items[index][0])  # BadImageError names a bad file
        draw = self.draw(index, position)
        if draw is None or self.backend == "torch":
            return clean, clean, draw
        corrupted = corrupt(np.asarray(clean), draw.name, draw.severity, draw.seed)
        return clean, Image.fromarray(corrupted), draw

    def _transform_pair(self, clean: Image.Image, corrupted: Image.Image):
        if self.transform is None:
            return clean, corrupted
        if not self.clean_view:
            return None, self.transform(corrupted)
        if not self.same_geometry:
            return self.transform(clean), self.transform(corrupted)
        # Replay the same random numbers for the second view, whichever RNG a transform uses.
        states = torch.get_rng_state(), np.random.get_state(), random.getstate()
        clean_out = self.transform(clean)
        after = torch.get_rng_state(), np.random.get_state(), random.getstate()
        torch.set_rng_state(states[0]), np.random.set_state(states[1]), random.setstate(states[2])
        corrupted_out = self.transform(corrupted)
        torch.set_rng_state(after[0]), np.random.set_state(after[1]), random.setstate(after[2])
        return clean_out, corrupted_out

    def __getitem__(self, key: Key) -> dict:
        index, position = (key if isinstance(key, tuple) else (key, None))
        index = int(index)
        path, pid, camid = self.img_items[index][:3]
        clean, corrupted, draw = self.views(index, position)
        clean, corrupted = self._transform_pair(clean, corrupted)
        if self.relabel:
            pid, camid = self.pid_dict[pid], self.cam_dict[camid]
        item = {
            "images": corrupted,
            "targets": pid,
            "camids": camid,
            "img_paths": path,
            "corruption_types": -1 if draw is None else self.types.index(draw.name),
            "corruption_severities": 0 if draw is None else draw.severity,
        }
        if self.clean_view:
            item["clean_images"] = clean
        if self.backend == "torch":
            item["corruption_seeds"] = 0 if draw is None else draw.seed
        return item


class PositionTaggedSampler(Sampler):
    """Yields ``(index, global position)`` from a FastReID sampler, unchanged otherwise.

    FastReID's samplers give rank ``r`` of ``W`` the items ``r, r+W, r+2W, ...``
    of one shared infinite stream; position ``k*W + r`` is that item's place
    in the stream, identical for any worker count and any number of GPUs.
    """

    def __init__(self, sampler: Sampler):
        self.sampler = sampler
        self.rank = int(getattr(sampler, "_rank", 0))
        self.world_size = int(getattr(sampler, "_world_size", 1))

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        for k, index in enumerate(self.sampler):
            yield int(index), k * self.world_size + self.rank

    def __len__(self) -> int:
        return len(self.sampler)


def paired_dataset_kwargs(cfg) -> dict:
    """``PairedCorruptionDataset`` keyword arguments from ``cfg.DATASETS.CORRUPTION.TRAIN``."""
    node = cfg.DATASETS.CORRUPTION.TRAIN
    return {
        "types": tuple(node.TYPES) or CORRUPTION_TYPES,
        "severities": tuple(node.SEVERITIES) or SEVERITIES,
        "clean_prob": float(node.CLEAN_PROB),
        "same_geometry": bool(node.SAME_GEOMETRY),
        "seed": int(node.SEED),
        "backend": str(node.BACKEND),
        "clean_view": bool(node.CLEAN_VIEW),
    }


def build_paired_train_loader(cfg, *, train_items: Optional[Sequence[tuple]] = None, transforms=None, **kwargs):
    """FastReID's training loader over paired views of ``cfg.DATASETS.NAMES`` (or ``train_items``).

    Transforms, sampler (``DATALOADER.SAMPLER_TRAIN``), batch size and workers
    are FastReID's, from ``cfg``; the corruption keys are
    ``DATASETS.CORRUPTION.TRAIN.*`` (``ENABLED`` is the trainer's switch and
    is not read here). ``kwargs`` go to the data set constructors, like
    FastReID's ``combineall``.
    """
    from fastreid.data import build as data_build
    from fastreid.data.datasets import DATASET_REGISTRY
    from fastreid.data.transforms import build_transforms
    from fastreid.utils import comm

    if train_items is None:
        train_items = []
        for name in cfg.DATASETS.NAMES:
            data = DATASET_REGISTRY.get(name)(root=data_build._root, **kwargs)
            if comm.is_main_process():
                data.show_train()
            train_items.extend(data.train)
    if transforms is None:
        transforms = build_transforms(cfg, is_train=True)
    options = paired_dataset_kwargs(cfg)
    train_set = PairedCorruptionDataset(train_items, transforms, relabel=True, **options)
    logger.info(f"Paired training views: {len(options['types'])} corruption types, severities "
                f"{list(options['severities'])}, clean probability {options['clean_prob']:.3f}, "
                f"same geometry {options['same_geometry']}, seed {options['seed']}, "
                f"corrupted by the {train_set.backend} backend"
                + ("" if train_set.clean_view else ", no clean view (the student trains alone)"))
    # The stock sampler for this config, wrapped to tag each index with its stream position.
    sampler = data_build._train_loader_from_config(cfg, train_set=train_set, transforms=transforms)["sampler"]
    loader = data_build.build_reid_train_loader(cfg, train_set=train_set, sampler=PositionTaggedSampler(sampler))
    if train_set.backend == "torch":
        loader = CorruptingLoader(loader, BatchCorruption(train_set.types, cfg.DATASETS.CORRUPTION.TRAIN.TORCH_SIZE))
    return loader
