"""Corrupting paired training views after collation, with the torch corruptions (``BACKEND: torch``).

With this backend the data-loader workers only decode, resize and augment;
:class:`PairedCorruptionDataset` still draws each sample's (type, severity,
seed) and puts them in the batch, and :class:`CorruptingLoader` turns
``images`` into the corrupted view in the training process, on the device the
batch is on (FastReID's loader has already moved it to the GPU when there is one).
The draw is the reference backend's, so a run is as reproducible; the damage
is the same in distribution, applied at the network's input size or, with
``DATASETS.CORRUPTION.TRAIN.TORCH_SIZE``, at a size standing for the native one
(the benchmark corrupts before resizing: Market-1501's crops are all 128x64).
"""
from typing import Iterator, Sequence

import torch

BACKENDS = ("reference", "torch")


def check_backend(backend: str, types: Sequence[str]) -> str:
    """``backend`` lower-cased, after checking it exists and, for torch, that every type has a torch version."""
    backend = str(backend).lower()
    if backend not in BACKENDS:
        raise ValueError(f"DATASETS.CORRUPTION.TRAIN.BACKEND must be one of {BACKENDS}, got {backend!r}")
    if backend == "torch":
        from .corruptions.torch_backend import get_torch_twin  # imported only by runs that use it

        for name in types:
            get_torch_twin(name)
    return backend


class BatchCorruption:
    """Batch transform: ``images`` of a collated paired batch corrupted by each sample's own draw.

    Reads ``corruption_types`` (index into ``types``, -1: left clean),
    ``corruption_severities`` and ``corruption_seeds``; writes ``images``.
    ``size`` (H, W): the size images are corrupted at (see ``corrupt_batch``); empty: the batch's.
    """

    def __init__(self, types: Sequence[str], size: Sequence[int] = ()):
        self.types = tuple(types)
        if len(size) not in (0, 2) or any(int(side) < 1 for side in size):
            raise ValueError(f"DATASETS.CORRUPTION.TRAIN.TORCH_SIZE must be [] or [height, width], got {list(size)}")
        self.size = tuple(int(side) for side in size) or None
        check_backend("torch", self.types)

    def __call__(self, batch: dict) -> dict:
        from .corruptions.torch_backend import corrupt_batch

        kinds = batch["corruption_types"].tolist()
        names = ["" if k < 0 else self.types[k] for k in kinds]
        with torch.no_grad():
            batch["images"] = corrupt_batch(batch["images"], names, batch["corruption_severities"].tolist(),
                                            batch["corruption_seeds"].tolist(), self.size)
        return batch


class CorruptingLoader:
    """A training loader whose batches pass through a batch transform; everything else is the loader's."""

    def __init__(self, loader, transform: BatchCorruption):
        self.loader = loader
        self.transform = transform

    def __iter__(self) -> Iterator[dict]:
        for batch in self.loader:
            yield self.transform(batch)

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str):
        # dataset, batch_sampler, ...: FastReID's trainer and our checks read them from the loader
        return getattr(self.__dict__["loader"], name)
