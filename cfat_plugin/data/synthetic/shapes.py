"""Drawing primitives on a supersampled Pillow canvas (anti-aliasing comes
from rendering at several times the final size and box-downsampling).

Only scalar ``math`` is used for geometry: numpy's vectorised sin/cos may take
CPU-specific SIMD paths, and the output must be byte-identical everywhere.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

Point = tuple[float, float]
Color = tuple[int, int, int]


def shade(color: Color, factor: float) -> Color:
    """``color`` scaled in brightness (clipped), e.g. for the far limbs."""
    return tuple(int(min(255, max(0, round(c * factor)))) for c in color)


def ellipse(draw: ImageDraw.ImageDraw, center: Point, rx: float, ry: float, fill) -> None:
    cx, cy = center
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill)


def capsule(draw: ImageDraw.ImageDraw, p1: Point, p2: Point, w1: float, w2: float, fill) -> None:
    """A limb: a tapered bar from ``p1`` (width ``w1``) to ``p2`` (width ``w2``) with round ends."""
    (x1, y1), (x2, y2) = p1, p2
    length = math.hypot(x2 - x1, y2 - y1)
    if length > 1e-6:
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        a, b = w1 / 2.0, w2 / 2.0
        draw.polygon([(x1 + nx * a, y1 + ny * a), (x2 + nx * b, y2 + ny * b),
                      (x2 - nx * b, y2 - ny * b), (x1 - nx * a, y1 - ny * a)], fill=fill)
    ellipse(draw, p1, w1 / 2.0, w1 / 2.0, fill)
    ellipse(draw, p2, w2 / 2.0, w2 / 2.0, fill)


def rotated_rect(center: Point, half_w: float, half_h: float, angle: float) -> list[Point]:
    """Corners of a rectangle turned by ``angle`` radians about its centre."""
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = center
    return [(cx + dx * c - dy * s, cy + dx * s + dy * c)
            for dx, dy in ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h))]


def paste_texture(canvas: Image.Image, polygon: list[Point], texture_fn) -> None:
    """Fill ``polygon`` with a texture: ``texture_fn(h, w, x0, y0)`` returns an
    (h, w, 3) uint8 array for the polygon's bounding box at offset (x0, y0).

    Clothing patterns use this so stripes and checks follow the garment outline.
    """
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    x0, y0 = max(0, int(math.floor(min(xs)))), max(0, int(math.floor(min(ys))))
    x1, y1 = min(canvas.width, int(math.ceil(max(xs))) + 1), min(canvas.height, int(math.ceil(max(ys))) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in polygon], fill=255)
    texture = np.ascontiguousarray(texture_fn(y1 - y0, x1 - x0, x0, y0), dtype=np.uint8)
    canvas.paste(Image.fromarray(texture, "RGB"), (x0, y0), mask)
