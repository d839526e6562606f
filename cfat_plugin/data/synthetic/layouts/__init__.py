"""Folder layouts a SynthReID set is written in, each that of a real benchmark.

Market-1501 (the default, ``naming.py`` and ``market.py``); the
clothes-changing PRCC and LTCC and the unlabeled external set (``prcc.py``,
``ltcc.py``, ``external.py``); CUHK-PEDES with captions (``pedes.py``); the
visible-infrared SYSU-MM01 and RegDB (``sysu.py``, ``regdb.py``); MLR-CUHK03 with
down-sampled queries (``mlr.py``). ``celeb.py`` only names Celeb-reID's files for its
reader (no generated twin; ``external`` stands in for it).

Each layout (:class:`Layout`, one registry: :func:`get_layout`) knows how its
records are planned, the relative path of a record's image, how the image is
stored, which text files go beside the images (id lists, trial files,
attribute CSVs, captions), how its contact sheet is drawn and which FastReID
data set reads it. A reader of the real data set reads the generated one
unchanged, so paths are built and parsed in the layout's own module only.
Each layout module plans its own records (``plan``) with the shared draws of
``plan.py`` and ``clothes_plan.py``; :func:`plan_dataset` plans any preset
through the registry. The Market planner stores the bare file name in
``ImageRecord.name`` (the split folder comes from :data:`naming.SPLIT_DIRS`, as
it always did); the others store the image's path relative to the data set folder.
Imports run one way: this package uses the planners, never the reverse.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PIL import Image

from ..attributes import attribute_files
from ..contact_sheet import make_caption_sheet, make_contact_sheet
from ..plan import ImageRecord, camera_modality
from ..spec import SynthSpec
from . import external, ltcc, market, mlr, pedes, prcc, regdb, sysu


@dataclass(frozen=True)
class Layout:
    """What the generator needs to write one layout."""

    name: str
    plan: Callable[[SynthSpec], list[ImageRecord]]
    path: Callable[[ImageRecord], str]  # image path relative to the data set folder
    save: Callable[[Image.Image, Path, SynthSpec], None]
    # text files beside the images, by relative path, from the records and the per-image attribute rows
    index_files: Callable[[SynthSpec, list[ImageRecord], list[dict]], dict[str, str]]
    reader: str  # the FastReID data set that reads the generated set
    root: str = ""  # the folder the layout writes inside the data set folder ("" = the folder itself)
    dressed: bool = False  # people in outfits (clothes.py), rendered per outfit, with attribute rows
    captions: bool = False  # two captions per image (captions.py); the contact sheet shows them
    sheet: dict[str, Any] = field(default_factory=dict)  # options of make_contact_sheet

    def contact_sheet(self, spec: SynthSpec, records: list[ImageRecord], rows: list[dict],
                      folder: Path) -> Image.Image:
        """The contact sheet of a generated folder (``rows``: the attribute rows, for captions)."""
        if self.captions:
            return make_caption_sheet(rows, folder)
        return make_contact_sheet(records, folder, spec.num_cameras, path_of=self.path,
                                  lowres_cameras=spec.lowres_cameras, **self.sheet)


def save_jpeg(image: Image.Image, path: Path, spec: SynthSpec) -> None:
    """Fixed encoder settings: same pixels, same bytes."""
    image.save(path, format="JPEG", quality=spec.jpeg_quality, subsampling="4:2:0", optimize=False,
               progressive=False)


def save_png(image: Image.Image, path: Path, spec: SynthSpec) -> None:
    """LTCC ships PNG; level 1 keeps generation fast (fixed settings: same pixels, same bytes)."""
    image.save(path, format="PNG", compress_level=1, optimize=False)


def no_index_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """No files beside the images (Market-1501: the folders are the split; the unlabeled external set)."""
    return {}


def _relative_path(record: ImageRecord) -> str:
    return record.name


def _prcc_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    return attribute_files(spec, records, rows, prcc.ROOT)


def _ltcc_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """Attribute CSVs and LTCC's ``info/`` id lists (ids seen in 2+ outfits, per train / test)."""
    seen: dict[str, dict[int, set[int]]] = {"train": {}, "test": {}}
    for r in records:
        seen["train" if r.split in ("train", "val") else "test"].setdefault(r.pid, set()).add(r.clothes)
    return {**attribute_files(spec, records, rows, ltcc.ROOT),
            **ltcc.info_files({s: {p: len(k) for p, k in by_pid.items()} for s, by_pid in seen.items()})}


def _pedes_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """Attribute CSVs and CUHK-PEDES's ``reid_raw.json`` (the captions)."""
    return {**attribute_files(spec, records, rows, pedes.ROOT),
            f"{pedes.ROOT}/{pedes.ANNOTATIONS}": pedes.annotations_json(rows)}


_DRESSED = dict(dressed=True, save=save_jpeg, path=_relative_path)
_LAYOUTS = {layout.name: layout for layout in (
    Layout("market", market.plan, market.image_path, save_jpeg, no_index_files, reader="SynthReID"),
    Layout("prcc", prcc.plan, index_files=_prcc_files, reader="SynthPRCC", root=prcc.ROOT,
           sheet={"camera_names": prcc.CAMERAS}, **_DRESSED),
    Layout("ltcc", ltcc.plan, index_files=_ltcc_files, reader="SynthLTCC", root=ltcc.ROOT,
           sheet={"by_outfit": True}, **{**_DRESSED, "save": save_png}),
    Layout("external", external.plan, index_files=no_index_files, reader="SynthExternal",
           root=external.ROOT, sheet={"by_outfit": True}, **_DRESSED),
    Layout("pedes", pedes.plan, index_files=_pedes_files, reader="SynthPEDES", root=pedes.ROOT,
           captions=True, **_DRESSED),
    Layout("sysu", sysu.plan, _relative_path, save_jpeg, sysu.index_files, reader="SynthSYSU",
           sheet={"groups": sysu.SHEET_GROUPS}),
    Layout("regdb", regdb.plan, _relative_path, regdb.save_bmp, regdb.index_files, reader="SynthRegDB",
           sheet={"groups": regdb.SHEET_GROUPS}),
    Layout("mlr", mlr.plan, _relative_path, save_jpeg, mlr.index_files, reader="SynthMLR", root=mlr.ROOT),
)}


def get_layout(name: str) -> Layout:
    """The layout called ``name`` (one of ``spec.LAYOUTS``)."""
    try:
        return _LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown SynthReID layout {name!r}; choose one of {sorted(_LAYOUTS)}") from None


def plan_dataset(spec: SynthSpec) -> list[ImageRecord]:
    """All records of the data set, in a fixed order (split, pid, camera, frame): its layout's plan,
    each record's ``modality`` set from ``spec.ir_cameras``."""
    records = get_layout(spec.layout).plan(spec)
    if spec.ir_cameras:
        records = [r._replace(modality=camera_modality(spec, r.camid)) for r in records]
    return records


def record_path(layout: str, record: ImageRecord) -> str:
    """Path of ``record``'s image relative to the data set folder."""
    return get_layout(layout).path(record)


__all__ = ["Layout", "external", "get_layout", "ltcc", "market", "mlr", "no_index_files", "pedes", "plan_dataset",
           "prcc", "record_path", "regdb", "save_jpeg", "save_png", "sysu"]
