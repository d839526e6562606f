"""Market-1501: ``bounding_box_train/``, ``query/``, ``bounding_box_test/``, names from ``naming.py``.

Planned in ``plan.py`` (:func:`plan.plan_market`); no index files: the folders are the split.
"""
from __future__ import annotations

from ..naming import SPLIT_DIRS
from ..plan import ImageRecord, plan_market as plan

__all__ = ["image_path", "plan"]


def image_path(record: ImageRecord) -> str:
    return f"{SPLIT_DIRS[record.split]}/{record.name}"
