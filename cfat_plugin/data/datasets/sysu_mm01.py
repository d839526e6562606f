"""SYSU-MM01 for visible-infrared ReID, and its generated twin.

``SYSUMM01VI`` reads a folder in SYSU-MM01's own layout (``cam<k>/<pid>/<n>.jpg``
and ``exp/*_id.txt``, see ``synthetic/layouts/sysu.py``); FastReID's core
``SYSU_mm`` reads the visible train images only, so this reader has a new
name. Train: every image (both modalities) of the train and val ids. Test:
the published protocol of one trial, infrared queries (cameras 3 and 6)
against a single-shot visible gallery, all-search (cameras 1, 2, 4, 5) or
indoor-search (1, 2); the gallery draw of the trial is the published one
(``exp/rand_perm_cam.mat``, from the data set's evaluation code) where that
file is present, else a seeded draw. Camera ids are 0-based (camera 3 is camid 2); for the
same-place rule (no camera-2 gallery for camera-3 queries) evaluate with
``cfat_plugin.evaluation.cross_modality.evaluate_sysu``.

``SynthSYSU`` generates the ``sysu`` SynthReID preset into
``<root>/SynthReID-sysu-s<seed>`` on first use, then reads it the same way.
Options (kwargs, else the config, :mod:`.reader_options`): ``mode`` (``DATASETS.SYSU_MM01.MODE``: all,
indoor), ``trial`` (``DATASETS.VISIBLE_INFRARED.TRIAL``, default 1), ``seed`` (``DATASETS.SYNTHREID.SEED``),
``preset`` (``DATASETS.SYNTHREID.PRESET.SYSU``).
Each image's modality: :meth:`SYSUMM01VI.modality_of` (see ``data/modality.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import sysu
from .items import item
from .layout_reader import Split
from .synthreid import GeneratedPreset
from .reader_options import reader_options
from .visible_infrared import VisibleInfraredReader

__all__ = ["SYSUMM01VI", "SynthSYSU"]


@DATASET_REGISTRY.register()
class SYSUMM01VI(VisibleInfraredReader):
    """SYSU-MM01, both modalities, with its visible-infrared test protocol (module docstring)."""

    dataset_dir, dataset_name = "SYSU-MM01", "sysumm01vi"

    def __init__(self, root: str = "datasets", mode: str | None = None, trial: int | None = None, **kwargs) -> None:
        self.mode = reader_options().sysu_mode if mode is None else mode
        super().__init__(root, trial, **kwargs)

    def read(self, folder: str) -> Split:
        id_files = [os.path.join(folder, sysu.id_file(s)) for s in sysu.ID_SPLITS]
        self.check_before_run([folder] + id_files)
        ids = {s: sysu.read_ids(f) for s, f in zip(sysu.ID_SPLITS, id_files)}
        train_items = self.scan(ids["train"] + ids["val"])
        self.test_items = test_items = self.scan(ids["test"])  # every test image, 1-based cameras: the protocol's
        perm_file = os.path.join(folder, sysu.PERM_FILE)  # the published gallery draws, where present
        self.perm = sysu.read_rand_perm(perm_file) if os.path.isfile(perm_file) else None
        query, gallery = sysu.split_query_gallery(test_items, self.mode, self.trial, perm=self.perm)
        train = [item(self.dataset_name, p, pid, cam - 1, is_train=True) for p, pid, cam in train_items]
        return train, [(p, pid, cam - 1) for p, pid, cam in query], [(p, pid, cam - 1) for p, pid, cam in gallery]

    def scan(self, ids: list[int]) -> list[tuple[str, int, int]]:
        """(path, pid, 1-based camera) of every image of ``ids``, sorted; cameras an id never passed are
        simply missing folders."""
        wanted, out = set(ids), []
        for cam in range(1, 7):
            cam_dir = Path(self.dataset_dir) / f"cam{cam}"
            if not cam_dir.is_dir():
                continue
            for pid_dir in sorted(cam_dir.iterdir()):
                if pid_dir.name.isdigit() and int(pid_dir.name) in wanted:
                    out += [(str(p), int(pid_dir.name), cam) for p in sorted(pid_dir.glob("*.jpg"))]
        return out

    @staticmethod
    def modality_of(path: str) -> str:
        """``infrared`` for images of cameras 3 and 6, ``visible`` otherwise."""
        return "infrared" if sysu.parse_path(path)[0] in sysu.INFRARED_CAMERAS else "visible"


@DATASET_REGISTRY.register()
class SynthSYSU(GeneratedPreset, SYSUMM01VI):
    """The ``sysu`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.SYSU``), generated on first use, read as
    SYSU-MM01."""

    dataset_name = "synthsysu"
    layout = "sysu"
