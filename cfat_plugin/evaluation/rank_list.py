"""Rank lists: each query's top-k gallery images by a model's distance, kept as rows and drawn as a sheet.

The metrics say how often the right person comes first; a rank list shows which images a model
confuses (what FastReID's ``demo/visualize_result.py`` draws). One row per query and model: the
query, then its ``k`` nearest gallery images, each framed green for a true match and red otherwise,
with its distance under it.

The ranking is the evaluator's: FastReID's ``build_dist`` with ``TEST.METRIC`` (AQE and re-ranking
are not applied), ties kept in the gallery's order, and the gallery images the data set's protocol
does not count left out (:class:`Protocol`): the query's id in the query's camera (FastReID's junk
rule, the ``standard`` setting of :func:`~.clothes_changing.junk_mask`), plus SYSU-MM01's camera rule
(:func:`~.cross_modality.sysu_excluded`), or on PRCC / LTCC the chosen clothes setting's rule.
Rows are plain dicts, what the JSON beside the sheet holds, and the sheet is drawn from them alone.
"""
from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..data.corruptions import read_rgb, rng_for
from ..utils.drawing import default_font
from ..utils.files import atomic_open
from .clothes_changing import junk_mask
from .cross_modality import sysu_excluded

# The sheet's layout in pixels (the test computes the expected size from these).
TILE_W, TILE_H = 64, 128  # every image is resized to this (person crops are about 1:2)
FRAME = 4  # the frame around each image: green / red around gallery images, blue around the query
TEXT_H = 26  # two lines of text under each image
GAP = 6  # between cells, between rows, and at the sheet's edges
LABEL_W = 120  # the row label on the left: the model, the query's file
HEADER_H = 18  # one title line
CELL_W, CELL_H = TILE_W + 2 * FRAME, TILE_H + 2 * FRAME + TEXT_H
MATCH, MISS, QUERY, INK = (0, 170, 0), (220, 0, 0), (40, 90, 220), (0, 0, 0)

Item = tuple  # FastReID's (path, pid, camid)


@dataclass(frozen=True)
class Protocol:
    """Which gallery images a query's list leaves out, and what a query's caption says."""

    setting: str = "standard"  # junk_mask's setting: clothes_changing or same_clothes on PRCC / LTCC
    sysu: bool = False  # SYSU-MM01: camera 2 left out for camera-3 queries
    modality_of: Optional[Callable[[str], str]] = None  # visible-infrared readers: the caption
    clothes_of: Optional[Callable[[str], int]] = None  # clothes-changing readers: the caption and the rule

    def describe(self) -> str:
        """The exclusion rule in words, for the sheet's title and the JSON."""
        rule = {"standard": "same id in the same camera", "clothes_changing": "same id in the same camera or clothes",
                "same_clothes": "same id in the same camera or in other clothes"}[self.setting]
        return f"left out: {rule}" + ("; camera 2 for camera-3 queries (SYSU-MM01)" if self.sysu else "")

    def caption(self, path: str) -> str:
        """The image's modality or clothes id ("" when the data set has neither)."""
        if self.clothes_of is not None:
            return f"clothes {self.clothes_of(path)}"
        return self.modality_of(path) if self.modality_of is not None else ""

    def excluded(self, query: Sequence[Item], gallery: Sequence[Item]) -> np.ndarray:
        """Boolean (query, gallery): True where the evaluator would not count the gallery image."""
        clothes = self.clothes_of or (lambda path: 0)
        g_pids, g_cams = np.asarray([it[1] for it in gallery]), np.asarray([it[2] for it in gallery])
        g_clothes = np.asarray([clothes(it[0]) for it in gallery])
        out = np.zeros((len(query), len(gallery)), dtype=bool)
        for q, (path, pid, camid, *_) in enumerate(query):
            out[q] = junk_mask(pid, camid, clothes(path), g_pids, g_cams, g_clothes, self.setting)
        if self.sysu:
            out |= sysu_excluded([it[2] for it in query], g_cams)
        return out


def protocol_for(data, clothes_setting: str = "clothes_changing") -> Protocol:
    """The :class:`Protocol` of a data set reader: clothes-changing (PRCC, LTCC), visible-infrared
    (SYSU-MM01 with its camera rule, RegDB) or FastReID's plain one."""
    from ..data.clothes import clothes_of_path
    from ..data.datasets.clothes_changing import LTCC, PRCC
    from ..data.datasets.sysu_mm01 import SYSUMM01VI

    if isinstance(data, (PRCC, LTCC)):
        return Protocol(setting=clothes_setting, clothes_of=clothes_of_path)
    return Protocol(sysu=isinstance(data, SYSUMM01VI), modality_of=getattr(data, "modality_of", None))


def select_queries(query: Sequence[Item], gallery: Sequence[Item], excluded: np.ndarray,
                   ids: Optional[Sequence[str]] = None, count: int = 6, seed: int = 0) -> list[int]:
    """Indices of the queries to show: the first query image of each person id in ``ids``, else
    ``count`` drawn with ``seed`` among the queries with a true match left in the gallery (the ones
    the evaluator scores), in the query list's order. ``ValueError`` names ids not in the query set."""
    if ids:
        first: dict[str, int] = {}
        for index, item in enumerate(query):
            first.setdefault(str(item[1]), index)
        unknown = [str(i) for i in ids if str(i) not in first]
        if unknown:
            known = sorted(first, key=lambda s: (len(s), s))
            raise ValueError(f"person id {', '.join(unknown)} is not in the query set (its {len(known)} ids: "
                             f"{', '.join(known[:8])}{' ...' if len(known) > 8 else ''})")
        return [first[str(i)] for i in ids]
    g_pids = np.asarray([it[1] for it in gallery])
    valid = [q for q, item in enumerate(query) if np.any((g_pids == item[1]) & ~excluded[q])] or list(range(len(query)))
    picked = rng_for(seed, "rank-list queries").choice(len(valid), size=min(count, len(valid)), replace=False)
    return sorted(valid[int(i)] for i in picked)


def _plain(value):
    """A NumPy scalar as the Python value the JSON holds."""
    return value.item() if isinstance(value, np.generic) else value


def _entry(item: Item, shown: Item, protocol: Protocol) -> dict:
    return {"path": item[0], "image": shown[0], "pid": _plain(item[1]), "camid": _plain(item[2]),
            "caption": protocol.caption(item[0])}


def rank_rows(label: str, query: Sequence[Item], gallery: Sequence[Item], dist: np.ndarray, excluded: np.ndarray,
              topk: int, protocol: Protocol, shown_query: Optional[Sequence[Item]] = None,
              shown_gallery: Optional[Sequence[Item]] = None) -> list[dict]:
    """One row per query: the query and its ``topk`` nearest gallery images the protocol keeps.

    ``dist``/``excluded``: (query, gallery). ``shown_*``: the items whose files were drawn and embedded
    (corrupted copies), default the items themselves; ids, cameras and captions come from the items.
    """
    shown_query, shown_gallery = shown_query or query, shown_gallery or gallery
    order = np.argsort(dist, axis=1, kind="stable")
    rows = []
    for q, item in enumerate(query):
        kept = order[q][~excluded[q, order[q]]][:topk]
        ranked = [{"rank": r, **_entry(gallery[g], shown_gallery[g], protocol), "distance": float(dist[q, g]),
                   "match": bool(gallery[g][1] == item[1])} for r, g in enumerate(kept, start=1)]
        rows.append({"model": label, "query": _entry(item, shown_query[q], protocol), "gallery": ranked})
    return rows


def sheet_size(num_rows: int, topk: int) -> tuple[int, int]:
    """(width, height) of a sheet of ``num_rows`` rows of a query and ``topk`` gallery images."""
    return LABEL_W + GAP + (1 + topk) * (CELL_W + GAP), HEADER_H + GAP + num_rows * (CELL_H + GAP)


def cell_origin(row: int, column: int) -> tuple[int, int]:
    """Top-left pixel of a cell's frame; column 0 is the query, 1..k the ranked gallery images."""
    return LABEL_W + GAP + column * (CELL_W + GAP), HEADER_H + GAP + row * (CELL_H + GAP)


def _cell(sheet: Image.Image, draw: ImageDraw.ImageDraw, font, x: int, y: int, path: str, colour: tuple,
          lines: Sequence[str]) -> None:
    draw.rectangle([x, y, x + CELL_W - 1, y + TILE_H + 2 * FRAME - 1], fill=colour)
    sheet.paste(Image.fromarray(read_rgb(path)).resize((TILE_W, TILE_H), Image.BILINEAR), (x + FRAME, y + FRAME))
    for n, line in enumerate(lines):
        draw.text((x + 1, y + TILE_H + 2 * FRAME + 1 + 12 * n), line, fill=INK, font=font)


def draw_sheet(rows: Sequence[dict], topk: int, title: str = "") -> Image.Image:
    """The sheet of :func:`rank_rows`' rows: a row label, the query (blue frame, its id, camera and
    caption), then its ranked gallery images (green: true match, red: not; distance and id)."""
    sheet = Image.new("RGB", sheet_size(len(rows), topk), (255, 255, 255))
    draw, font = ImageDraw.Draw(sheet), default_font(11)
    draw.text((GAP, 3), title, fill=INK, font=font)
    for r, row in enumerate(rows):
        x, y = cell_origin(r, 0)
        name = os.path.basename(row["query"]["path"])
        label = textwrap.wrap(row["model"], 19)[:4] + [name if len(name) <= 19 else "..." + name[-16:]]
        draw.multiline_text((GAP, y + 2), "\n".join(label), fill=INK, font=font, spacing=2)
        q = row["query"]
        _cell(sheet, draw, font, x, y, q["image"], QUERY, (f"id {q['pid']} cam {q['camid']}", q["caption"]))
        for column, g in enumerate(row["gallery"], start=1):
            _cell(sheet, draw, font, *cell_origin(r, column), g["image"], MATCH if g["match"] else MISS,
                  (f"{g['distance']:.4g}", f"id {g['pid']} cam {g['camid']}"))
    return sheet


def save_rank_lists(output: str, rows: Sequence[dict], topk: int, title: str, about: dict) -> tuple[str, str]:
    """Write the sheet to ``output`` (PNG) and the rows, with ``about`` (data set, models, corruption),
    to the JSON of the same name beside it; returns both paths."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    draw_sheet(rows, topk, title).save(output, format="PNG")
    json_path = os.path.splitext(output)[0] + ".json"
    with atomic_open(json_path) as f:
        json.dump({"title": title, "topk": topk, **about, "rows": list(rows)}, f, indent=1)
    return output, json_path
