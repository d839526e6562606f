"""SynthReID: the generated pedestrian data set, registered in DATASET_REGISTRY.

Use it like any FastReID data set (``DATASETS.NAMES: ("SynthReID",)``). It
reads ``<root>/SynthReID/`` (root = ``$FASTREID_DATASETS``, default
``datasets``) and generates the folder there on first use, with no config:

- ``SYNTHREID_PRESET`` (``demo``, the default, or ``tiny``) and
  ``SYNTHREID_SEED`` (default 0) pick what to generate, or the kwargs
  ``preset=`` / ``seed=``; a non-default choice lives in
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

logger = logging.getLogger(__name__)

__all__ = ["SynthReID", "generated_folder", "resolve_seed"]


def resolve_seed(seed: int | None) -> int:
    """``seed`` if given, else ``$SYNTHREID_SEED`` (default 0); a clear error if that is not an integer."""
    if seed is not None:
        return seed
    raw = os.environ.get("SYNTHREID_SEED", "0")
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"SYNTHREID_SEED must be an integer, got {raw!r}") from None


def generated_folder(root: str, layout: str, preset: str, seed: int | None) -> str:
    """Generate (once) SynthReID's ``preset`` under ``root`` for the reader of ``layout``; returns its folder.

    A preset written in another layout is refused before anything is generated,
    with the data set that reads it named (``Layout.reader``); ``seed``: :func:`resolve_seed`.
    """
    seed = resolve_seed(seed)
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

    FastReID builds data sets with ``root`` only, so the preset may also come from the environment
    variable ``preset_env`` (default: the preset named ``layout``) and the seed from ``SYNTHREID_SEED``;
    the reader gets ``dataset_dir`` = the generated folder's ``layout_root``.
    """

    preset_env: str  # e.g. SYNTHPRCC_PRESET
    layout: str  # the layout, and the default preset
    layout_root: str = ""  # the reader's folder inside the generated one ("": the generated folder itself)

    def __init__(self, root: str = "datasets", preset: str | None = None, seed: int | None = None,
                 **kwargs) -> None:
        folder = generated_folder(root, self.layout, preset or os.environ.get(self.preset_env, self.layout), seed)
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
        self.dataset_dir = generated_folder(root, "market", preset or os.environ.get("SYNTHREID_PRESET", "demo"),
                                            seed)

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
