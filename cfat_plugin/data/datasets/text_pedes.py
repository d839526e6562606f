"""ICFG-PEDES and RSTPReid in their published layouts (as IRRA's ``datasets/icfgpedes.py``, ``rstpreid.py``).

- ``ICFGPEDES``: ``<root>/ICFG-PEDES/imgs/...`` and ``ICFG-PEDES.json`` (IRRA's code reads that name; its
  README says ``ICFG_PEDES.json``), records ``{id, file_path, captions, split}``, splits train and test.
- ``RSTPReid``: ``<root>/RSTPReid/imgs/...`` and ``data_captions.json``, records
  ``{id, img_path, captions, split}``, splits train, val and test.

Each record is checked (a record with a missing key or an empty caption is named by its position and
path). Items are ``(path, pid, camid 0)``; FastReID relabels the training ids ``0..n-1`` (``CommDataset``,
after :func:`.items.item` prefixes them); ``query`` and ``gallery`` are both the test images, whose
captions are the text queries (:mod:`cfat_plugin.data.captions`).
"""
from __future__ import annotations

import json
import os

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts.pedes import IMAGES
from .items import Item, item
from .layout_reader import LayoutReader, Split

__all__ = ["ICFGPEDES", "RSTPReid", "ANNOTATION_FILES", "read_caption_records"]

# annotation file -> (data set, the key holding the image path relative to imgs/)
ANNOTATION_FILES = {"ICFG-PEDES.json": ("ICFG-PEDES", "file_path"), "data_captions.json": ("RSTPReid", "img_path")}
NEEDED = ("id", "captions", "split")


def read_caption_records(path: str) -> list[dict]:
    """The records of an ICFG-PEDES or RSTPReid annotation file, each with ``file_path``; ValueError naming
    the first bad record."""
    dataset, path_key = ANNOTATION_FILES[os.path.basename(path)]
    with open(path) as fh:
        records = json.load(fh)
    if not isinstance(records, list):
        raise ValueError(f"{dataset}: {path} must hold a JSON list of records, got {type(records).__name__}")
    out = []
    for i, rec in enumerate(records):
        where = f"{dataset}: record {i} ({rec.get(path_key, '?') if isinstance(rec, dict) else rec!r}) in {path}"
        missing = [k for k in NEEDED + (path_key,) if not isinstance(rec, dict) or k not in rec]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        caps = rec["captions"]
        if not (isinstance(caps, list) and caps and all(isinstance(c, str) and c.strip() for c in caps)):
            raise ValueError(f"{where}: an empty caption (captions must be non-empty strings), got {caps!r}")
        if not (isinstance(rec["id"], int) and not isinstance(rec["id"], bool)):
            raise ValueError(f"{where}: id must be an int, got {rec['id']!r}")
        out.append({**rec, "file_path": rec[path_key]})
    return out


class CaptionLayoutReader(LayoutReader):
    """``<dataset_dir>/imgs`` and one annotation file (``annotations``); query = gallery = the test images."""

    annotations: str

    def read(self, folder: str) -> Split:
        self.img_dir = os.path.join(folder, IMAGES)
        annotations = os.path.join(folder, self.annotations)
        self.check_before_run([self.img_dir, annotations])
        by_split: dict[str, list[dict]] = {}
        for rec in read_caption_records(annotations):
            by_split.setdefault(rec["split"], []).append(rec)
        self.val = self._items(by_split.get("val", []))
        test = self._items(by_split.get("test", []))
        return self._items(by_split.get("train", []), is_train=True), test, list(test)

    def _items(self, records: list[dict], is_train: bool = False) -> list[Item]:
        return [item(self.dataset_name, os.path.join(self.img_dir, *r["file_path"].split("/")), r["id"], 0, is_train)
                for r in sorted(records, key=lambda r: (r["id"], r["file_path"]))]


@DATASET_REGISTRY.register()
class ICFGPEDES(CaptionLayoutReader):
    """ICFG-PEDES (``ICFG-PEDES/imgs``, ``ICFG-PEDES/ICFG-PEDES.json``)."""

    dataset_dir, dataset_name, annotations = "ICFG-PEDES", "icfgpedes", "ICFG-PEDES.json"


@DATASET_REGISTRY.register()
class RSTPReid(CaptionLayoutReader):
    """RSTPReid (``RSTPReid/imgs``, ``RSTPReid/data_captions.json``)."""

    dataset_dir, dataset_name, annotations = "RSTPReid", "rstpreid", "data_captions.json"
