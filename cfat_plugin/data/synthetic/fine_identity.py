"""People told apart only by fine detail, the identity cue a low resolution erases.

In the default look (``identity.py``) people differ in garment colours, build
and bag, which survive a 4x down-sampling: a low-resolution query then costs a
model almost nothing, and a method that targets low resolution has nothing to
recover. With ``identity_cues="fine"`` every person belongs to a look-alike
family that fixes everything a small image still shows (colours, garment
kinds, hair, bag, body, gait) and differs from the rest of the family only in
the pattern of the jacket (horizontal stripes, vertical stripes or checks, at
one of four periods, in the family's colour and black or white), the colour of
the shirt in the jacket's opening and the tone of the shoes: details a few
pixels wide at full resolution and below one pixel after down-sampling by 3 or 4.
"""
from __future__ import annotations

import dataclasses

from . import rng as streams
from .identity import CLOTH_PALETTE, SHOE_TONES, Identity, _jitter, num_families, sample_identity

FINE_PATTERNS = ("hstripes", "vstripes", "checks")  # the jacket's patterns; each mixes the same two colours
# Stripe or check periods as fractions of the person's height: 3 to 7.5 px for a person 75 px tall.
FINE_PERIODS = (0.04, 0.055, 0.075, 0.1)
# The shirt seen in the opening of the jacket every family wears: a strip 3 px wide on a person 75 px tall.
INNER_COLORS = ("white", "red", "yellow", "green", "blue", "orange", "pink", "purple")
# The pattern's second colour: whichever of these is farther from the top's colour, so that the pattern is
# plain to see at full resolution (a navy-on-black stripe would hide what tells the person apart).
CONTRAST = ("black", "white")


def contrast_color(color: tuple) -> str:
    """The name in :data:`CONTRAST` farthest from ``color``."""
    return max(CONTRAST, key=lambda name: sum((a - b) ** 2 for a, b in zip(CLOTH_PALETTE[name][0], color)))


def sample_fine_identity(seed: int, pid: int, difficulty: float) -> Identity:
    """The look of identity ``pid``: its family's look with its own jacket pattern and period, shirt colour
    and shoe tone."""
    rng = streams.stream(seed, streams.FINE_IDENTITY, pid)
    family = int(rng.integers(num_families(difficulty)))
    shared = sample_identity(seed, family, difficulty, tag=streams.FINE_FAMILY)
    pattern = FINE_PATTERNS[int(rng.integers(len(FINE_PATTERNS)))]
    period = FINE_PERIODS[int(rng.integers(len(FINE_PERIODS)))]
    shoes = int(rng.integers(len(SHOE_TONES)))
    second = contrast_color(shared.upper_color)
    inner = INNER_COLORS[int(rng.integers(len(INNER_COLORS)))]
    outfit = {**shared.outfit_names(), "upper_pattern": pattern, "pattern_scale": period, "shoes": shoes,
              "upper_color2": second, "upper_type": "jacket", "inner_color": inner}
    return dataclasses.replace(shared, upper_pattern=pattern, pattern_scale=period, upper_type="jacket",
                               upper_color2=CLOTH_PALETTE[second][0], inner_color=CLOTH_PALETTE[inner][0],
                               shoe_color=_jitter(SHOE_TONES[shoes], rng, 6.0), outfit=tuple(sorted(outfit.items())))
