"""Contact sheet: sample identities (rows) across cameras (columns), so users
can look at the data before trusting numbers computed on it (infrared cameras
headed as such); for the captioned (pedes) layout, each image with its first
caption under it, so the text can be checked against the picture."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw

from .plan import ImageRecord

CELL = (72, 144)  # width, height of one thumbnail (images keep their aspect)
_LABEL_W, _HEADER_H, _PAD = 44, 16, 2
# Split -> (the side a row alternates on, its label); splits not named here: ("test", "test").
GROUPS: dict[str, tuple[str, str]] = {"train": ("train", "train"), "val": ("train", "train")}


def make_contact_sheet(records: list[ImageRecord], image_dir: str | Path, num_cameras: int,
                       rows: int = 12, *, path_of: Callable[[ImageRecord], str],
                       by_outfit: bool = False, camera_names: tuple[str, ...] | None = None,
                       groups: dict[str, tuple[str, str]] | None = None,
                       lowres_cameras: tuple[int, ...] = ()) -> Image.Image:
    """A grid of the first frame of each tracklet of ``rows`` identities.

    Identities seen by the most cameras are shown first (they show the camera
    change best), alternating train and test ones; empty cells are cameras
    the identity never passed. ``by_outfit`` gives each (identity, outfit) its
    own row, so a clothes change shows as rows of one id; ``path_of`` maps a
    record to its image (``Layout.path``). Infrared cameras are
    headed ``<camera> IR``, so the same people are seen in both modalities side
    by side; natively low-resolution cameras ``<camera> LR`` (their thumbnails
    are enlarged, so the blur and blocks show). ``groups`` maps a split to (the side it alternates on, ``train`` or
    ``test``, and its row label), over :data:`GROUPS`; other splits: ``test``.
    """
    image_dir = Path(image_dir)
    table = {**GROUPS, **(groups or {})}
    first: dict[tuple[int, int], dict[int, ImageRecord]] = {}
    split_of: dict[tuple[int, int], str] = {}
    label_of: dict[tuple[int, int], str] = {}
    for r in records:
        if r.kind == "person":
            key = (r.pid, r.clothes if by_outfit else 0)
            first.setdefault(key, {}).setdefault(r.camid, r)
            split_of[key], label_of[key] = table.get(r.split, ("test", "test"))
    ranked = {s: sorted((p for p in first if split_of[p] == s), key=lambda p: (-len(first[p]), p))
              for s in ("train", "test")}
    chosen: list[tuple[int, int]] = []
    for pair in zip(ranked["train"], ranked["test"]):
        chosen.extend(pair)
    chosen += [p for s in ("train", "test") for p in ranked[s] if p not in chosen]
    chosen = chosen[:rows]
    if by_outfit:  # the outfits of one person in adjacent rows, so the change of clothes shows
        first_row = {}
        for i, (pid, _) in enumerate(chosen):
            first_row.setdefault(pid, i)
        chosen.sort(key=lambda key: (first_row[key[0]], key[1]))

    cw, ch = CELL
    label_w = _LABEL_W + (24 if by_outfit else 0)  # room for "100001 k3"
    sheet = Image.new("RGB", (label_w + num_cameras * (cw + _PAD), _HEADER_H + len(chosen) * (ch + _PAD)),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    infrared = {r.camid for r in records if r.modality == "infrared"}
    for cam in range(1, num_cameras + 1):
        label = camera_names[cam - 1] if camera_names else f"c{cam}"
        if cam in infrared:
            label += " IR"
        if cam in lowres_cameras:
            label += " LR"
        shift = 4 * len(label) if cam in infrared or cam in lowres_cameras else 8
        draw.text((label_w + (cam - 1) * (cw + _PAD) + cw // 2 - shift, 2), label, fill=(0, 0, 0))
    for row, key in enumerate(chosen):
        y = _HEADER_H + row * (ch + _PAD)
        pid, clothes = key
        label = f"{pid:04d}" + (f" k{clothes + 1}" if by_outfit else "")
        draw.text((2, y + ch // 2 - 12), f"{label}\n{label_of[key]}", fill=(0, 0, 0))
        for cam, rec in first[key].items():
            with Image.open(image_dir / path_of(rec)) as im:
                tw = min(cw, max(1, round(im.width * ch / im.height)))
                thumb = im.convert("RGB").resize((tw, ch), Image.BILINEAR)
            sheet.paste(thumb, (label_w + (cam - 1) * (cw + _PAD) + (cw - tw) // 2, y))
    return sheet


_CAPTION_CELL_W, _CAPTION_LINES, _LINE_H, _CHARS = 240, 7, 11, 44


def make_caption_sheet(rows: list[dict], image_dir: str | Path, people: int = 8, per_person: int = 3) -> Image.Image:
    """``people`` identities (rows, train and test alternating, those with the most
    images first), up to ``per_person`` of their images from different cameras,
    each with its first caption wrapped under it. ``rows`` are the generator's
    per-image rows (``path``, ``pid``, ``camid``, ``split``, ``captions``)."""
    image_dir = Path(image_dir)
    by_pid: dict[int, dict[int, dict]] = {}
    for r in sorted(rows, key=lambda r: r["path"]):
        by_pid.setdefault(r["pid"], {}).setdefault(r["camid"], r)
    split_of = {r["pid"]: "test" if r["split"] == "test" else "train" for r in rows}
    ranked = {s: sorted((p for p in by_pid if split_of[p] == s), key=lambda p: (-len(by_pid[p]), p))
              for s in ("train", "test")}
    chosen = [p for pair in zip(ranked["train"], ranked["test"]) for p in pair][:people]
    ch = CELL[1]
    cell_h = ch + 4 + _CAPTION_LINES * _LINE_H
    sheet = Image.new("RGB", (_LABEL_W + per_person * (_CAPTION_CELL_W + _PAD), len(chosen) * (cell_h + 3 * _PAD)),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for row, pid in enumerate(chosen):
        y = row * (cell_h + 3 * _PAD)
        draw.text((2, y + ch // 2 - 12), f"{pid:05d}\n{split_of[pid]}", fill=(0, 0, 0))
        for col, r in enumerate(list(by_pid[pid].values())[:per_person]):
            x = _LABEL_W + col * (_CAPTION_CELL_W + _PAD)
            with Image.open(image_dir / r["path"]) as im:
                tw = min(_CAPTION_CELL_W, max(1, round(im.width * ch / im.height)))
                sheet.paste(im.convert("RGB").resize((tw, ch), Image.BILINEAR), (x + (_CAPTION_CELL_W - tw) // 2, y))
            lines = textwrap.wrap(r["captions"][0], _CHARS)
            if len(lines) > _CAPTION_LINES:
                lines = lines[:_CAPTION_LINES - 1] + [lines[_CAPTION_LINES - 1][:_CHARS - 3] + "..."]
            for i, line in enumerate(lines):
                draw.text((x + 2, y + ch + 3 + i * _LINE_H), line, fill=(0, 0, 0))
    return sheet
