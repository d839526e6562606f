"""The modality of each sample (visible or infrared), carried into the batch.

FastReID's items are ``(path, pid, camid)`` tuples and its ``CommDataset``
returns ``{images, targets, camids, img_paths}``; a visible-infrared method
also needs to know which images are infrared. Changing the tuples would
break FastReID code that unpacks three fields, and relabelled train camera
ids no longer say which camera is which, so the modality is kept where it is
certain: in the image's path, which the readers of SYSU-MM01 and RegDB
interpret (``reader.modality_of(path)``: ``cam3``/``cam6``, ``Thermal/``).
:class:`ModalityDataset` is a ``CommDataset`` that adds ``modalities`` (0 =
visible, 1 = infrared) to each item, so the training batch and the
evaluator's ``inputs`` carry it as a tensor; it goes through
``build_reid_train_loader(cfg, train_set=...)`` and
``build_reid_test_loader(test_set=..., ...)`` like the paired corruption set.
"""
from __future__ import annotations

from typing import Callable, Sequence

from fastreid.data.common import CommDataset

MODALITIES = ("visible", "infrared")
VISIBLE, INFRARED = 0, 1


def modality_index(name: str) -> int:
    """0 for ``visible``, 1 for ``infrared``; ``ValueError`` otherwise."""
    try:
        return MODALITIES.index(name)
    except ValueError:
        raise ValueError(f"unknown modality {name!r}; choose one of {MODALITIES}") from None


class ModalityDataset(CommDataset):
    """A ``CommDataset`` whose items also hold ``modalities``: the index in :data:`MODALITIES`
    of ``modality_of(path)`` (e.g. a SYSU-MM01 or RegDB reader's ``modality_of``)."""

    def __init__(self, img_items: Sequence[tuple], modality_of: Callable[[str], str], transform=None,
                 relabel: bool = True) -> None:
        super().__init__(list(img_items), transform, relabel)
        self.modalities = [modality_index(modality_of(item[0])) for item in self.img_items]

    def __getitem__(self, index: int) -> dict:
        item = super().__getitem__(index)
        item["modalities"] = self.modalities[index]
        return item
