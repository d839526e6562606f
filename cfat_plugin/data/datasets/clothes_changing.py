"""PRCC and LTCC, real or generated, registered in DATASET_REGISTRY.

``PRCC`` reads ``<root>/prcc/rgb/...`` and ``LTCC`` reads ``<root>/LTCC_ReID/...``
in the real data sets' layouts (``synthetic/layouts/``); ``SynthPRCC`` and
``SynthLTCC`` generate SynthReID's presets of those shapes under
``<root>/SynthReID-<preset>-s<seed>/`` on first use and read them with the same
code, so what trains on the synthetic set trains on the real one.
``SynthExternal`` is the unlabeled external set (every image has pid 0).

Items stay FastReID's ``(path, pid, camid)`` triples, so its samplers and
loaders work unchanged; the clothes id is in the path (LTCC's file name,
PRCC's camera letter) and :mod:`cfat_plugin.data.clothes` reads it from there
into the batch (:class:`ClothesDataset`) and the evaluator.

PRCC's query is B (same clothes) and C (changed clothes) by default; pass
``query="same"`` or ``query="changed"`` for one of PRCC's two test settings.
"""
from __future__ import annotations

import os

from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.datasets.bases import ImageDataset

from ..synthetic.layouts import external, ltcc, prcc
from .items import Item, item
from .layout_reader import LayoutReader, Split
from .synthreid import GeneratedPreset, generated_folder

__all__ = ["LTCC", "PRCC", "SynthExternal", "SynthLTCC", "SynthPRCC"]

PRCC_QUERIES = {"same": ("B",), "changed": ("C",), "both": ("B", "C")}


def _files(folder: str, suffix: str) -> list[str]:
    """Image files under ``folder``, sorted so the order is the same on every file system."""
    return sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if f.endswith(suffix))


@DATASET_REGISTRY.register()
class PRCC(LayoutReader):
    """PRCC in its own layout (``<dataset_dir>/rgb/{train,val,test}``); camids A=0, B=1, C=2."""

    dataset_dir, dataset_name = prcc.ROOT, "prcc"

    def __init__(self, root: str = "datasets", query: str = "both", **kwargs) -> None:
        if query not in PRCC_QUERIES:
            raise ValueError(f"PRCC: query must be one of {sorted(PRCC_QUERIES)}, got {query!r}")
        self.query_cams = PRCC_QUERIES[query]
        super().__init__(root, **kwargs)

    def read(self, folder: str) -> Split:
        rgb = os.path.join(folder, "rgb")
        self.check_before_run([os.path.join(rgb, s) for s in ("train", "test")])
        train = lambda: self._items(os.path.join(rgb, "train"), is_train=True)  # noqa: E731 (lazy, as FastReID)
        query_ = lambda: [i for c in self.query_cams for i in self._items(os.path.join(rgb, "test", c))]  # noqa: E731
        gallery = lambda: self._items(os.path.join(rgb, "test", "A"))  # noqa: E731
        return train, query_, gallery

    def _items(self, folder: str, is_train: bool = False) -> list[Item]:
        data = []
        for path in _files(folder, ".jpg"):
            fields = prcc.parse_path(path)
            data.append(item(self.dataset_name, path, fields.pid, prcc.CAMERAS.index(fields.cam), is_train))
        return data


@DATASET_REGISTRY.register()
class LTCC(LayoutReader):
    """LTCC in its own layout (``<dataset_dir>/{train,query,test}``); camids 0-based."""

    dataset_dir, dataset_name = ltcc.ROOT, "ltcc"

    def read(self, folder: str) -> Split:
        return self.read_split_folders(folder, ltcc.SPLIT_DIRS, self._items)

    def _items(self, folder: str, is_train: bool = False) -> list[Item]:
        data = []
        for path in _files(folder, ".png"):
            fields = ltcc.parse_name(os.path.basename(path))
            data.append(item(self.dataset_name, path, fields.pid, fields.camid - 1, is_train))
        return data


@DATASET_REGISTRY.register()
class SynthPRCC(GeneratedPreset, PRCC):
    """SynthReID's PRCC-shaped preset (``prcc``, or ``DATASETS.SYNTHREID.PRESET.PRCC``: ``prcc-tiny`` for
    tests), generated on first use."""

    dataset_name = "synthprcc"
    layout, layout_root = "prcc", prcc.ROOT


@DATASET_REGISTRY.register()
class SynthLTCC(GeneratedPreset, LTCC):
    """SynthReID's LTCC-shaped preset (``ltcc``, or ``DATASETS.SYNTHREID.PRESET.LTCC``: ``ltcc-tiny`` for
    tests), generated on first use."""

    dataset_name = "synthltcc"
    layout, layout_root = "ltcc", ltcc.ROOT


@DATASET_REGISTRY.register()
class SynthExternal(ImageDataset):
    """The unlabeled external set as a train split: pid and camid are 0 for every
    image (not labels); no query or gallery. SynthReID's ``external`` preset, or
    ``DATASETS.SYNTHREID.PRESET.EXTERNAL``, generated on first use."""

    dataset_name = "synthexternal"

    def __init__(self, root: str = "datasets", preset: str | None = None, seed: int | None = None,
                 **kwargs) -> None:
        self.root = root
        folder = generated_folder(root, "external", preset, seed)
        self.dataset_dir = os.path.join(folder, external.ROOT)
        train = [item(self.dataset_name, p, 0, 0, is_train=True)  # 0: no labels
                 for p in _files(os.path.join(self.dataset_dir, "images"), ".jpg")]
        super().__init__(train, [], [], **kwargs)
