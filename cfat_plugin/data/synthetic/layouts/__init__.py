"""Where each layout puts an image: Market-1501 (``naming.py``), PRCC, LTCC, external, CUHK-PEDES.

The clothes-changing planner stores an image's path relative to the data set
folder in ``ImageRecord.name``; the Market planner stores the bare file name
and the split folder comes from :data:`naming.SPLIT_DIRS`, as it always did.
"""
from __future__ import annotations

from ..naming import SPLIT_DIRS
from ..plan import ImageRecord
from . import external, ltcc, pedes, prcc

# The folder each layout writes inside the data set folder ("" = the folder itself).
ROOTS: dict[str, str] = {"market": "", "prcc": prcc.ROOT, "ltcc": ltcc.ROOT, "external": external.ROOT,
                        "pedes": pedes.ROOT}


def record_path(layout: str, record: ImageRecord) -> str:
    """Path of ``record``'s image relative to the data set folder."""
    if layout == "market":
        return f"{SPLIT_DIRS[record.split]}/{record.name}"
    return record.name


__all__ = ["ROOTS", "external", "ltcc", "pedes", "prcc", "record_path"]
