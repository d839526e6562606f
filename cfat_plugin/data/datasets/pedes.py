"""CUHK-PEDES, real or generated, registered in DATASET_REGISTRY (text-based ReID).

``CUHKPEDES`` reads ``<root>/CUHK-PEDES/`` in the real data set's layout
(``imgs/<subfolder>/<file>.jpg`` and ``reid_raw.json``,
``synthetic/layouts/pedes.py``); ``SynthPEDES`` generates SynthReID's
``pedes`` preset (or ``DATASETS.SYNTHREID.PRESET.PEDES``: ``pedes-tiny`` for tests) under
``<root>/SynthReID-<preset>-s<seed>/`` on first use and reads it with the same
code.

Items stay FastReID's ``(path, pid, camid)`` triples, pid the JSON's 1-based
``id``; CUHK-PEDES has no camera labels, so every camid is 0. ``train`` is the
train split (``val`` the val split, an attribute), ``query`` and ``gallery``
are both the test images: their captions are the text queries and the images
the gallery of the text-to-image protocol, which
:mod:`cfat_plugin.data.captions` lays out (and carries the captions into
batches, found from the image path).
"""
from __future__ import annotations

import os

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import pedes
from .items import Item, item
from .layout_reader import LayoutReader, Split
from .synthreid import GeneratedPreset

__all__ = ["CUHKPEDES", "SynthPEDES"]


@DATASET_REGISTRY.register()
class CUHKPEDES(LayoutReader):
    """CUHK-PEDES in its own layout (``<dataset_dir>/imgs``, ``<dataset_dir>/reid_raw.json``)."""

    dataset_dir, dataset_name = pedes.ROOT, "cuhkpedes"

    def read(self, folder: str) -> Split:
        self.img_dir = os.path.join(folder, pedes.IMAGES)
        annotations = os.path.join(folder, pedes.ANNOTATIONS)
        self.check_before_run([self.img_dir, annotations])
        by_split: dict[str, list[dict]] = {s: [] for s in pedes.SPLITS}
        for rec in pedes.read_annotations(annotations):
            by_split[rec["split"]].append(rec)
        self.val = self._items(by_split["val"])
        test = self._items(by_split["test"])
        return self._items(by_split["train"], is_train=True), test, list(test)

    def _items(self, records: list[dict], is_train: bool = False) -> list[Item]:
        data = []
        for rec in sorted(records, key=lambda r: (r["id"], r["file_path"])):
            path = os.path.join(self.img_dir, *rec["file_path"].split("/"))
            data.append(item(self.dataset_name, path, rec["id"], 0, is_train))  # no camera labels: camid 0
        return data


@DATASET_REGISTRY.register()
class SynthPEDES(GeneratedPreset, CUHKPEDES):
    """SynthReID's CUHK-PEDES-shaped preset (``pedes``, or ``DATASETS.SYNTHREID.PRESET.PEDES``), generated on
    first use."""

    dataset_name = "synthpedes"
    layout, layout_root = "pedes", pedes.ROOT
