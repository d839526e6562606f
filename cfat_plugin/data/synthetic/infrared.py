"""Near-infrared cameras: what each material looks like under active IR light.

An IR camera (SYSU-MM01's cameras 3 and 6, RegDB's thermal one) does not see
colour: it sees how much of its illuminator's near-infrared light a material
sends back. That follows the dye and the material, not the visible colour:
many textile dyes are transparent in the NIR (a navy or black polyester top
glows), carbon-black and some green dyes absorb it, skin is bright whatever
its visible tone, foliage is very bright. So an IR person is drawn with each
palette choice swapped for its *own* NIR grey from the tables below (looked up
by name in ``Identity.outfit``), which no fixed weighted greyscale of the RGB
reproduces; a greyscale augmentation of the visible images cannot invert it.
A cloth's grey is part dye (the table) and part fabric (its visible
brightness: ``DYE_SHARE``), as a white shirt stays bright and a heavy black
one dark under any light; with the dye alone an IR person kept too little
of what an RGB-trained model could match (see README.md, Infrared).

The camera then adds what active illumination does: the scene far behind
the person gets less light than the person, the crop is brighter in the
centre than at its edges, and the sensor is noisy (per-pixel and per-row).
Output images are grey, stored as 3 equal channels (as SYSU-MM01's IR JPEGs).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from . import rng as streams
from .camera import Camera, panorama
from .identity import CLOTH_PALETTE, HAIR_TONES, SHOE_TONES, SKIN_TONES, Identity
from .shapes import Color

# NIR reflectance (0..1) per cloth palette name. Not monotone in visible brightness on purpose:
# black, navy, red and purple dyes are bright; green, olive, teal and carbon-dyed charcoal are dark.
CLOTH_NIR: dict[str, float] = {
    "black": 0.58, "charcoal": 0.22, "grey": 0.40, "light_grey": 0.46, "white": 0.86,
    "navy": 0.72, "blue": 0.62, "light_blue": 0.50, "denim": 0.36, "red": 0.80,
    "maroon": 0.68, "pink": 0.76, "orange": 0.74, "yellow": 0.66, "green": 0.18,
    "olive": 0.16, "khaki": 0.34, "brown": 0.60, "purple": 0.74, "teal": 0.24,
}
# How much of a cloth's NIR grey is its dye's response; the rest follows its visible brightness.
DYE_SHARE = 0.5
# Skin reflects NIR strongly and far more evenly across tones than visible light (index: SKIN_TONES).
SKIN_NIR: tuple[float, ...] = (0.64, 0.62, 0.60, 0.57, 0.54, 0.50)
# Melanin absorbs less in the NIR: dark hair is mid-grey, not black (index: HAIR_TONES).
HAIR_NIR: tuple[float, ...] = (0.28, 0.33, 0.40, 0.52, 0.56)
# Shoes: black rubber/leather (carbon) stays dark, white and red ones are bright (index: SHOE_TONES).
SHOE_NIR: tuple[float, ...] = (0.12, 0.82, 0.44, 0.36, 0.56, 0.66)
# Unnamed scene materials (occluders, poles): painted surfaces, and foliage (chlorophyll: very bright).
PAINT_NIR, FOLIAGE_NIR = 0.45, 0.82

assert set(CLOTH_NIR) == set(CLOTH_PALETTE) and len(SKIN_NIR) == len(SKIN_TONES)
assert len(HAIR_NIR) == len(HAIR_TONES) and len(SHOE_NIR) == len(SHOE_TONES)

_CLOTH_FIELDS = ("cap_color", "upper_color", "upper_color2", "inner_color", "lower_color", "bag_color")


def _grey(reflectance: float, visible: Color, reference: Color) -> Color:
    """The NIR grey of a material, plus a small share of the identity's own visible jitter
    (``visible - reference``), so two people in the same palette colour still differ a little."""
    jitter = sum(v - r for v, r in zip(visible, reference)) / 3.0
    value = int(min(255, max(0, round(255.0 * reflectance + 0.6 * jitter))))
    return (value, value, value)


def cloth_nir(name: str, visible: Color) -> Color:
    """The NIR grey of a cloth of palette colour ``name`` whose (jittered) visible colour is ``visible``."""
    luminance = 0.299 * visible[0] + 0.587 * visible[1] + 0.114 * visible[2]
    value = int(min(255, max(0, round(DYE_SHARE * 255.0 * CLOTH_NIR[name] + (1.0 - DYE_SHARE) * luminance))))
    return (value, value, value)


def nir_identity(ident: Identity) -> Identity:
    """``ident`` as an IR camera sees it: every colour replaced by its material's NIR grey."""
    names = ident.outfit_names()
    if not names:
        raise ValueError("this Identity has no palette names (Identity.outfit); cannot look up NIR responses")
    changes = {field: cloth_nir(names[field], getattr(ident, field)) for field in _CLOTH_FIELDS}
    changes["skin"] = _grey(SKIN_NIR[names["skin"]], ident.skin, SKIN_TONES[names["skin"]])
    changes["hair_color"] = _grey(HAIR_NIR[names["hair_color"]], ident.hair_color, HAIR_TONES[names["hair_color"]])
    changes["shoe_color"] = _grey(SHOE_NIR[names["shoes"]], ident.shoe_color, SHOE_TONES[names["shoes"]])
    return dataclasses.replace(ident, **changes)


def nir_paint(color: Color, material: str = "paint") -> Color:
    """An unnamed scene material's NIR grey: foliage is bright; paint is mid-grey with a little
    of its visible red (most pigments reflect NIR like red light, if at all)."""
    if material == "foliage":
        base = FOLIAGE_NIR * 255.0
    else:
        base = PAINT_NIR * 255.0 + 0.25 * (color[0] - 128)
    value = int(min(255, max(0, round(base))))
    return (value, value, value)


@dataclass(frozen=True)
class IRCamera:
    """What is particular to one infrared camera (its scene and viewing habits stay in :class:`Camera`)."""

    index: int
    power: float  # illuminator strength x sensor gain
    falloff: float  # how much darker the crop's corners are than its centre (0 = flat)
    background: float  # light reaching the scene behind the person, relative to the person
    gamma: float
    blur: float  # Gaussian radius at output resolution
    noise: float  # std of per-pixel sensor noise, grey levels
    row_noise: float  # std of per-row offsets (read-out stripes), grey levels


def sample_ir_camera(seed: int, index: int, difficulty: float) -> IRCamera:
    """Infrared camera ``index`` (1-based) of the data set with this seed (its own stream)."""
    rng = streams.stream(seed, streams.IR_CAMERA, index)
    d = difficulty
    return IRCamera(
        index=index,
        power=float(rng.uniform(0.95, 1.25)),
        falloff=float(rng.uniform(0.25, 0.45 + 0.15 * d)),
        background=float(rng.uniform(0.45, 0.75)),
        gamma=float(rng.uniform(0.8, 1.1)),
        blur=float(rng.uniform(0.3, 0.6 + 0.5 * d)),
        noise=float(rng.uniform(2.0, 3.0 + 4.0 * d)),
        row_noise=float(rng.uniform(0.5, 1.5 + 2.0 * d)),
    )


@functools.lru_cache(maxsize=8)
def nir_panorama(camera: Camera, ir: IRCamera) -> Image.Image:
    """The camera's scene under its own IR light: materials by an RGB rule that is not a
    greyscale (foliage bright, blue sky and glass dark), the far wall dimmer than the near floor,
    all of it dimmer than the person (``ir.background``)."""
    rgb = np.asarray(panorama(camera), dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    foliage = np.clip(g - np.maximum(r, b), 0.0, 60.0) / np.float32(60.0)
    bluish = np.clip(b - r, 0.0, 80.0) / np.float32(80.0)
    nir = np.float32(0.55) * r + np.float32(0.2) * g + np.float32(40.0)
    nir = nir * (1.0 - np.float32(0.6) * bluish) + foliage * np.float32(FOLIAGE_NIR * 255.0 * 0.8)
    h = nir.shape[0]
    depth = np.linspace(0.7, 1.2, h, dtype=np.float32)[:, None]  # the floor near the camera gets more light
    nir = np.clip(nir * depth * np.float32(ir.background) + np.float32(0.5), 0, 255).astype(np.uint8)
    return Image.fromarray(np.repeat(nir[..., None], 3, axis=2), "RGB")


def _gamma_lut(gamma: float) -> np.ndarray:
    return np.array([int(round(255.0 * math.pow(i / 255.0, gamma))) for i in range(256)], dtype=np.uint8)


def apply_ir_sensor(img: Image.Image, ir: IRCamera, rng: np.random.Generator, light: float = 1.0) -> Image.Image:
    """Active-illumination falloff (bright centre, dark edges), gain, gamma, blur, and per-pixel plus
    per-row noise; ``light`` scales the illuminator for this pass (how near the person walks)."""
    x = np.asarray(img, dtype=np.float32).mean(axis=2)
    h, w = x.shape
    ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2.0) / np.float32(h / 2.0)
    xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2.0) / np.float32(w / 2.0)
    r2 = np.clip((ys * ys)[:, None] * 0.6 + (xs * xs)[None, :] * 0.4, 0.0, 1.0)  # elliptic, the crop is tall
    x = x * (np.float32(1.0) - np.float32(ir.falloff) * r2) * np.float32(ir.power * light)
    x = np.clip(x + np.float32(0.5), 0, 255).astype(np.uint8)
    out = Image.fromarray(_gamma_lut(ir.gamma)[x], "L")
    if ir.blur > 0.05:
        out = out.filter(ImageFilter.GaussianBlur(ir.blur))
    y = np.asarray(out, dtype=np.float32)
    y = y + rng.normal(0.0, ir.noise, size=y.shape).astype(np.float32)
    y = y + rng.normal(0.0, ir.row_noise, size=(h, 1)).astype(np.float32)
    grey = np.clip(y + np.float32(0.5), 0, 255).astype(np.uint8)
    return Image.fromarray(np.repeat(grey[..., None], 3, axis=2), "RGB")
