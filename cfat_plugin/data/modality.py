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

from .sample_fields import SampleFieldDataset

MODALITIES = ("visible", "infrared")
VISIBLE, INFRARED = 0, 1


def modality_index(name: str) -> int:
    """0 for ``visible``, 1 for ``infrared``; ``ValueError`` otherwise."""
    try:
        return MODALITIES.index(name)
    except ValueError:
        raise ValueError(f"unknown modality {name!r}; choose one of {MODALITIES}") from None


class ModalityDataset(SampleFieldDataset):
    """A ``CommDataset`` whose items also hold ``modalities``: the index in :data:`MODALITIES`
    of ``modality_of(path)`` (e.g. a SYSU-MM01 or RegDB reader's ``modality_of``)."""

    field, values = "modalities", "modalities"  # the batch key and the attribute it is read from

    def __init__(self, img_items: Sequence[tuple], modality_of: Callable[[str], str], transform=None,
                 relabel: bool = True) -> None:
        super().__init__(list(img_items), transform, relabel)
        self.modalities = [modality_index(modality_of(item[0])) for item in self.img_items]


class PerModalityTransformDataset(ModalityDataset):
    """A :class:`ModalityDataset` whose image goes through ``transforms[modality]``: FastReID builds one
    transform per data set, a visible-infrared method may augment the two modalities differently."""

    def __init__(self, img_items: Sequence[tuple], modality_of: Callable[[str], str], transforms: dict,
                 relabel: bool = True) -> None:
        super().__init__(img_items, modality_of, transform=None, relabel=relabel)
        missing = [m for m in range(len(MODALITIES)) if m not in transforms]
        if missing:
            raise ValueError(f"no transform for modality {[MODALITIES[m] for m in missing]}")
        self.transforms = transforms

    def __getitem__(self, index: int) -> dict:
        item = super().__getitem__(index)  # the image is read but not transformed (transform=None)
        item["images"] = self.transforms[item["modalities"]](item["images"])
        return item


def build_modality_train_loader(cfg, transforms: dict, **kwargs):
    """FastReID's training loader (its sampler, batch size and workers from ``cfg``) over a
    :class:`PerModalityTransformDataset` of ``cfg.DATASETS.NAMES``: each reader must say the modality
    of its images (``modality_of``). ``kwargs`` go to the data set constructors."""
    from fastreid.data import build as data_build
    from fastreid.data.datasets import DATASET_REGISTRY
    from fastreid.utils import comm

    items, modality = [], {}
    for name in cfg.DATASETS.NAMES:
        data = DATASET_REGISTRY.get(name)(root=data_build._root, **kwargs)
        if not hasattr(data, "modality_of"):
            raise ValueError(f"{name} does not say which images are infrared (no modality_of): a visible-infrared "
                             f"method trains on SYSUMM01VI, RegDBVI, SynthSYSU or SynthRegDB")
        if comm.is_main_process():
            data.show_train()
        items.extend(data.train)
        modality.update((item[0], data.modality_of(item[0])) for item in data.train)
    train_set = PerModalityTransformDataset(items, modality.__getitem__, transforms, relabel=True)
    sampler = data_build._train_loader_from_config(cfg, train_set=train_set, transforms=transforms)["sampler"]
    return data_build.build_reid_train_loader(cfg, train_set=train_set, sampler=sampler)
