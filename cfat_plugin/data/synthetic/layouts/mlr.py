"""MLR-CUHK03: its folder layout, file names and low-resolution protocol.

MLR-CUHK03 (Jiao et al., AAAI 2018, after Wang et al., IJCAI 2016) is made
from CUHK03, where every person is seen by the two cameras of one camera
pair: the images of one of the two cameras are down-sampled by a factor
drawn from {2, 3, 4}, the other camera's are kept. Test queries are the
low-resolution images, the gallery the full-resolution ones; train ids have
both. No official file list is published; the copy distributed with the
Degradation-Invariant ReID code (Huang et al., CVPR 2020) is laid out as

    MLR-CUHK03/{train,val,query,gallery}/<pid 4-digit>/<pid 5-digit>_c<cam 0|1>_<image 5-digit>.jpg

with every low-resolution image under camera ``c0`` and every full-resolution
one under ``c1`` (the code's rule for a real low-resolution image is ``'c0'``
in the file name), which is what is written here (``val`` is left out: the
generated set has no validation ids; readers take it where present). The down-sampling
factor of every image, not in the real names, goes to ``MLR-CUHK03/factors.csv``
(``path,pid,camid,factor``, paths relative to ``MLR-CUHK03/``, factor 1 for
full resolution). Low-resolution images are stored at their small size, as
in the real set; a model's resize brings them back up.

Generated sets use SynthReID's train/test split of ids (``plan.split_ids``),
so with the demo's seed and id counts the test ids are the demo's, and a
model trained on the demo meets none of them in training. Images are rendered
in the demo's cameras 1 and 2 (which of the two is a person's low-resolution
one is drawn per person), from the same streams as the demo's; their names
carry the published cameras (``c0`` low, ``c1`` full resolution) instead.
"""
from __future__ import annotations

import re

from .. import rng as streams
from ..name_fields import int_fields
from ..plan import ImageRecord, split_ids
from ..spec import SynthSpec

ROOT = "MLR-CUHK03"
SPLIT_DIRS = ("train", "query", "gallery")
VAL_DIR = "val"  # optional, in the published copy (the code validates on it); never generated
FACTORS_FILE = "factors.csv"
LOW_RES_CAMERA, FULL_RES_CAMERA = 0, 1  # the cameras of the file names (published: low resolution is c0)

_NAME = re.compile(r"^(\d{5})_c(\d)_(\d{5})\.jpg$")


def image_path(split: str, pid: int, low_res: bool, number: int) -> str:
    """``MLR-CUHK03/<split>/<pid:04d>/<pid:05d>_c<0|1>_<number:05d>.jpg``: ``c0`` for the low-resolution
    camera of the pair, ``c1`` for the full-resolution one, as in the published copy."""
    camid = LOW_RES_CAMERA if low_res else FULL_RES_CAMERA
    return f"{ROOT}/{split}/{pid:04d}/{pid:05d}_c{camid}_{number:05d}.jpg"


def parse_name(name: str) -> tuple[int, int, int]:
    """(pid, 0-based camera, image number) of a file name; ``ValueError`` if it is not MLR-CUHK03's."""
    return int_fields(_NAME, name, "an MLR-CUHK03 image name", "<pid 5-digit>_c<cam>_<nnnnn>.jpg")


def name_camera(path: str) -> int:
    """The 0-based camera of an image's file name (``c0``: low resolution)."""
    return parse_name(path.rsplit("/", 1)[-1])[1]


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """Per id (train ids, then test ids): which camera is low-resolution, how many images each camera
    has, and per low-resolution image its factor (one stream per id). Test ids: low-resolution
    images are queries, full-resolution ones the gallery.

    ``ImageRecord.camid`` is the demo camera (1 or 2) the image is rendered in, drawn per id; the file
    name's camera is the published one (``c0`` low resolution, ``c1`` full), so which demo camera a
    person's small images come from varies while their names do not."""
    train, test = split_ids(spec)
    lo, hi = spec.images_per_camera
    records = []
    for is_test, ids in ((False, train), (True, test)):
        for pid in ids:
            rng = streams.stream(spec.seed, streams.MLR_PLAN, pid)
            low_cam = int(rng.integers(1, 3))
            number = 0
            for cam in (1, 2):
                count = int(rng.integers(lo, hi + 1))
                for k in range(count):
                    # one uniform draw per image whatever the factors: the same plan with factors (1,) (the
                    # full-resolution control) and with (2, 3, 4), but for the scale
                    u = float(rng.random()) if cam == low_cam else 0.0
                    factors = spec.downsample_factors
                    scale = factors[min(len(factors) - 1, int(u * len(factors)))] if cam == low_cam else 1
                    split = ("query" if cam == low_cam else "gallery") if is_test else "train"
                    records.append(ImageRecord(split, image_path(split, pid, cam == low_cam, number), pid, cam,
                                               "person", k, count, pid, scale=scale))
                    number += 1
    return records


def index_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """``MLR-CUHK03/factors.csv``: every image's down-sampling factor (1: full resolution)."""
    lines = ["path,pid,camid,factor"]
    lines += [f"{r.name[len(ROOT) + 1:]},{r.pid},{name_camera(r.name)},{r.scale}" for r in records]
    return {f"{ROOT}/{FACTORS_FILE}": "\n".join(lines) + "\n"}


def read_factors(path: str) -> dict[str, int]:
    """``factors.csv`` as {path relative to ``MLR-CUHK03/``: factor}."""
    out = {}
    with open(path) as fh:
        next(fh)
        for line in fh:
            if line.strip():
                rel, _, _, factor = line.strip().rsplit(",", 3)
                out[rel] = int(factor)
    return out
