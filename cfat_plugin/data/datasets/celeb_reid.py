"""Celeb-reID (Huang et al., 2019): the external set of RLQ's published TAD and its teacher's training set.

``CelebReID`` reads ``<root>/Celeb-reID/{train,query,gallery}`` (:mod:`..synthetic.layouts.celeb`);
junk images (pid -1) are skipped as in the published reader. Every image shows its person in
other clothes, so :func:`~cfat_plugin.data.clothes.clothes_of_path` gives each Celeb-reID image a
clothes id of its own (one clothes class per training image, as published).
"""
from __future__ import annotations

import os

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import celeb
from .items import Item, item
from .layout_reader import LayoutReader, Split

__all__ = ["CelebReID"]


@DATASET_REGISTRY.register()
class CelebReID(LayoutReader):
    """Celeb-reID in its own layout (``<dataset_dir>/{train,query,gallery}``); camids 0-based."""

    dataset_dir, dataset_name = celeb.ROOT, "celebreid"

    def read(self, folder: str) -> Split:
        return self.read_split_folders(folder, celeb.SPLIT_DIRS, self._items)

    def _items(self, folder: str, is_train: bool = False) -> list[Item]:
        data = []
        for name in sorted(f for f in os.listdir(folder) if f.endswith(".jpg")):
            fields = celeb.parse_name(name)
            if fields.pid == -1:
                continue
            data.append(item(self.dataset_name, os.path.join(folder, name), fields.pid, fields.camid, is_train))
        return data
