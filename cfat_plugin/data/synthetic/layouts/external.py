"""The external set's layout: unlabeled images, ``external/images/<NNNNNN>.jpg``.

File names are numbers in a shuffled order, so neither the name nor the order
tells who is who: the set is for unlabeled use (distillation, pre-training).

Generated sets (:func:`plan`): LTCC-shaped people drawn with another seed and
other id keys (``clothes_plan.draw_seed``, ``EXTERNAL_PID``), so they match no
person of any labeled set.
"""
from __future__ import annotations

from .. import rng as streams
from ..clothes_plan import EXTERNAL_PID, draw_seed, tracklet_frames, wardrobe_tracklets
from ..plan import ImageRecord
from ..spec import SynthSpec

ROOT = "external"


def format_path(number: int) -> str:
    """Path of image ``number`` relative to the data set folder."""
    return f"{ROOT}/images/{number:06d}.jpg"


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """External records: LTCC-shaped people under other keys, names in a shuffled order."""
    people = [EXTERNAL_PID + i for i in range(1, spec.num_train_ids + spec.num_test_ids + 1)]
    drawn = []
    for pid in people:
        for key, (k, cam) in enumerate(wardrobe_tracklets(spec, pid)):
            count = tracklet_frames(spec, pid, key)[0]
            drawn.extend((pid, cam, k, i, count) for i in range(count))
    numbers = streams.stream(draw_seed(spec), streams.WARDROBE, 0, 4).permutation(len(drawn))
    return [ImageRecord("train", format_path(int(n)), pid, cam, "person", i, count, pid, k)
            for (pid, cam, k, i, count), n in zip(drawn, numbers)]
