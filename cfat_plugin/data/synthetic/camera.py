"""Cameras: the scene behind people, the light, the sensor, viewing habits.

Cross-camera change is what makes re-identification hard, so each camera
gets its own background scene (plaza, corridor, street, park), its own
illumination and colour cast, its own blur and noise, and a preferred
viewpoint (one camera sees most people from the front, another from the back
or in profile). The scene is drawn once per camera as a wide panorama; each
crop is a window of it, moving a little as a person walks through.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import rng as streams
from .shapes import Color, ellipse, shade

SCENES = ("plaza", "corridor", "street", "park")
PANORAMA_SIZE = (960, 320)  # width, height of a camera's scene, in scene pixels

_WALLS: list[Color] = [(172, 172, 166), (202, 192, 166), (150, 86, 66), (216, 216, 210), (122, 140, 150),
                       (96, 96, 102), (186, 176, 150)]
_FLOORS: list[Color] = [(176, 176, 170), (150, 146, 140), (94, 94, 98), (162, 96, 84), (190, 182, 160),
                        (128, 126, 120)]


@dataclass(frozen=True)
class Camera:
    """Everything persistent about one camera (1-based ``index``, as in file names)."""

    seed: int
    index: int
    scene: str
    gain: float
    cast: tuple[float, float, float]  # per-channel multipliers (colour temperature)
    contrast: float
    saturation: float
    gamma: float
    blur: float  # Gaussian radius at output resolution
    noise: float  # std of sensor noise, grey levels
    view_weights: tuple[float, float, float, float]  # front, back, left, right
    fill: tuple[float, float]  # range of person height / crop height
    aspect: tuple[float, float]  # range of crop width / height


def sample_camera(seed: int, index: int, difficulty: float) -> Camera:
    """Camera ``index`` (1-based) of the data set with this seed."""
    rng = streams.stream(seed, streams.CAMERA, index)
    d = difficulty
    scene = SCENES[int(rng.integers(len(SCENES)))]
    cast_sd = 0.03 + 0.07 * d
    cast = tuple(float(np.clip(1.0 + rng.normal(0.0, cast_sd), 0.75, 1.25)) for _ in range(3))
    dominant = int(rng.integers(4))
    weights = [0.12 + 0.08 * (1 - d)] * 4
    weights[dominant] += 0.45 + 0.2 * d
    total = sum(weights)
    fill_lo = float(rng.uniform(0.76, 0.86))
    aspect_lo = float(rng.uniform(0.36, 0.44))
    return Camera(
        seed=seed, index=index, scene=scene,
        gain=float(rng.uniform(1.0 - 0.3 * d - 0.05, 1.0 + 0.2 * d + 0.05)),
        cast=cast,
        contrast=float(rng.uniform(0.85 - 0.15 * d, 1.1)),
        saturation=float(rng.uniform(0.8 - 0.3 * d, 1.15)),
        gamma=float(rng.uniform(0.85, 1.2)),
        blur=float(rng.uniform(0.0, 0.3 + 0.6 * d)),
        noise=float(rng.uniform(1.0, 2.0 + 5.0 * d)),
        view_weights=tuple(w / total for w in weights),
        fill=(fill_lo, min(0.96, fill_lo + 0.1)),
        aspect=(aspect_lo, aspect_lo + 0.1),
    )


def _perspective_floor(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int, color: Color) -> None:
    """Tile joints: rows closer together towards the horizon, columns converging on it."""
    w, h = PANORAMA_SIZE
    line = shade(color, float(rng.uniform(0.75, 0.9)))
    rows = int(rng.integers(6, 12))
    for k in range(1, rows + 1):
        y = horizon + (h - horizon) * (k / rows) ** 1.8
        draw.line([(0, y), (w, y)], fill=line, width=1 + k // 5)
    vx, spacing = w * float(rng.uniform(0.3, 0.7)), float(rng.uniform(40, 90))
    for i in range(-int(w / spacing) * 2, int(w / spacing) * 2 + 1):
        draw.line([(vx + i * spacing * 0.2, horizon), (vx + i * spacing * 1.6, h)], fill=line, width=1)


def _windows(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int, wall: Color) -> None:
    w, _ = PANORAMA_SIZE
    glass = (int(rng.integers(60, 110)), int(rng.integers(80, 120)), int(rng.integers(100, 140)))
    frame = shade(wall, 1.15)
    step, win_w = float(rng.uniform(70, 130)), float(rng.uniform(30, 60))
    top, bottom = horizon * float(rng.uniform(0.05, 0.2)), horizon * float(rng.uniform(0.55, 0.85))
    x = float(rng.uniform(0, step))
    while x < w:
        draw.rectangle((x - 3, top - 3, x + win_w + 3, bottom + 3), fill=frame)
        draw.rectangle((x, top, x + win_w, bottom), fill=glass)
        draw.line([(x, (top + bottom) / 2), (x + win_w, (top + bottom) / 2)], fill=frame, width=2)
        x += step


def _railing(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int) -> None:
    w, _ = PANORAMA_SIZE
    metal = tuple(int(v) for v in rng.integers(60, 200, size=3))
    top = horizon - float(rng.uniform(35, 70))
    draw.rectangle((0, top, w, top + 5), fill=metal)
    draw.rectangle((0, horizon - 12, w, horizon - 8), fill=metal)
    step = float(rng.uniform(12, 24))
    x = 0.0
    while x < w:
        draw.line([(x, top), (x, horizon)], fill=metal, width=2)
        x += step


def _bricks(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int, wall: Color) -> None:
    w, _ = PANORAMA_SIZE
    mortar = shade(wall, 1.2)
    row_h = float(rng.uniform(7, 11))
    y, row = 0.0, 0
    while y < horizon:
        draw.line([(0, y), (w, y)], fill=mortar, width=1)
        x = (row % 2) * row_h
        while x < w:
            draw.line([(x, y), (x, y + row_h)], fill=mortar, width=1)
            x += 2 * row_h
        y += row_h
        row += 1
    for _ in range(int(rng.integers(1, 4))):  # shop signs and doors
        x0 = float(rng.uniform(0, w - 120))
        sign = tuple(int(v) for v in rng.integers(30, 230, size=3))
        draw.rectangle((x0, horizon * 0.2, x0 + float(rng.uniform(60, 140)), horizon * 0.35), fill=sign)
        draw.rectangle((x0 + 10, horizon * 0.45, x0 + 50, horizon), fill=shade(wall, 0.45))


def _trees(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int) -> None:
    w, _ = PANORAMA_SIZE
    sky = (int(rng.integers(170, 215)), int(rng.integers(185, 225)), int(rng.integers(200, 235)))
    draw.rectangle((0, 0, w, horizon * 0.45), fill=sky)
    for _ in range(int(rng.integers(8, 16))):
        x, r = float(rng.uniform(0, w)), float(rng.uniform(30, 70))
        y = horizon * float(rng.uniform(0.25, 0.55))
        trunk = (int(rng.integers(60, 90)), int(rng.integers(45, 65)), int(rng.integers(30, 45)))
        draw.rectangle((x - 5, y, x + 5, horizon + 6), fill=trunk)
        green = (int(rng.integers(30, 80)), int(rng.integers(80, 130)), int(rng.integers(30, 70)))
        ellipse(draw, (x, y), r, r * 0.8, green)


def _objects(draw: ImageDraw.ImageDraw, rng: np.random.Generator, horizon: int) -> None:
    """Poles, benches and planters standing on the floor."""
    w, h = PANORAMA_SIZE
    for _ in range(int(rng.integers(2, 6))):
        x, base = float(rng.uniform(0, w)), float(rng.uniform(horizon + 5, horizon + 40))
        kind = int(rng.integers(3))
        color = tuple(int(v) for v in rng.integers(40, 180, size=3))
        if kind == 0:
            draw.rectangle((x - 3, base - float(rng.uniform(120, 220)), x + 3, base), fill=color)
        elif kind == 1:
            draw.rectangle((x - 40, base - 22, x + 40, base - 16), fill=color)
            draw.rectangle((x - 36, base - 16, x - 32, base), fill=shade(color, 0.7))
            draw.rectangle((x + 32, base - 16, x + 36, base), fill=shade(color, 0.7))
        else:
            draw.rectangle((x - 22, base - 26, x + 22, base), fill=shade(color, 0.8))
            ellipse(draw, (x, base - 30), 26, 16, (60, 110, 50))


@functools.lru_cache(maxsize=8)
def panorama(camera: Camera) -> Image.Image:
    """The camera's scene, drawn once per process (pure function of the camera)."""
    rng = streams.stream(camera.seed, streams.CAMERA, camera.index, 1)
    w, h = PANORAMA_SIZE
    horizon = int(h * float(rng.uniform(0.38, 0.56)))
    wall = _WALLS[int(rng.integers(len(_WALLS)))]
    floor = _FLOORS[int(rng.integers(len(_FLOORS)))]
    if camera.scene == "park":
        floor = (int(rng.integers(70, 110)), int(rng.integers(115, 150)), int(rng.integers(55, 80)))
    img = Image.new("RGB", (w, h), wall)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, horizon, w, h), fill=floor)
    if camera.scene == "plaza":
        _windows(draw, rng, horizon, wall)
        _perspective_floor(draw, rng, horizon, floor)
    elif camera.scene == "corridor":
        _railing(draw, rng, horizon)
        _perspective_floor(draw, rng, horizon, floor)
    elif camera.scene == "street":
        _bricks(draw, rng, horizon, wall)
        draw.rectangle((0, horizon, w, horizon + 6), fill=shade(floor, 0.7))  # kerb
        _perspective_floor(draw, rng, horizon, floor)
    else:
        _trees(draw, rng, horizon)
        path = (int(rng.integers(170, 205)), int(rng.integers(155, 185)), int(rng.integers(120, 150)))
        draw.polygon([(w * 0.3, horizon), (w * 0.45, horizon), (w * 0.8, h), (w * 0.05, h)], fill=path)
    _objects(draw, rng, horizon)
    # blotchy texture (low-res noise upsampled) and fine grain; floor darker far away
    arr = np.asarray(img, dtype=np.float32)
    blotch = rng.normal(0.0, 10.0, size=(h // 16, w // 16)).astype(np.float32)
    blotch_img = Image.fromarray(np.clip(blotch + 128.0, 0, 255).astype(np.uint8), "L").resize((w, h), Image.BILINEAR)
    arr += np.asarray(blotch_img, dtype=np.float32)[..., None] - 128.0
    arr += rng.normal(0.0, 4.0, size=(h, w, 1)).astype(np.float32)
    ramp = np.ones(h, dtype=np.float32)
    ramp[horizon:] = np.linspace(0.85, 1.05, h - horizon, dtype=np.float32)
    arr *= ramp[:, None, None]
    out = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(0.8))


def _gamma_lut(gamma: float) -> np.ndarray:
    # math.pow per entry, not np.power on the image: scalar libm is the same everywhere
    return np.array([int(round(255.0 * math.pow(i / 255.0, gamma))) for i in range(256)], dtype=np.uint8)


def apply_sensor(img: Image.Image, camera: Camera, rng: np.random.Generator, light: float = 1.0) -> Image.Image:
    """The camera's light, colour cast, contrast, saturation, gamma, blur and noise.

    ``light`` is an extra brightness factor for this pass (shade, sun).
    """
    x = np.asarray(img, dtype=np.float32)
    gain = np.float32(camera.gain * light)
    x = x * (np.array(camera.cast, dtype=np.float32) * gain)
    gray = np.float32(0.299) * x[..., 0] + np.float32(0.587) * x[..., 1] + np.float32(0.114) * x[..., 2]
    x = gray[..., None] + np.float32(camera.saturation) * (x - gray[..., None])
    x = np.float32(128.0) + np.float32(camera.contrast) * (x - np.float32(128.0))
    x = np.clip(x + np.float32(0.5), 0, 255).astype(np.uint8)
    out = Image.fromarray(_gamma_lut(camera.gamma)[x], "RGB")
    if camera.blur > 0.05:
        out = out.filter(ImageFilter.GaussianBlur(camera.blur))
    if camera.noise > 0:
        y = np.asarray(out, dtype=np.float32) + rng.normal(0.0, camera.noise, size=x.shape).astype(np.float32)
        out = Image.fromarray(np.clip(y + np.float32(0.5), 0, 255).astype(np.uint8), "RGB")
    return out
