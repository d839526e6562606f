"""Who wears what where: the image lists of the clothes-changing layouts.

PRCC shape: every identity passes cameras A, B and C; A and B see outfit 0,
C sees outfit 1. Every fifth training identity goes to ``val`` (its own ids,
as in PRCC). In the test split A is the gallery and B and C the queries.

LTCC shape: an identity owns 2..5 outfits (``outfits_per_id``); each outfit is
seen by ``min_cameras_per_id`` or one more cameras, one tracklet per camera,
so every query has a same-clothes and a changed-clothes match in other cameras.
Each test tracklet of two or more images gives one query.

External: LTCC-shaped people drawn with another seed and other id keys (so
they match no person of any labeled set), written under shuffled numbers.
"""
from __future__ import annotations

from . import rng as streams
from .clothes import num_outfits
from .layouts import external, ltcc, prcc
from .plan import ImageRecord, split_ids
from .spec import SynthSpec

# The external set draws from seed + EXTERNAL_SEED and ids from EXTERNAL_PID up:
# labeled sets use ids below 1000, so no person is shared whatever their seeds.
EXTERNAL_SEED = 10007
EXTERNAL_PID = 100_000


def draw_seed(spec: SynthSpec) -> int:
    """The seed people and cameras are drawn with (another one for the external set)."""
    return spec.seed + EXTERNAL_SEED if spec.layout == "external" else spec.seed


def _counts(spec: SynthSpec, pid: int, key: int) -> tuple[int, int, int]:
    """(image count, first frame number, frame step) of one tracklet of ``pid``."""
    rng = streams.stream(draw_seed(spec), streams.WARDROBE, pid, 1, key)
    lo, hi = spec.images_per_camera
    count = int(rng.integers(lo, hi + 1))
    step = int(rng.integers(1, 6))
    return count, int(rng.integers(1, 999 - step * count)), step


def plan_prcc(spec: SynthSpec) -> list[ImageRecord]:
    """PRCC-shaped records, in order (split, pid, camera, frame)."""
    train, test = split_ids(spec)
    val = set(train[4::5])
    records = []
    for pid in train + test:
        for camid, cam in enumerate(prcc.CAMERAS, start=1):
            count, first, step = _counts(spec, pid, camid)
            clothes = prcc.clothes_of_camera(cam)
            for k in range(count):
                if pid in test:
                    split, folder = ("gallery" if cam == "A" else "query"), prcc.TEST_SPLIT
                else:
                    split = folder = "val" if pid in val else "train"
                path = prcc.format_path(folder, pid, cam, first + k * step)
                records.append(ImageRecord(split, path, pid, camid, "person", k, count, pid, clothes))
    return records


def _wardrobe_tracklets(spec: SynthSpec, pid: int) -> list[tuple[int, int]]:
    """(outfit, camera) of each tracklet of ``pid``, outfits in order, cameras sorted."""
    seed = draw_seed(spec)
    rng = streams.stream(seed, streams.WARDROBE, pid, 2)
    out = []
    top = min(spec.num_cameras, spec.min_cameras_per_id + 1)
    for k in range(num_outfits(seed, pid, spec.outfits_per_id)):
        n = int(rng.integers(spec.min_cameras_per_id, top + 1))
        cams = sorted(int(c) + 1 for c in rng.choice(spec.num_cameras, size=n, replace=False))
        out.extend((k, cam) for cam in cams)
    return out


def plan_ltcc(spec: SynthSpec) -> list[ImageRecord]:
    """LTCC-shaped records, in order (split, pid, outfit, camera, frame)."""
    train, test = split_ids(spec)
    records = []
    for pid in train + test:
        for key, (k, cam) in enumerate(_wardrobe_tracklets(spec, pid)):
            count, first, step = _counts(spec, pid, key)
            first *= 997  # LTCC frame numbers run to six digits
            query = int(streams.stream(spec.seed, streams.WARDROBE, pid, 3, key).integers(count))
            for i in range(count):
                split = "train" if pid in train else ("query" if count >= 2 and i == query else "gallery")
                path = ltcc.format_path(split, pid, k + 1, cam, first + i * step)
                records.append(ImageRecord(split, path, pid, cam, "person", i, count, pid, k))
    return records


def plan_external(spec: SynthSpec) -> list[ImageRecord]:
    """External records: LTCC-shaped people under other keys, names in a shuffled order."""
    people = [EXTERNAL_PID + i for i in range(1, spec.num_train_ids + spec.num_test_ids + 1)]
    drawn = []
    for pid in people:
        for key, (k, cam) in enumerate(_wardrobe_tracklets(spec, pid)):
            count = _counts(spec, pid, key)[0]
            drawn.extend((pid, cam, k, i, count) for i in range(count))
    numbers = streams.stream(draw_seed(spec), streams.WARDROBE, 0, 4).permutation(len(drawn))
    return [ImageRecord("train", external.format_path(int(n)), pid, cam, "person", i, count, pid, k)
            for (pid, cam, k, i, count), n in zip(drawn, numbers)]


PLANNERS = {"prcc": plan_prcc, "ltcc": plan_ltcc, "external": plan_external}


def plan_clothes_dataset(spec: SynthSpec) -> list[ImageRecord]:
    """The records of a clothes-changing (or external) layout."""
    return PLANNERS[spec.layout](spec)
