"""Folder layouts a SynthReID set is written in, each that of a real benchmark.

Each layout knows the relative path of a record's image, how the image is
stored, which index files go beside the images, and (except Market-1501,
planned in ``plan.py``) how records are planned. A reader of the real data
set reads the generated one unchanged, so paths are built and parsed in the
layout's own module only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from ..plan import ImageRecord
from ..spec import SynthSpec


@dataclass(frozen=True)
class Layout:
    """What the generator needs to write one layout."""

    name: str
    plan: Callable[[SynthSpec], list[ImageRecord]]
    path: Callable[[ImageRecord], str]  # image path relative to the data set folder
    save: Callable[[Image.Image, Path, SynthSpec], None]
    write_index: Callable[[SynthSpec, list[ImageRecord], Path], None]  # id lists, trial files...


def save_jpeg(image: Image.Image, path: Path, spec: SynthSpec) -> None:
    """Fixed encoder settings: same pixels, same bytes."""
    image.save(path, format="JPEG", quality=spec.jpeg_quality, subsampling="4:2:0", optimize=False,
               progressive=False)


def get_layout(name: str) -> Layout:
    """The layout called ``name`` (one of ``spec.LAYOUTS``)."""
    from . import market, regdb, sysu

    layouts = {"market": market.LAYOUT, "sysu": sysu.LAYOUT, "regdb": regdb.LAYOUT}
    try:
        return layouts[name]
    except KeyError:
        raise ValueError(f"unknown SynthReID layout {name!r}; choose one of {sorted(layouts)}") from None
