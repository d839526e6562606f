"""Market-1501 file names: ``PPPP_cCsS_FFFFFF_NN.jpg`` (junk: ``-1_cCsS_...``).

The generator writes and the SynthReID reader parses through this one module,
so the two can never disagree on the format.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .name_fields import int_fields

# The Market-1501 split folders, by the split names used in this package.
SPLIT_DIRS: dict[str, str] = {
    "train": "bounding_box_train",
    "gallery": "bounding_box_test",
    "query": "query",
}

DISTRACTOR_PID = 0  # "0000": false detections / background, kept in the gallery
JUNK_PID = -1  # "-1": badly cropped boxes, which readers drop

_NAME = re.compile(r"^(-1|\d{4})_c(\d)s(\d)_(\d{6})_(\d{2})\.jpg$")


class MarketName(NamedTuple):
    """The fields of one Market-1501 image name."""

    pid: int
    camid: int  # 1-based, as written in the name
    seq: int
    frame: int
    det: int


def format_name(pid: int, camid: int, seq: int, frame: int, det: int) -> str:
    """File name for an image; camera ids are 1-based, as in the Market names."""
    if not (pid == JUNK_PID or 0 <= pid <= 9999):
        raise ValueError(f"pid must be -1 or in 0..9999, got {pid}")
    if not (1 <= camid <= 9 and 1 <= seq <= 9 and 0 <= frame <= 999999 and 0 <= det <= 99):
        raise ValueError(f"name field out of range: cam={camid} seq={seq} frame={frame} det={det}")
    head = "-1" if pid == JUNK_PID else f"{pid:04d}"
    return f"{head}_c{camid}s{seq}_{frame:06d}_{det:02d}.jpg"


def parse_name(name: str) -> MarketName:
    """Fields of a Market-1501 file name (base name only); ``ValueError`` if malformed."""
    return MarketName(*int_fields(_NAME, name, "a Market-1501 image name", "PPPP_cCsS_FFFFFF_NN.jpg"))
