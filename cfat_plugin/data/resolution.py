"""Whether each sample is low resolution, carried into FastReID batches (low-resolution ReID).

Degradation-invariant learning pairs full-resolution images with *real* low-resolution ones, and
which images are real low-resolution ones is a property of the image the readers of MLR-CUHK03,
MLR-VIPeR and CAVIAR know (``reader.is_low_resolution(path)``: ``factors.csv`` where present, else
camera ``c0``, the published rule). :class:`LowResolutionDataset` is a ``CommDataset`` that adds
``low_resolution`` (1 = low, 0 = full resolution; the code's ``deg_label`` is its complement) to each
sample, hence to the batch; it goes through ``build_reid_train_loader(cfg, train_set=...)`` and
``build_reid_test_loader(test_set=..., ...)`` as the modality set does.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .sample_fields import SampleFieldDataset


class LowResolutionDataset(SampleFieldDataset):
    """A ``CommDataset`` whose samples also hold ``low_resolution``: ``int(is_low_resolution(path))``
    (e.g. an MLR-CUHK03 reader's ``is_low_resolution``)."""

    field, values = "low_resolution", "low_resolution"  # the batch key and the attribute it is read from

    def __init__(self, img_items: Sequence[tuple], is_low_resolution: Callable[[str], bool], transform=None,
                 relabel: bool = True) -> None:
        super().__init__(list(img_items), transform, relabel)
        self.low_resolution = [int(bool(is_low_resolution(item[0]))) for item in self.img_items]
