"""Who is seen where in the CUHK-PEDES-shaped layout (text-based ReID).

CUHK-PEDES gathers a few crops of each person from several cameras (about
three images a person) and splits the people, not the images: train, val and
test identities are disjoint. So here: ids are split as everywhere
(:func:`plan.split_ids`), every fifth training identity goes to ``val``; each
person wears one outfit (``clothes.dressed_identity(..., k=0)``, so captions
can say "a man" / "a woman") and passes ``min_cameras_per_id`` or one more
cameras, ``images_per_camera`` frames each. Records of test people have split
``test``: their images are the text-to-image gallery, their captions the queries.
"""
from __future__ import annotations

from . import rng as streams
from .layouts import pedes
from .plan import ImageRecord, split_ids
from .spec import SynthSpec


def plan_pedes(spec: SynthSpec) -> list[ImageRecord]:
    """CUHK-PEDES-shaped records, in order (pid, camera, frame)."""
    train, test = split_ids(spec)
    val = set(train[4::5])
    split_of = {**{p: "val" if p in val else "train" for p in train}, **{p: "test" for p in test}}
    lo, hi = spec.images_per_camera
    top = min(spec.num_cameras, spec.min_cameras_per_id + 1)
    records = []
    for pid in sorted(split_of):
        rng = streams.stream(spec.seed, streams.PEDES_PLAN, pid)
        n = int(rng.integers(spec.min_cameras_per_id, top + 1))
        for cam in sorted(int(c) + 1 for c in rng.choice(spec.num_cameras, size=n, replace=False)):
            count, step = int(rng.integers(lo, hi + 1)), int(rng.integers(1, 6))
            first = int(rng.integers(1, 9999 - step * count))
            for i in range(count):
                path = pedes.format_path(pid, cam, first + i * step)
                records.append(ImageRecord(split_of[pid], path, pid, cam, "person", i, count, pid, 0))
    return records
