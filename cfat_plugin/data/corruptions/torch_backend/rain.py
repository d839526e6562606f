"""Benchmark rain in torch: straight grey streaks drawn into the image, the whole view box-blurred, darkened.

Same drop count, length, slant and colour as :mod:`..rain` (albumentations <
1.4's geometry); the streaks are rasterised by rounding points along each
segment (OpenCV's 8-connected line touches the same pixels up to a pixel at
the ends), and the 8-bit HLS round trip of the reference (a no-op but for
rounding) is left out.
"""
from typing import Sequence

import torch
import torch.nn.functional as F

from ..rain import _DROP_GEOMETRY, ENLARGED_HEIGHT, RAIN_LEVELS, SMALL_HEIGHT
from .ops import filter_axis, per_image
from .registry import register_torch_twin

DROP_GRAY = 200.0
MAX_SLANT = 10  # slant drawn uniformly in [-10, 10) px over a drop's length


def draw_streaks(x: torch.Tensor, rain_type: str, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Each image with its own random streaks painted in ``DROP_GRAY``."""
    n, channels, height, width = x.shape
    area_per_drop, length = _DROP_GEOMETRY[rain_type]
    if height <= length:
        raise ValueError(f"rain {rain_type!r} needs images taller than {length} px, got {height}")
    drops = height * width // area_per_drop

    def place(g: torch.Generator) -> torch.Tensor:
        slant = int(torch.randint(-MAX_SLANT, MAX_SLANT, (1,), generator=g))
        low, high = (slant, width) if slant < 0 else (0, width - slant)
        xs = torch.randint(low, high + 1, (drops,), generator=g)
        ys = torch.randint(0, height - length + 1, (drops,), generator=g)
        return torch.stack([xs, ys, torch.full_like(xs, slant)], 1)

    starts = per_image(generators, place, x.device).double()  # (N, drops, [x, y, slant])
    steps = max(length, MAX_SLANT) + 1
    t = torch.linspace(0, 1, steps, device=x.device, dtype=torch.float64).view(1, 1, -1)
    cols = torch.round(starts[..., :1] + starts[..., 2:] * t).long()
    rows = torch.round(starts[..., 1:2] + length * t).long()
    inside = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    owner = torch.arange(n, device=x.device).view(-1, 1, 1).expand_as(rows)
    flat = (owner * height * width + rows.clamp(0, height - 1) * width + cols.clamp(0, width - 1))[inside]
    painted = torch.zeros(n * height * width, device=x.device, dtype=torch.bool)
    painted[flat] = True
    return torch.where(painted.view(n, 1, height, width), torch.full_like(x, DROP_GRAY), x)


def box_blur(x: torch.Tensor, size: int) -> torch.Tensor:
    """OpenCV's ``blur``: the mean over a size x size box (anchor at size // 2), mirrored border, 8-bit."""
    box = torch.full((size,), 1.0 / size, dtype=torch.float64)
    return torch.round(filter_axis(filter_axis(x, box, -2, "mirror"), box, -1, "mirror"))


@register_torch_twin("rain")
def rain(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Rain at ``severity``: drizzle (1), heavy (2-3), torrential (4-5), blurrier and darker with severity."""
    rain_type, blur, brightness = RAIN_LEVELS[severity]
    height, width = x.shape[-2:]
    work = x
    if height <= SMALL_HEIGHT:  # the benchmark's enlargement of small crops
        size = (ENLARGED_HEIGHT, max(1, int(width * ENLARGED_HEIGHT / height)))
        work = F.interpolate(x, size=size, mode="bicubic", align_corners=False).clamp(0, 255).round()
    work = box_blur(draw_streaks(work, rain_type, generators), blur) + brightness * 255
    if work.shape[-2:] != (height, width):
        work = F.interpolate(work, size=(height, width), mode="bicubic", align_corners=False)
    return work
