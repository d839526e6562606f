"""SynthReID: the generated pedestrian data set, registered in DATASET_REGISTRY.

Use it like any FastReID data set (``DATASETS.NAMES: ("SynthReID",)``). It
reads ``<root>/SynthReID/`` (root = ``DATASETS.ROOT``, else ``$FASTREID_DATASETS``,
default ``datasets``) and generates the folder there on first use:

- ``DATASETS.SYNTHREID.PRESET.MARKET`` (``demo``, the default, or ``tiny``, ...) and
  ``DATASETS.SYNTHREID.SEED`` (default 0) pick what to generate, or the kwargs
  ``preset=`` / ``seed=`` (:mod:`.reader_options`); a non-default choice lives in
  ``<root>/SynthReID-<preset>-s<seed>/`` so sets never overwrite each other.
- An existing complete folder is used as it is, so a set made by the CLI with
  custom knobs (``--name SynthReID``) is picked up too.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.datasets.bases import ImageDataset

from ..synthetic import SPLIT_DIRS, ensure_dataset, folder_name, parse_name
from ..synthetic import preset as preset_spec
from ..synthetic.layouts import get_layout
from ..synthetic.naming import JUNK_PID
from .items import Item, item
from .reader_options import reader_options

logger = logging.getLogger(__name__)

__all__ = ["SynthReID", "generated_folder"]


def generated_folder(root: str, layout: str, preset: str | None, seed: int | None) -> str:
    """Generate (once) SynthReID's ``preset`` under ``root`` for the reader of ``layout``; returns its folder.

    ``preset`` None: ``DATASETS.SYNTHREID.PRESET.<LAYOUT>`` (the layout's own preset by default; SynthReID's
    Market-1501 layout: ``demo``); ``seed`` None: ``DATASETS.SYNTHREID.SEED`` (:mod:`.reader_options`).
    A preset written in another layout is refused before anything is generated,
    with the data set that reads it named (``Layout.reader``).
    """
    options = reader_options()
    preset = preset or options.preset(layout, "demo" if layout == "market" else layout)
    seed = options.synthreid_seed if seed is None else seed
    spec = preset_spec(preset, seed=seed)  # ValueError names the valid presets
    if spec.layout != layout:
        raise ValueError(f"{get_layout(layout).reader} reads the {layout} layout; preset {preset!r} is written in "
                         f"the {spec.layout} layout: use the {get_layout(spec.layout).reader} data set")
    folder = str(Path(root) / folder_name(preset, seed))
    manifest = ensure_dataset(spec, folder, progress=True)
    logger.info("%s: %s (digest %s...)", get_layout(layout).reader, folder, manifest["digest"][:12])
    return folder


class GeneratedPreset:
    """Mixin: a real data set's reader (the next base class) on SynthReID's preset in its layout,
    generated on first use.

    FastReID builds data sets with ``root`` only, so the preset and seed not given here come from the
    config (``DATASETS.SYNTHREID.PRESET.<LAYOUT>``, default: the preset named ``layout``, and
    ``DATASETS.SYNTHREID.SEED``); the reader gets ``dataset_dir`` = the generated folder's ``layout_root``.
    """

    layout: str  # the layout, and the default preset
    layout_root: str = ""  # the reader's folder inside the generated one ("": the generated folder itself)

    def __init__(self, root: str = "datasets", preset: str | None = None, seed: int | None = None,
                 **kwargs) -> None:
        folder = generated_folder(root, self.layout, preset, seed)
        super().__init__(root, dataset_dir=os.path.join(folder, self.layout_root) if self.layout_root else folder,
                         **kwargs)


@DATASET_REGISTRY.register()
class SynthReID(ImageDataset):
    """Procedural pedestrians in the Market-1501 layout; pid 0000 images are
    gallery distractors (kept, as Market1501 does), pid -1 junk is dropped."""

    _junk_pids = [0, -1]
    dataset_name = "synthreid"

    def __init__(self, root: str = "datasets", preset: str | None = None, seed: int | None = None,
                 **kwargs) -> None:
        self.root = root
        self.dataset_dir = generated_folder(root, "market", preset, seed)

        self.train_dir, self.query_dir, self.gallery_dir = (
            os.path.join(self.dataset_dir, SPLIT_DIRS[s]) for s in ("train", "query", "gallery"))
        self.check_before_run([self.train_dir, self.query_dir, self.gallery_dir])
        train = lambda: self.process_dir(self.train_dir, is_train=True)  # noqa: E731  (lazy, as FastReID does)
        query = lambda: self.process_dir(self.query_dir, is_train=False)  # noqa: E731
        gallery = lambda: self.process_dir(self.gallery_dir, is_train=False)  # noqa: E731
        super().__init__(train, query, gallery, **kwargs)

    def process_dir(self, dir_path: str, is_train: bool = True) -> list[Item]:
        """(path, pid, camid) per image, sorted by name so the order is the same
        on every file system; camids 0-based; train ids/cams prefixed with the
        data set name, as FastReID's train sets are."""
        data = []
        for name in sorted(os.listdir(dir_path)):
            if not name.endswith(".jpg"):
                continue
            fields = parse_name(name)
            if fields.pid == JUNK_PID:
                continue
            data.append(item(self.dataset_name, os.path.join(dir_path, name), fields.pid, fields.camid - 1, is_train))
        return data
