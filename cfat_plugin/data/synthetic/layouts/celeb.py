"""Celeb-reID's layout and file names, parsed by its reader (no generated twin: the generated
``external`` set stands in for it on CPU).

As the public Celeb-reID release is laid out (and as RLQ's published reader reads it)::

    Celeb-reID/{train,query,gallery}/<pid>_<n>_<...>.jpg

People are celebrities in web images, each image in its own clothes. The published reader takes
the person id from the first field and a "camera" from the first digit of the second
(``([-\\d]+)_(\\d)``, minus 1), the only thing that keeps a query from matching its own gallery
images under the standard junk rule; pid -1 is junk and is skipped.
"""
from __future__ import annotations

import re
import zlib
from typing import NamedTuple

ROOT = "Celeb-reID"
SPLIT_DIRS: dict[str, str] = {"train": "train", "query": "query", "gallery": "gallery"}

_NAME = re.compile(r"^(-?\d+)_(\d+)_[^/]*\.jpg$")


class CelebName(NamedTuple):
    """The fields of one Celeb-reID image name."""

    pid: int  # -1: junk
    number: int  # the second field
    camid: int  # 0-based: the second field's first digit minus 1, as published


def format_name(pid: int, number: int, rest: str = "0") -> str:
    """``<pid>_<number>_<rest>.jpg``."""
    return f"{pid}_{number}_{rest}.jpg"


def parse_name(name: str) -> CelebName:
    """Fields of a Celeb-reID image name; ``ValueError`` if malformed."""
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"not a Celeb-reID image name: {name!r} (want <pid>_<n>_<...>.jpg)")
    pid, number = int(match.group(1)), match.group(2)
    return CelebName(pid, int(number), max(int(number[0]) - 1, 0))


def clothes_of_name(name: str) -> int:
    """Each image its own clothes, as the published reader counts them: a stable number of the whole name
    (CRC-32), different for every file of a person."""
    parse_name(name)
    return zlib.crc32(name.encode())
