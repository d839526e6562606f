"""The list of images of a data set: who, which camera, which split, which name.

Planning is cheap and separate from rendering, so counts can be known (and
tested) without drawing a pixel, and rendering is a pure function of one
record, which is what lets any number of workers share it.

Layout, as in Market-1501: train identities go to ``bounding_box_train``;
each test identity gives one query per camera it has two or more images in
(at least one query in all), the rest of its images go to
``bounding_box_test`` together with distractors (pid 0000) and junk boxes
(pid -1). Every identity appears in ``min_cameras_per_id`` or more cameras.
Each identity's images in one camera form a tracklet of consecutive frames.
Every other layout (clothes changes, CUHK-PEDES, SYSU-MM01, RegDB, MLR-CUHK03) plans its
own records in its module under ``layouts/``, with the draws shared here (``split_ids``,
``camera_modality``) and in ``clothes_plan.py``; ``layouts.plan_dataset`` hands each over
through the layout registry, so every caller plans any preset the same way. The layouts
import this module, never the reverse.
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from . import rng as streams
from .naming import DISTRACTOR_PID, JUNK_PID, format_name
from .spec import SynthSpec


class ImageRecord(NamedTuple):
    """One image to render. ``kind`` is ``person``, ``distractor`` or ``junk``.

    ``name`` is the Market file name, or in the other layouts the image's path
    relative to the data set folder (``Layout.path`` knows which)."""

    split: str  # train | query | gallery (PRCC also val; pedes, SYSU-MM01 train | val | test; RegDB trials)
    name: str  # Market-1501 file name, or path (see above)
    pid: int
    camid: int  # 1-based
    kind: str
    index: int  # frame index within the tracklet (person) or distractor/junk number
    count: int  # tracklet length (person); 1 otherwise
    source: int  # identity drawn (person/junk); 0 for distractors
    clothes: int = 0  # outfit worn (0-based, per person); always 0 in the Market layout
    modality: str = "visible"  # visible | infrared: the kind of camera ``camid`` is
    scale: int = 1  # down-sampling factor of the stored image (MLR-CUHK03's low-resolution images); 1 elsewhere


def camera_modality(spec: SynthSpec, camid: int) -> str:
    """``infrared`` for the cameras in ``spec.ir_cameras``, ``visible`` for the others."""
    return "infrared" if camid in spec.ir_cameras else "visible"


# Split names in the order they are reported: Market's (PRCC also val), CUHK-PEDES's and
# SYSU-MM01's id lists (train / val / test), RegDB's (split per trial).
SPLITS = ("train", "val", "query", "gallery", "test", "trials")


def split_ids(spec: SynthSpec) -> tuple[list[int], list[int]]:
    """Train and test pids: ids 1..N shuffled by the seed, interleaved as in Market."""
    total = spec.num_train_ids + spec.num_test_ids
    order = streams.stream(spec.seed, streams.SPLIT).permutation(total) + 1
    test = sorted(int(p) for p in order[: spec.num_test_ids])
    train = sorted(int(p) for p in order[spec.num_test_ids:])
    return train, test


def _tracklets(spec: SynthSpec, pid: int) -> list[tuple[int, int, int, int, int, list[int]]]:
    """Per camera the identity visits: (cam, count, seq, first frame, step, det numbers)."""
    rng = streams.stream(spec.seed, streams.PLAN, pid)
    n_cams = int(rng.integers(spec.min_cameras_per_id, spec.num_cameras + 1))
    cams = sorted(int(c) + 1 for c in rng.choice(spec.num_cameras, size=n_cams, replace=False))
    lo, hi = spec.images_per_camera
    out = []
    for cam in cams:
        count = int(rng.integers(lo, hi + 1))
        seq = int(rng.integers(1, 7))
        step = int(rng.integers(5, 26))
        first = int(rng.integers(0, 999999 - step * count))
        dets = [int(d) for d in rng.integers(1, 9, size=count)]
        out.append((cam, count, seq, first, step, dets))
    return out


def plan_market(spec: SynthSpec) -> list[ImageRecord]:
    """The Market-1501 layout's records, in order (split, pid, camera, frame)."""
    train, test = split_ids(spec)
    records: list[ImageRecord] = []
    for pid in train:
        for cam, count, seq, first, step, dets in _tracklets(spec, pid):
            for k in range(count):
                name = format_name(pid, cam, seq, first + k * step, dets[k])
                records.append(ImageRecord("train", name, pid, cam, "person", k, count, pid))
    for pid in test:
        tracks = _tracklets(spec, pid)
        rng = streams.stream(spec.seed, streams.PLAN, pid, 1)
        query_of = {cam: int(rng.integers(count)) for cam, count, *_ in tracks if count >= 2}
        if not query_of:  # every camera has a single image: one of them is the query
            cam, count, *_ = tracks[int(rng.integers(len(tracks)))]
            query_of[cam] = 0
        for cam, count, seq, first, step, dets in tracks:
            for k in range(count):
                split = "query" if query_of.get(cam) == k else "gallery"
                name = format_name(pid, cam, seq, first + k * step, dets[k])
                records.append(ImageRecord(split, name, pid, cam, "person", k, count, pid))
    for i in range(spec.num_distractors):
        rng = streams.stream(spec.seed, streams.DISTRACTOR, i)
        cam = i % spec.num_cameras + 1
        name = format_name(DISTRACTOR_PID, cam, int(rng.integers(1, 7)), i * 10 + int(rng.integers(10)),
                           int(rng.integers(1, 9)))
        records.append(ImageRecord("gallery", name, DISTRACTOR_PID, cam, "distractor", i, 1, 0))
    for i in range(spec.num_junk):
        rng = streams.stream(spec.seed, streams.JUNK, i)
        cam = int(rng.integers(1, spec.num_cameras + 1))
        source = test[int(rng.integers(len(test)))]
        name = format_name(JUNK_PID, cam, int(rng.integers(1, 7)), i * 10 + int(rng.integers(10)),
                           int(rng.integers(1, 9)))
        records.append(ImageRecord("gallery", name, JUNK_PID, cam, "junk", i, 1, source))
    return records


def summarize(records: list[ImageRecord]) -> dict[str, dict[str, int]]:
    """Counts per split, as FastReID's reader will see them (junk dropped,
    distractors counted as the one extra gallery id 0, as Market1501 does)."""
    out: dict[str, dict[str, int]] = {}
    present = {r.split for r in records}
    if present & {"test", "trials"}:  # pedes, SYSU-MM01, RegDB: id lists, no query/gallery folders
        splits = [s for s in SPLITS if s in present]
    else:  # Market-1501 and the clothes layouts: query and gallery always counted
        splits = ["train", "query", "gallery"] + (["val"] if "val" in present else [])
    for split in splits:
        kept = [r for r in records if r.split == split and r.pid != JUNK_PID]
        out[split] = {
            "ids": len({r.pid for r in kept}),
            "images": len(kept),
            "cameras": len({r.camid for r in kept}),
        }
    kinds = Counter(r.kind for r in records)
    out["all"] = {"files": len(records), "distractors": kinds["distractor"], "junk": kinds["junk"]}
    return out
