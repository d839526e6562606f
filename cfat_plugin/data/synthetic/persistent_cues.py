"""What a person keeps across outfits, made plain to see: the clothes-changing cue a low quality erases.

In the default clothes-changing look (``clothes.py``) a person keeps gender,
skin, hair and body measures across outfits, but a model barely sees them: the
head is about a tenth of the crop, camera casts move skin and hair tones by as
much as the gap between them, and a cap hides the hair. A base model then
scores near chance on clothes-changing queries, and a method that targets
low-quality clothes-changing queries has nothing to show. With
``identity_cues="persistent"`` (the LTCC and PRCC layouts) the same people
keep cues that a full-quality crop shows and a pixelated or blurred one
loses: a larger head with the hair never under a cap, hair in one of seven
tones that camera casts do not confuse, a wider spread of builds, and their
own shoes worn with every outfit, as many people in LTCC and PRCC keep theirs.
The default biometrics are drawn first and only then overridden, from a stream
of their own, so every other draw of the person is the one the default makes.
"""
from __future__ import annotations

from . import rng as streams
from .identity import HAIR_TONES, SHOE_TONES, _jitter

# The default hair tones plus auburn and platinum, drawn uniformly (the default draws black half the time).
PERSISTENT_HAIR_TONES = tuple(HAIR_TONES) + ((150, 62, 30), (226, 214, 180))
HEAD_RANGE = (1.2, 1.45)  # head size multiplier (default 0.92-1.08): the hair and face a few pixels larger
# Builds (width multipliers) per gender, wider apart than the default's 0.84-1.02 and 0.96-1.16.
BUILD_RANGES = {"female": (0.78, 1.04), "male": (0.96, 1.26)}


def persistent_biometrics(seed: int, pid: int, body: dict) -> dict:
    """``body`` (``clothes.sample_biometrics``) with its head, build and hair tone redrawn to be seen, and
    the shoes the person keeps (an index into ``SHOE_TONES``)."""
    rng = streams.stream(seed, streams.PERSISTENT_CUES, pid)
    hair = int(rng.integers(len(PERSISTENT_HAIR_TONES)))
    return dict(body, head=float(rng.uniform(*HEAD_RANGE)), build=float(rng.uniform(*BUILD_RANGES[body["gender"]])),
                hair_color=hair, hair_rgb=_jitter(PERSISTENT_HAIR_TONES[hair], rng, 5.0),
                shoes=int(rng.integers(len(SHOE_TONES))))


def persistent_outfit(outfit: dict, body: dict) -> dict:
    """``outfit`` (``clothes.sample_outfit``) worn with the person's own shoes and no cap."""
    return dict(outfit, shoes=body["shoes"], cap=False)
