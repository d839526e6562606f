"""The external set's layout: unlabeled images, ``external/images/<NNNNNN>.jpg``.

File names are numbers in a shuffled order, so neither the name nor the order
tells who is who: the set is for unlabeled use (distillation, pre-training).
"""
from __future__ import annotations

ROOT = "external"


def format_path(number: int) -> str:
    """Path of image ``number`` relative to the data set folder."""
    return f"{ROOT}/images/{number:06d}.jpg"
