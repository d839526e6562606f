"""LTCC's layout and file names, written by the generator and parsed by the reader.

As the public LTCC release is laid out (and as Simple-CCReID's reader reads it)::

    LTCC_ReID/{train,query,test}/<pid>_<clothes>_c<cam>_<frame>.png
    LTCC_ReID/info/cloth-change_id_{train,test}.txt     ids seen in 2+ outfits
    LTCC_ReID/info/cloth-unchange_id_{train,test}.txt   ids seen in one outfit

with a 3-digit pid, a per-person clothes number (1-based), a camera number
(1..12) and a 6-digit frame number; ``test`` is the gallery.

Generated sets (:func:`plan`): an identity owns 2..5 outfits, each seen by
``min_cameras_per_id`` or one more cameras, one tracklet per camera
(``clothes_plan.wardrobe_tracklets``), so every query has a same-clothes and a
changed-clothes match in other cameras. Each test tracklet of two or more images
gives one query.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .. import rng as streams
from ..clothes_plan import tracklet_frames, wardrobe_tracklets
from ..name_fields import int_fields
from ..plan import ImageRecord, split_ids
from ..spec import SynthSpec

ROOT = "LTCC_ReID"
SPLIT_DIRS: dict[str, str] = {"train": "train", "query": "query", "gallery": "test"}
INFO_DIR = "info"

_NAME = re.compile(r"^(\d+)_(\d+)_c(\d+)_(\d+)\.png$")


class LtccName(NamedTuple):
    """The fields of one LTCC file name."""

    pid: int
    clothes: int  # 1-based, per person
    camid: int  # 1-based
    frame: int


def format_name(pid: int, clothes: int, camid: int, frame: int) -> str:
    """File name of an image; ``clothes`` and ``camid`` 1-based, as in LTCC."""
    if not (0 <= pid <= 999 and 1 <= clothes <= 99 and 1 <= camid <= 99 and 0 <= frame <= 999999):
        raise ValueError(f"LTCC: name field out of range: pid={pid} clothes={clothes} cam={camid} frame={frame}")
    return f"{pid:03d}_{clothes}_c{camid}_{frame:06d}.png"


def format_path(split: str, pid: int, clothes: int, camid: int, frame: int) -> str:
    """Path of an image relative to the folder holding ``LTCC_ReID/``."""
    return f"{ROOT}/{SPLIT_DIRS[split]}/{format_name(pid, clothes, camid, frame)}"


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """LTCC-shaped records, in order (split, pid, outfit, camera, frame)."""
    train, test = split_ids(spec)
    records = []
    for pid in train + test:
        for key, (k, cam) in enumerate(wardrobe_tracklets(spec, pid)):
            count, first, step = tracklet_frames(spec, pid, key)
            first *= 997  # LTCC frame numbers run to six digits
            query = int(streams.stream(spec.seed, streams.WARDROBE, pid, 3, key).integers(count))
            for i in range(count):
                split = "train" if pid in train else ("query" if count >= 2 and i == query else "gallery")
                path = format_path(split, pid, k + 1, cam, first + i * step)
                records.append(ImageRecord(split, path, pid, cam, "person", i, count, pid, k))
    return records


def parse_name(name: str) -> LtccName:
    """Fields of an LTCC file name (base name only); ``ValueError`` if malformed."""
    return LtccName(*int_fields(_NAME, name, "an LTCC image name", "PPP_K_cC_FFFFFF.png"))


def info_files(outfits_seen: dict[str, dict[int, int]]) -> dict[str, str]:
    """The ``info/`` id lists, by path relative to the folder holding ``LTCC_ReID/``:
    ``outfits_seen[split][pid]`` is how many outfits ``pid`` shows in that split
    (``train`` or ``test``)."""
    out = {}
    for split, seen in outfits_seen.items():
        change = sorted(p for p, n in seen.items() if n >= 2)
        same = sorted(p for p, n in seen.items() if n < 2)
        for kind, pids in (("cloth-change", change), ("cloth-unchange", same)):
            out[f"{ROOT}/{INFO_DIR}/{kind}_id_{split}.txt"] = "".join(f"{p:03d}\n" for p in pids)
    return out
