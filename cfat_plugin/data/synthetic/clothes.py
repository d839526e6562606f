"""People who change clothes: biometrics (body, skin, hair, gender) apart from outfits.

In the Market-shaped presets a person is one look drawn at once
(:func:`identity.sample_identity`). Clothes-changing ReID needs the part of a
person that survives a change of clothes to be drawn on its own, so here a
person is a gender and biometrics drawn once per identity, dressed in outfit
``k`` drawn from its own stream keyed ``(pid, k)``: outfit 0 and outfit 1 of
one person share nothing but what gender biases (a skirt, pink, long hair are
more likely for women, broader builds for men). A cap is part of an outfit and
hides the hair style while worn. Only the clothes-changing layouts use this
module, so the Market presets draw exactly what they drew before.
"""
from __future__ import annotations

import numpy as np

from . import rng as streams
from .identity import (BAGS, CLOTH_PALETTE, HAIR_STYLES, HAIR_TONES, SHOE_TONES, SKIN_TONES, Identity,
                       _jitter, _pick, _pick_cloth, garments)
from .persistent_cues import persistent_biometrics, persistent_outfit

GENDERS = ("female", "male")

# Weights over HAIR_STYLES without "cap" (short, long, ponytail, bald), per gender.
_HAIR_WEIGHTS = {"female": (0.25, 0.5, 0.25, 0.0), "male": (0.8, 0.06, 0.02, 0.12)}
# Weights over LOWER_TYPES (trousers, shorts, skirt), per gender.
_LOWER_WEIGHTS = {"female": (0.55, 0.15, 0.3), "male": (0.8, 0.2, 0.0)}
# Upper colours whose weight gender scales (names in CLOTH_PALETTE).
_FEMININE = ("pink", "purple", "red", "white", "light_blue")
# Least jitter of a garment colour around its palette entry (more at low difficulty, as identity.py does).
_JITTER_SD = 6.0


def sample_gender(seed: int, pid: int) -> str:
    """The gender of identity ``pid``: its own stream, so it never shifts another draw."""
    return GENDERS[int(streams.stream(seed, streams.GENDER, pid).integers(2))]


def sample_biometrics(seed: int, pid: int) -> dict:
    """What a change of clothes leaves alone: build, proportions, gait, skin, hair.

    Gender biases height, build and hair style (a bias, not a rule: some women
    are broad, some men wear long hair).
    """
    gender = sample_gender(seed, pid)
    rng = streams.stream(seed, streams.BIOMETRICS, pid)
    female = gender == "female"
    styles = HAIR_STYLES[:4]
    skin = int(rng.integers(len(SKIN_TONES)))
    hair_color = int(rng.choice(len(HAIR_TONES), p=[0.5, 0.25, 0.12, 0.07, 0.06]))
    return {
        "gender": gender,
        "height": float(rng.uniform(0.86, 0.97) if female else rng.uniform(0.9, 1.0)),
        "build": float(rng.uniform(0.84, 1.02) if female else rng.uniform(0.96, 1.16)),
        "head": float(rng.uniform(0.92, 1.08)),
        "leg_ratio": float(rng.uniform(0.95, 1.05)),
        "arm_swing": float(rng.uniform(0.5, 1.2)),
        "skin": skin,
        "skin_rgb": _jitter(SKIN_TONES[skin], rng, 5.0),
        "hair_style": _pick(rng, styles, _HAIR_WEIGHTS[gender]),
        "hair_color": hair_color,
        "hair_rgb": _jitter(HAIR_TONES[hair_color], rng, 5.0),
    }


def kept_biometrics(seed: int, pid: int, cues: str = "all") -> dict:
    """What identity ``pid`` keeps across outfits in a set drawn with ``identity_cues=cues``: the default
    biometrics, made plain to see (with the shoes the person keeps) where ``cues`` is ``"persistent"``."""
    body = sample_biometrics(seed, pid)
    return persistent_biometrics(seed, pid, body) if cues == "persistent" else body


def _pick_upper(rng: np.random.Generator, gender: str, exclude: tuple[str, ...] = ()) -> str:
    names = [n for n in CLOTH_PALETTE if n not in exclude]
    scale = {n: (2.0 if gender == "female" else 0.4) if n in _FEMININE else 1.0 for n in names}
    weights = np.array([CLOTH_PALETTE[n][1] * scale[n] for n in names])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def sample_outfit(seed: int, pid: int, k: int, gender: str) -> dict:
    """Palette choices of outfit ``k`` of identity ``pid`` (names, not colours)."""
    rng = streams.stream(seed, streams.OUTFIT, pid, k)
    return {
        **garments(rng, _pick_upper(rng, gender), _LOWER_WEIGHTS[gender]),
        "bag": _pick(rng, BAGS, (0.4, 0.2, 0.15, 0.25) if gender == "female" else (0.45, 0.35, 0.17, 0.03)),
        "bag_color": _pick_cloth(rng, 2),
        "bag_side": int(rng.choice([-1, 1])),
        "cap": bool(rng.random() < (0.06 if gender == "female" else 0.15)),
        "cap_color": _pick_cloth(rng, 1),
    }


def num_outfits(seed: int, pid: int, outfits_per_id: tuple[int, int]) -> int:
    """How many outfits identity ``pid`` owns, in the spec's inclusive range."""
    lo, hi = outfits_per_id
    return int(streams.stream(seed, streams.WARDROBE, pid).integers(lo, hi + 1))


def dressed_identity(seed: int, pid: int, k: int, difficulty: float, cues: str = "all") -> Identity:
    """Identity ``pid`` wearing outfit ``k``: its biometrics and that outfit's colours.

    ``Identity.outfit`` holds the names behind both (gender, clothes index,
    garments), for attribute labels. ``cues="persistent"`` makes what the person
    keeps plain to see (``persistent_cues.py``).
    """
    body = kept_biometrics(seed, pid, cues)
    outfit = sample_outfit(seed, pid, k, body["gender"])
    if cues == "persistent":
        outfit = persistent_outfit(outfit, body)
    rng = streams.stream(seed, streams.OUTFIT, pid, k, 1)  # colour jitter of this outfit
    sd = _JITTER_SD + 8.0 * (1.0 - difficulty)

    def cloth(name: str) -> tuple[int, int, int]:
        return _jitter(CLOTH_PALETTE[name][0], rng, sd)

    hair_style = "cap" if outfit["cap"] else body["hair_style"]
    names = dict(outfit, gender=body["gender"], clothes=k, hair_style=hair_style,
                 hair_color=body["hair_color"], skin=body["skin"])
    return Identity(
        height=body["height"], build=body["build"], head=body["head"], leg_ratio=body["leg_ratio"],
        arm_swing=body["arm_swing"], skin=body["skin_rgb"], hair_style=hair_style, hair_color=body["hair_rgb"],
        cap_color=cloth(outfit["cap_color"]), upper_type=outfit["upper_type"],
        upper_color=cloth(outfit["upper_color"]), upper_color2=cloth(outfit["upper_color2"]),
        inner_color=cloth(outfit["inner_color"]), upper_pattern=outfit["upper_pattern"],
        pattern_scale=outfit["pattern_scale"], logo_shape=outfit["logo_shape"],
        lower_type=outfit["lower_type"], lower_color=cloth(outfit["lower_color"]),
        shoe_color=_jitter(SHOE_TONES[outfit["shoes"]], rng, 6.0), bag=outfit["bag"],
        bag_color=cloth(outfit["bag_color"]), bag_side=outfit["bag_side"],
        outfit=tuple(sorted(names.items())),
    )

