"""MLR-CUHK03 for low-resolution ReID, and its generated twin.

``MLRCUHK03`` reads a folder in MLR-CUHK03's layout
(``MLR-CUHK03/{train,query,gallery}/<pid>/<pid>_c<cam>_<n>.jpg``, see
``synthetic/layouts/mlr.py``): train ids with both cameras (one of them
down-sampled), low-resolution queries against a full-resolution gallery.
Camera ids are the 0-based ones of the names; a query and its gallery
matches are in different cameras, so FastReID's same-camera rule removes
nothing. ``factor_of(path)`` gives an image's down-sampling factor where
the folder has ``factors.csv`` (the generated sets; 1 = full resolution).

``SynthMLR`` generates the ``mlr`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.MLR``,
seed ``DATASETS.SYNTHREID.SEED``) into ``<root>/SynthReID-<preset>-s<seed>`` on first
use, then reads it the same way.
"""
from __future__ import annotations

import os

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import mlr
from .items import Item, item
from .layout_reader import LayoutReader, Split
from .synthreid import GeneratedPreset

__all__ = ["MLRCUHK03", "SynthMLR"]


@DATASET_REGISTRY.register()
class MLRCUHK03(LayoutReader):
    """MLR-CUHK03: low-resolution queries, full-resolution gallery (module docstring)."""

    dataset_dir, dataset_name = mlr.ROOT, "mlrcuhk03"

    def read(self, folder: str) -> Split:
        dirs = [os.path.join(folder, split) for split in mlr.SPLIT_DIRS]
        self.check_before_run([folder] + dirs)
        factors = os.path.join(folder, mlr.FACTORS_FILE)
        self._factors = mlr.read_factors(factors) if os.path.isfile(factors) else {}
        return tuple(self.scan(d, is_train=(split == "train")) for split, d in zip(mlr.SPLIT_DIRS, dirs))

    def scan(self, split_dir: str, is_train: bool) -> list[Item]:
        """(path, pid, 0-based camid) of every image under ``split_dir/<pid>/``, sorted; train ids and
        cameras prefixed with the data set name, as FastReID's train sets are."""
        items = []
        for pid_dir in sorted(os.listdir(split_dir)):
            sub = os.path.join(split_dir, pid_dir)
            if not (pid_dir.isdigit() and os.path.isdir(sub)):
                continue
            for name in sorted(os.listdir(sub)):
                if not name.endswith(".jpg"):
                    continue
                pid, camid, _ = mlr.parse_name(name)
                items.append(item(self.dataset_name, os.path.join(sub, name), pid, camid, is_train))
        return items

    def factor_of(self, path: str) -> int:
        """The down-sampling factor of an image of this folder (``factors.csv``; 1 if it has none)."""
        rel = os.path.relpath(path, self.dataset_dir).replace(os.sep, "/")
        return self._factors.get(rel, 1)


@DATASET_REGISTRY.register()
class SynthMLR(GeneratedPreset, MLRCUHK03):
    """The ``mlr`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.MLR``), generated on first use, read as
    MLR-CUHK03."""

    dataset_name = "synthmlr"
    layout, layout_root = "mlr", mlr.ROOT
