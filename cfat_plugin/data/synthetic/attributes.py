"""Coarse attribute labels beside the images: per identity (gender), per image
(view, pose bin, the garments visible and their colours by palette name).

Made from what the generator drew (``Identity.outfit`` names, the tracklet's
view, the walking phase of the frame), never guessed from pixels, and written
as two CSV files in the layout's folder: ``attributes/identities.csv`` and
``attributes/images.csv`` (paths relative to the data set folder). Occluders
are not accounted for: a garment listed may be partly hidden.
"""
from __future__ import annotations

import csv
import io
import math

from .clothes import sample_gender
from .clothes_plan import draw_seed
from .identity import Identity
from .person import Pose

POSE_BINS = ("feet_together", "mid_stride", "full_stride")
IDENTITY_FIELDS = ("pid", "gender", "outfits")
IMAGE_FIELDS = ("path", "pid", "camid", "clothes", "view", "pose", "hair", "upper", "upper_color", "pattern",
                "lower", "lower_color", "shoes", "bag", "bag_color")
_SHOES = ("black", "white", "brown", "grey", "blue", "red")  # identity.SHOE_TONES by name


def pose_bin(phase: float) -> str:
    """The leg swing of a walking phase, binned: legs swing with ``sin(phase)``
    (``person._Body._legs``), so its magnitude is how far apart the feet are."""
    swing = abs(math.sin(phase))
    return POSE_BINS[0] if swing < 0.35 else POSE_BINS[1] if swing < 0.8 else POSE_BINS[2]


def image_attributes(ident: Identity, pose: Pose) -> dict[str, str]:
    """What a viewer of this frame can see: a logo only from the front, a
    backpack not from the front, a bag's colour only when the bag shows, and
    no vertical stripes from the side (``person._draw_torso_and_marks`` draws
    the torso plain there)."""
    names = ident.outfit_names()
    view = pose.view
    pattern = names["upper_pattern"]
    if (pattern == "logo" and view != "front") or (pattern == "vstripes" and view in ("left", "right")):
        pattern = "solid"
    bag = names["bag"]
    if bag == "backpack" and view == "front":
        bag = "none"
    return {
        "view": view,
        "pose": pose_bin(pose.phase),
        "hair": "cap" if names["hair_style"] == "cap" else names["hair_style"],
        "upper": names["upper_type"],
        "upper_color": names["upper_color"],
        "pattern": pattern,
        "lower": names["lower_type"],
        "lower_color": names["lower_color"],
        "shoes": _SHOES[names["shoes"]],
        "bag": bag,
        "bag_color": names["bag_color"] if bag != "none" else "",
    }


def _csv(fields: tuple[str, ...], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def identities_csv(seed: int, outfits: dict[int, int]) -> str:
    """One row per identity: its gender and how many outfits it is seen in."""
    return _csv(IDENTITY_FIELDS, [{"pid": p, "gender": sample_gender(seed, p), "outfits": n}
                                  for p, n in sorted(outfits.items())])


def images_csv(rows: list[dict]) -> str:
    """One row per image, sorted by path."""
    return _csv(IMAGE_FIELDS, sorted(rows, key=lambda r: r["path"]))


def attribute_files(spec, records: list, rows: list[dict], root: str) -> dict[str, str]:
    """``<root>/attributes/identities.csv`` and ``images.csv`` of a dressed layout (PRCC, LTCC,
    pedes), by path relative to the data set folder; ``rows`` are the generator's per-image rows."""
    outfits: dict[int, set[int]] = {}
    for r in records:
        outfits.setdefault(r.pid, set()).add(r.clothes)
    folder = f"{root}/attributes"
    return {f"{folder}/identities.csv": identities_csv(draw_seed(spec), {p: len(k) for p, k in outfits.items()}),
            f"{folder}/images.csv": images_csv(rows)}
