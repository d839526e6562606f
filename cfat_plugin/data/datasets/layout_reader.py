"""The base of the readers of a published data set's own folder layout (PRCC, LTCC, CUHK-PEDES,
MLR-CUHK03, RegDB, SYSU-MM01): a reader says only how to read its folder.

Where the folder is: ``<root>/<dataset_dir>`` (the class attribute, the folder's name as released,
FastReID's convention), unless ``dataset_dir`` names it, as the generated twins do through
:class:`~cfat_plugin.data.datasets.synthreid.GeneratedPreset`. A reader's own options (a query
setting, a trial) are set as attributes in its ``__init__`` before this one runs.
"""
from __future__ import annotations

import os
from typing import Callable, Union

from fastreid.data.datasets.bases import ImageDataset

from .items import Item

Items = Union[list[Item], Callable[[], list[Item]]]  # a callable: read lazily, as FastReID's sets are
Split = tuple[Items, Items, Items]  # train, query, gallery


class LayoutReader(ImageDataset):
    """An ImageDataset read from one folder in a published layout."""

    dataset_dir: str  # the data set's folder name under the data root

    def __init__(self, root: str = "datasets", dataset_dir: str | None = None, **kwargs) -> None:
        self.root = root
        self.dataset_dir = dataset_dir or os.path.join(root, type(self).dataset_dir)
        super().__init__(*self.read(self.dataset_dir), **kwargs)

    def read(self, folder: str) -> Split:
        """Train, query and gallery items of ``folder`` (its files checked with ``check_before_run``)."""
        raise NotImplementedError

    def read_split_folders(self, folder: str, split_dirs: dict[str, str],
                           items: Callable[[str, bool], list[Item]]) -> Split:
        """The split of a layout with one folder per split (``split_dirs``: train/query/gallery -> folder
        name), each read lazily by ``items(path, is_train)``."""
        dirs = {s: os.path.join(folder, d) for s, d in split_dirs.items()}
        self.check_before_run(list(dirs.values()))
        return tuple((lambda s=s: items(dirs[s], s == "train")) for s in ("train", "query", "gallery"))
