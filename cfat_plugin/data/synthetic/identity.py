"""The persistent look of a person: body, skin, hair, clothes, bag.

Identities are drawn so that they differ *subtly*, as in real data: colours
come from one shared, skewed palette (lots of black, grey, navy and denim),
and, more often the higher the difficulty, an identity is a copy of a shared
"family" outfit with only one or two attributes changed. Telling such
look-alikes apart needs the small cues (a logo, a bag, shoe colour, build).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import rng as streams

Color = tuple[int, int, int]

# name: (RGB, weight as an upper garment, weight as a lower garment)
CLOTH_PALETTE: dict[str, tuple[Color, float, float]] = {
    "black": ((28, 28, 32), 3.0, 4.0),
    "charcoal": ((58, 58, 64), 2.0, 2.0),
    "grey": ((122, 122, 126), 2.0, 1.5),
    "light_grey": ((182, 182, 178), 1.0, 0.6),
    "white": ((232, 232, 228), 2.5, 0.4),
    "navy": ((32, 42, 82), 2.0, 2.0),
    "blue": ((44, 84, 172), 1.5, 0.8),
    "light_blue": ((122, 162, 212), 1.0, 0.3),
    "denim": ((72, 96, 138), 0.5, 3.0),
    "red": ((176, 36, 42), 1.0, 0.2),
    "maroon": ((102, 32, 42), 0.7, 0.3),
    "pink": ((222, 142, 168), 0.7, 0.2),
    "orange": ((226, 122, 42), 0.5, 0.1),
    "yellow": ((222, 196, 62), 0.5, 0.1),
    "green": ((52, 122, 62), 0.8, 0.3),
    "olive": ((96, 102, 56), 0.6, 0.6),
    "khaki": ((176, 162, 122), 0.8, 1.5),
    "brown": ((102, 72, 46), 0.8, 1.0),
    "purple": ((102, 62, 132), 0.5, 0.1),
    "teal": ((42, 122, 126), 0.5, 0.1),
}
SKIN_TONES: list[Color] = [(236, 200, 172), (224, 180, 146), (198, 150, 112), (168, 118, 84),
                           (128, 86, 58), (92, 62, 44)]
HAIR_TONES: list[Color] = [(20, 18, 18), (46, 32, 24), (88, 58, 36), (170, 140, 90), (150, 150, 150)]
SHOE_TONES: list[Color] = [(30, 30, 30), (235, 235, 235), (96, 64, 40), (120, 120, 124), (40, 70, 150),
                           (190, 40, 40)]

HAIR_STYLES = ("short", "long", "ponytail", "bald", "cap")
UPPER_TYPES = ("tee", "longsleeve", "jacket")
PATTERNS = ("solid", "hstripes", "vstripes", "checks", "logo", "twotone")
LOWER_TYPES = ("trousers", "shorts", "skirt")
BAGS = ("none", "backpack", "shoulder", "handbag")
LOGO_SHAPES = ("disc", "square", "bar", "triangle")

# Attributes a family member may change; body measurements are always its own.
_MUTABLE = ("upper_color", "upper_pattern", "upper_type", "lower", "shoes", "bag", "hair", "skin")


@dataclass(frozen=True)
class Identity:
    """All persistent attributes of one person (colours as RGB 0..255)."""

    height: float  # fraction of the crop the standing person fills (before camera scale)
    build: float  # width multiplier, ~0.85 (slim) .. 1.15 (broad)
    head: float  # head size multiplier
    leg_ratio: float  # leg length multiplier
    arm_swing: float  # gait: amplitude of arm swing
    skin: Color
    hair_style: str
    hair_color: Color
    cap_color: Color
    upper_type: str
    upper_color: Color
    upper_color2: Color
    inner_color: Color  # shirt under an open jacket
    upper_pattern: str
    pattern_scale: float  # stripe/check period as a fraction of the person's height
    logo_shape: str
    lower_type: str
    lower_color: Color
    shoe_color: Color
    bag: str
    bag_color: Color
    bag_side: int  # -1 left, +1 right (in the person's own frame)
    # The palette choices behind the colours above (cloth names, tone indices, types), as sorted
    # (key, value) pairs: what attribute labels, captions and material responses are made from.
    # Kept, not re-drawn: drawing nothing more keeps every earlier data set byte-identical.
    outfit: tuple = ()

    def outfit_names(self) -> dict:
        """The palette choices of this look by attribute (``upper_color: "navy"``, ``shoes: 2``...)."""
        return dict(self.outfit)


def _jitter(color: Color, rng: np.random.Generator, sd: float) -> Color:
    """A colour near ``color``: shared brightness shift plus a small per-channel one."""
    shift = rng.normal(0.0, sd)
    return tuple(int(min(255, max(0, round(c + shift + rng.normal(0.0, sd * 0.5))))) for c in color)


def _pick_cloth(rng: np.random.Generator, column: int, exclude: tuple[str, ...] = ()) -> str:
    names = [n for n in CLOTH_PALETTE if n not in exclude]
    weights = np.array([CLOTH_PALETTE[n][column] for n in names])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _pick(rng: np.random.Generator, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
    w = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=w / w.sum()))]


def garments(rng: np.random.Generator, upper: str, lower_weights: tuple) -> dict:
    """The garments of an outfit whose upper colour is ``upper``, drawn in a fixed order from ``rng``
    (the order is part of the data: SynthReID's images depend on it)."""
    return {
        "upper_color": upper,
        "upper_color2": _pick_cloth(rng, 1, exclude=(upper,)),
        "inner_color": _pick_cloth(rng, 1, exclude=(upper,)),
        "upper_type": _pick(rng, UPPER_TYPES, (0.45, 0.3, 0.25)),
        "upper_pattern": _pick(rng, PATTERNS, (0.45, 0.15, 0.06, 0.1, 0.14, 0.1)),
        "pattern_scale": float(rng.uniform(0.025, 0.06)),
        "logo_shape": _pick(rng, LOGO_SHAPES, (1, 1, 1, 1)),
        "lower_type": _pick(rng, LOWER_TYPES, lower_weights),
        "lower_color": _pick_cloth(rng, 2),
        "shoes": int(rng.choice(len(SHOE_TONES), p=[0.35, 0.3, 0.12, 0.13, 0.05, 0.05])),
    }


def _outfit(rng: np.random.Generator) -> dict:
    """Palette choices (names, not jittered colours) of one outfit."""
    return {
        **garments(rng, _pick_cloth(rng, 1), (0.72, 0.16, 0.12)),
        "bag": _pick(rng, BAGS, (0.4, 0.3, 0.18, 0.12)),
        "bag_color": _pick_cloth(rng, 2),
        "bag_side": int(rng.choice([-1, 1])),
        "hair_style": _pick(rng, HAIR_STYLES, (0.45, 0.25, 0.1, 0.07, 0.13)),
        "hair_color": int(rng.choice(len(HAIR_TONES), p=[0.5, 0.25, 0.12, 0.07, 0.06])),
        "cap_color": _pick_cloth(rng, 1),
        "skin": int(rng.integers(len(SKIN_TONES))),
    }


def _mutate(outfit: dict, rng: np.random.Generator, count: int) -> dict:
    """Change ``count`` distinct attribute groups of a family outfit."""
    fresh = _outfit(rng)
    out = dict(outfit)
    for group in rng.choice(len(_MUTABLE), size=count, replace=False):
        name = _MUTABLE[int(group)]
        if name == "upper_color":
            out["upper_color"] = _pick_cloth(rng, 1, exclude=(outfit["upper_color"],))
        elif name == "upper_pattern":
            out["upper_pattern"] = _pick(rng, PATTERNS, (1, 1, 1, 1, 1, 1))
            out["upper_color2"] = fresh["upper_color2"]
            out["logo_shape"] = fresh["logo_shape"]
        elif name == "upper_type":
            out["upper_type"] = fresh["upper_type"]
            out["inner_color"] = fresh["inner_color"]
        elif name == "lower":
            out["lower_color"] = _pick_cloth(rng, 2, exclude=(outfit["lower_color"],))
            out["lower_type"] = fresh["lower_type"]
        elif name == "shoes":
            out["shoes"] = fresh["shoes"]
        elif name == "bag":
            out["bag"] = _pick(rng, BAGS, (1, 1, 1, 1))
            out["bag_color"] = fresh["bag_color"]
        elif name == "hair":
            out["hair_style"] = fresh["hair_style"]
            out["hair_color"] = fresh["hair_color"]
            out["cap_color"] = fresh["cap_color"]
        else:
            out["skin"] = fresh["skin"]
    return out


def num_families(difficulty: float) -> int:
    """How many shared outfits look-alike identities are drawn from (fewer = harder)."""
    return int(round(48 - 32 * difficulty))


def sample_identity(seed: int, pid: int, difficulty: float, tag: int = streams.IDENTITY) -> Identity:
    """The look of identity ``pid``; depends only on ``(seed, pid, difficulty)``.

    With probability ``0.2 + 0.5 * difficulty`` the person wears a family
    outfit with one or two attributes changed, so look-alikes exist; colours
    are jittered less the higher the difficulty.
    """
    rng = streams.stream(seed, tag, pid)
    if rng.random() < 0.2 + 0.5 * difficulty:
        family = int(rng.integers(num_families(difficulty)))
        base = _outfit(streams.stream(seed, streams.FAMILY, family))
        changes = 1 if rng.random() < 0.3 + 0.5 * difficulty else 2
        outfit = _mutate(base, rng, changes)
    else:
        outfit = _outfit(rng)
    sd = 4.0 + 12.0 * (1.0 - difficulty)

    def cloth(name: str) -> Color:
        return _jitter(CLOTH_PALETTE[name][0], rng, sd)

    return Identity(
        height=float(rng.uniform(0.88, 1.0)),
        build=float(rng.uniform(0.86, 1.14)),
        head=float(rng.uniform(0.92, 1.08)),
        leg_ratio=float(rng.uniform(0.95, 1.05)),
        arm_swing=float(rng.uniform(0.5, 1.2)),
        skin=_jitter(SKIN_TONES[outfit["skin"]], rng, 5.0),
        hair_style=outfit["hair_style"],
        hair_color=_jitter(HAIR_TONES[outfit["hair_color"]], rng, 5.0),
        cap_color=cloth(outfit["cap_color"]),
        upper_type=outfit["upper_type"],
        upper_color=cloth(outfit["upper_color"]),
        upper_color2=cloth(outfit["upper_color2"]),
        inner_color=cloth(outfit["inner_color"]),
        upper_pattern=outfit["upper_pattern"],
        pattern_scale=outfit["pattern_scale"],
        logo_shape=outfit["logo_shape"],
        lower_type=outfit["lower_type"],
        lower_color=cloth(outfit["lower_color"]),
        shoe_color=_jitter(SHOE_TONES[outfit["shoes"]], rng, 6.0),
        bag=outfit["bag"],
        bag_color=cloth(outfit["bag_color"]),
        bag_side=outfit["bag_side"],
        outfit=tuple(sorted(outfit.items())),
    )
