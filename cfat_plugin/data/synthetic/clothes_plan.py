"""Who wears what where: the draws the clothes-changing layouts plan their images with.

An identity of LTCC's shape (and of the external set's) owns 2..5 outfits
(``outfits_per_id``); each outfit is seen by ``min_cameras_per_id`` or one more
cameras, one tracklet per camera (:func:`wardrobe_tracklets`). A tracklet's
length, first frame and frame step come from a stream of its own
(:func:`tracklet_frames`), so do PRCC's (one per camera A, B and C).
The external set draws its people with another seed (:func:`draw_seed`) and
other id keys (:data:`EXTERNAL_PID`), so they match no person of any labeled set.

Each layout plans its records with these in its own module, where its paths
are built: ``layouts/prcc.py``, ``layouts/ltcc.py``, ``layouts/external.py``.
"""
from __future__ import annotations

from . import rng as streams
from .clothes import num_outfits
from .spec import SynthSpec

# The external set draws from seed + EXTERNAL_SEED and ids from EXTERNAL_PID up:
# labeled sets use ids below 1000, so no person is shared whatever their seeds.
EXTERNAL_SEED = 10007
EXTERNAL_PID = 100_000


def draw_seed(spec: SynthSpec) -> int:
    """The seed people and cameras are drawn with (another one for the external set)."""
    return spec.seed + EXTERNAL_SEED if spec.layout == "external" else spec.seed


def tracklet_frames(spec: SynthSpec, pid: int, key: int) -> tuple[int, int, int]:
    """(image count, first frame number, frame step) of one tracklet of ``pid``."""
    rng = streams.stream(draw_seed(spec), streams.WARDROBE, pid, 1, key)
    lo, hi = spec.images_per_camera
    count = int(rng.integers(lo, hi + 1))
    step = int(rng.integers(1, 6))
    return count, int(rng.integers(1, 999 - step * count)), step


def wardrobe_tracklets(spec: SynthSpec, pid: int) -> list[tuple[int, int]]:
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
