"""Market-1501: ``bounding_box_train/``, ``query/``, ``bounding_box_test/``, names from ``naming.py``."""
from __future__ import annotations

from pathlib import Path

from ..naming import SPLIT_DIRS
from ..plan import ImageRecord, plan_dataset
from ..spec import SynthSpec
from . import Layout, save_jpeg


def image_path(record: ImageRecord) -> str:
    return f"{SPLIT_DIRS[record.split]}/{record.name}"


def _no_index(spec: SynthSpec, records: list[ImageRecord], root: Path) -> None:
    """Market-1501 has no index files: the folders are the split."""


LAYOUT = Layout("market", plan_dataset, image_path, save_jpeg, _no_index)
