"""Recoloured replicas: every training image also seen in new clothes colours, under a new clothes id.

The published CAP data (``ImageDataset_w_sil``, ``--sil_mode foreround_overlap``) blends a random
palette colour into the shirt and another into the trousers (alpha 0.7) and gives the copy the
clothes class ``original classes + pid * 81 + 9 * pant colour + shirt colour``: 81 new classes per
identity (9 colours squared), so CAL's clothes classifier grows with them and learns that colour
does not name a person. The copy is trained beside its original in the same batch.

Published masks come from SCHP human parsing (shirt and pant silhouettes), which is not available
offline. What stands in for them here is a **foreground estimate**, not a parser: pixels whose colour
is far from the image's border colour (the background of a pedestrian crop), split by height into
a shirt band (``SHIRT_ROWS`` of the image height) and a trousers band (``PANT_ROWS``). It paints
arms, bags and background clutter that differs from the border, and misses clothes that match the
background; treat replicas built this way as an approximation of the published ones.
"""
from __future__ import annotations

import random
from typing import Optional, Tuple

import numpy as np

# The published palette (its colour names), in its order; RGB as CSS names them.
PALETTE: Tuple[Tuple[str, Tuple[int, int, int]], ...] = (
    ("green", (0, 128, 0)), ("blue", (0, 0, 255)), ("purple", (128, 0, 128)), ("red", (255, 0, 0)),
    ("black", (0, 0, 0)), ("white", (255, 255, 255)), ("orange", (255, 165, 0)), ("yellow", (255, 255, 0)),
    ("pink", (255, 192, 203)))
CLASSES_PER_IDENTITY = len(PALETTE) ** 2  # one clothes class per (pant colour, shirt colour)
ALPHA = 0.7  # published blend weight of the palette colour
SHIRT_ROWS = (0.18, 0.52)  # fraction of the crop height: torso of a standing pedestrian
PANT_ROWS = (0.52, 0.92)  # legs
FOREGROUND_DISTANCE = 40  # max channel difference (0-255) from the border colour that counts as foreground


def clothes_masks(image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(shirt, pant) boolean masks of an RGB uint8 crop from the foreground estimate (module docstring)."""
    h = image.shape[0]
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(np.int16)
    background = np.median(border, axis=0)
    foreground = np.abs(image.astype(np.int16) - background).max(axis=2) > FOREGROUND_DISTANCE
    rows = np.arange(h)[:, None] / h
    shirt = foreground & (rows >= SHIRT_ROWS[0]) & (rows < SHIRT_ROWS[1])
    pant = foreground & (rows >= PANT_ROWS[0]) & (rows < PANT_ROWS[1])
    return shirt, pant


def recolour(image: np.ndarray, shirt: np.ndarray, pant: np.ndarray, shirt_rgb, pant_rgb,
             alpha: float = ALPHA) -> np.ndarray:
    """``image`` with ``alpha`` of ``shirt_rgb`` blended into the shirt mask and of ``pant_rgb`` into the pant mask."""
    out = image.astype(np.float32)
    for mask, rgb in ((shirt, shirt_rgb), (pant, pant_rgb)):
        out[mask] = (1 - alpha) * out[mask] + alpha * np.asarray(rgb, np.float32)
    return out.round().clip(0, 255).astype(np.uint8)


def replica_clothes(num_clothes: int, pid: int, pant_colour: int, shirt_colour: int) -> int:
    """The published clothes class of a replica: after the ``num_clothes`` real ones, 81 per identity."""
    return num_clothes + pid * CLASSES_PER_IDENTITY + pant_colour * len(PALETTE) + shirt_colour


class ClothesReplicas:
    """Makes the recoloured replica of a training image and its clothes class (module docstring)."""

    def __init__(self, alpha: float = ALPHA) -> None:
        self.alpha = alpha

    def __call__(self, image: np.ndarray, pid: int, num_clothes: int,
                 rng: Optional[random.Random] = None) -> Tuple[np.ndarray, int]:
        """(the recoloured RGB uint8 image, its clothes class); colours drawn from ``rng`` (default: ``random``)."""
        rng = rng or random
        pant_colour, shirt_colour = rng.randrange(len(PALETTE)), rng.randrange(len(PALETTE))
        shirt, pant = clothes_masks(image)
        replica = recolour(image, shirt, pant, PALETTE[shirt_colour][1], PALETTE[pant_colour][1], self.alpha)
        return replica, replica_clothes(num_clothes, pid, pant_colour, shirt_colour)
