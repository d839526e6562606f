"""PRCC's layout and file names, written by the generator and parsed by the reader.

As the public PRCC release is laid out (and as Simple-CCReID's reader reads it)::

    prcc/rgb/train/<pid>/<cam>_cropped_rgb<NNN>.jpg     pid 3 digits, cam A, B or C
    prcc/rgb/val/<pid>/<cam>_cropped_rgb<NNN>.jpg
    prcc/rgb/test/<cam>/<pid>/<cam>_cropped_rgb<NNN>.jpg

Cameras A and B see a person in the same clothes, camera C in other clothes;
the names carry no clothes id, so it follows from the camera letter
(:func:`clothes_of_camera`). In the test split A is the gallery, B the
same-clothes query and C the clothes-changing query.

Generated sets (:func:`plan`): every identity passes cameras A, B and C; A and B
see outfit 0, C sees outfit 1. Every fifth training identity goes to ``val``
(its own ids, as in PRCC).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..clothes_plan import tracklet_frames
from ..plan import ImageRecord, split_ids
from ..spec import SynthSpec

ROOT = "prcc"
CAMERAS = ("A", "B", "C")  # camid 1, 2, 3
TRAIN_SPLITS = ("train", "val")
TEST_SPLIT = "test"

_NAME = re.compile(r"^([ABC])_cropped_rgb(\d+)\.jpg$")


class PrccName(NamedTuple):
    """The fields of one PRCC image path."""

    split: str  # train | val | test
    pid: int
    cam: str  # A | B | C
    number: int


def clothes_of_camera(cam: str) -> int:
    """0 for cameras A and B (the same clothes), 1 for camera C (changed)."""
    return 1 if cam == "C" else 0


def format_path(split: str, pid: int, cam: str, number: int) -> str:
    """Path of an image relative to the folder holding ``prcc/``."""
    if split not in TRAIN_SPLITS + (TEST_SPLIT,) or cam not in CAMERAS:
        raise ValueError(f"PRCC: bad split {split!r} or camera {cam!r}")
    if not (0 <= pid <= 999 and 0 <= number <= 999):
        raise ValueError(f"PRCC: pid and image number must be in 0..999, got {pid}, {number}")
    name = f"{cam}_cropped_rgb{number:03d}.jpg"
    if split == TEST_SPLIT:
        return f"{ROOT}/rgb/{split}/{cam}/{pid:03d}/{name}"
    return f"{ROOT}/rgb/{split}/{pid:03d}/{name}"


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """PRCC-shaped records, in order (split, pid, camera, frame)."""
    train, test = split_ids(spec)
    val = set(train[4::5])
    records = []
    for pid in train + test:
        for camid, cam in enumerate(CAMERAS, start=1):
            count, first, step = tracklet_frames(spec, pid, camid)
            clothes = clothes_of_camera(cam)
            for k in range(count):
                if pid in test:
                    split, folder = ("gallery" if cam == "A" else "query"), TEST_SPLIT
                else:
                    split = folder = "val" if pid in val else "train"
                path = format_path(folder, pid, cam, first + k * step)
                records.append(ImageRecord(split, path, pid, camid, "person", k, count, pid, clothes))
    return records


def parse_path(path: str) -> PrccName:
    """Fields of a PRCC image path (any prefix before ``rgb/``); ``ValueError`` if malformed.

    As Simple-CCReID's reader does, the camera of a test image is its folder
    and that of a train/val image the first letter of its name, so any test
    file name is accepted (``number`` is -1 when it holds no digits).
    """
    parts = path.replace("\\", "/").split("/")
    if not parts[-1].endswith(".jpg") or len(parts) < 3:
        raise ValueError(f"not a PRCC image path: {path!r} (want .../<pid>/<A|B|C>_cropped_rgb<NNN>.jpg)")
    digits = re.findall(r"\d+", parts[-1])
    number = int(digits[-1]) if digits else -1
    if len(parts) >= 4 and parts[-4] == TEST_SPLIT and parts[-3] in CAMERAS:
        split, cam = TEST_SPLIT, parts[-3]
    elif parts[-3] in TRAIN_SPLITS and _NAME.match(parts[-1]):
        split, cam = parts[-3], parts[-1][0]
    else:
        raise ValueError(f"not a PRCC image path: {path!r} (want rgb/{{train,val}}/<pid>/<A|B|C>_cropped_rgb<NNN>.jpg "
                         "or rgb/test/<A|B|C>/<pid>/<name>.jpg)")
    if not parts[-2].isdigit():
        raise ValueError(f"not a PRCC image path: {path!r} (the folder above the image is not a person id)")
    return PrccName(split, int(parts[-2]), cam, number)
