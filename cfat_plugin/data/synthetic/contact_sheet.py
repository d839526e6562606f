"""Contact sheet: sample identities (rows) across cameras (columns), so users
can look at the data before trusting numbers computed on it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw

from .naming import SPLIT_DIRS
from .plan import ImageRecord

CELL = (72, 144)  # width, height of one thumbnail (images keep their aspect)
_LABEL_W, _HEADER_H, _PAD = 44, 16, 2


def _market_path(record: ImageRecord) -> str:
    return f"{SPLIT_DIRS[record.split]}/{record.name}"


def make_contact_sheet(records: list[ImageRecord], image_dir: str | Path, num_cameras: int,
                       rows: int = 12, path_of: Callable[[ImageRecord], str] = _market_path) -> Image.Image:
    """A grid of the first frame of each tracklet of ``rows`` identities.

    Identities seen by the most cameras are shown first (they show the camera
    change best), alternating train and test ones; empty cells are cameras
    the identity never passed. Infrared cameras are headed ``c<k> IR``, so the
    same people are seen in both modalities side by side.
    """
    image_dir = Path(image_dir)
    first: dict[int, dict[int, ImageRecord]] = {}
    split_of: dict[int, str] = {}
    label_of: dict[int, str] = {}
    for r in records:
        if r.kind == "person":
            first.setdefault(r.pid, {}).setdefault(r.camid, r)
            split_of[r.pid] = "train" if r.split in ("train", "trials") else "test"
            label_of[r.pid] = {"query": "test", "gallery": "test", "trials": ""}.get(r.split, r.split)
    ranked = {s: sorted((p for p in first if split_of[p] == s), key=lambda p: (-len(first[p]), p))
              for s in ("train", "test")}
    chosen: list[int] = []
    for pair in zip(ranked["train"], ranked["test"]):
        chosen.extend(pair)
    chosen += [p for s in ("train", "test") for p in ranked[s] if p not in chosen]
    chosen = chosen[:rows]

    cw, ch = CELL
    sheet = Image.new("RGB", (_LABEL_W + num_cameras * (cw + _PAD), _HEADER_H + len(chosen) * (ch + _PAD)),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    infrared = {r.camid for r in records if r.modality == "infrared"}
    for cam in range(1, num_cameras + 1):
        label = f"c{cam} IR" if cam in infrared else f"c{cam}"
        draw.text((_LABEL_W + (cam - 1) * (cw + _PAD) + cw // 2 - 4 * len(label), 2), label, fill=(0, 0, 0))
    for row, pid in enumerate(chosen):
        y = _HEADER_H + row * (ch + _PAD)
        draw.text((2, y + ch // 2 - 12), f"{pid:04d}\n{label_of[pid]}", fill=(0, 0, 0))
        for cam, rec in first[pid].items():
            with Image.open(image_dir / path_of(rec)) as im:
                tw = min(cw, max(1, round(im.width * ch / im.height)))
                thumb = im.convert("RGB").resize((tw, ch), Image.BILINEAR)
            sheet.paste(thumb, (_LABEL_W + (cam - 1) * (cw + _PAD) + (cw - tw) // 2, y))
    return sheet
