"""Blurs: defocus (a disk), glass (blur, local pixel shuffle, blur), motion, zoom and Gaussian."""
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch

from .ops import clipped_zoom, filter2d, gaussian_filter, motion_blur_angles, per_image, random_floats
from .registry import register_torch_twin

# imagecorruptions' constants per severity 1-5.
DEFOCUS = ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5))  # (disk radius, anti-alias sigma)
GLASS = ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2))  # (sigma, max shift, iterations)
MOTION = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))  # (kernel radius, kernel sigma)
ZOOM_STEPS = ((1.0, 1.11, 0.01), (1.0, 1.16, 0.01), (1.0, 1.21, 0.02), (1.0, 1.26, 0.02), (1.0, 1.31, 0.03))
GAUSSIAN_SIGMA = (1, 2, 3, 4, 6)


def _gaussian_weights(size: int, sigma: float) -> torch.Tensor:
    """OpenCV's ``getGaussianKernel(size, sigma)``."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    w = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return w / w.sum()


@lru_cache(maxsize=None)
def disk_kernel(radius: int, alias_blur: float) -> torch.Tensor:
    """The reference's defocus kernel: a normalised disk on a grid of at least 17x17, anti-aliased by a
    small Gaussian (3x3, 5x5 past radius 8) with OpenCV's mirrored border."""
    half = max(8, radius)
    grid = torch.arange(-half, half + 1, dtype=torch.float64)
    disk = ((grid.view(-1, 1) ** 2 + grid.view(1, -1) ** 2) <= radius ** 2).to(torch.float64)
    disk = (disk / disk.sum()).to(torch.float32)
    weights = _gaussian_weights(3 if radius <= 8 else 5, alias_blur)
    return filter2d(disk.view(1, 1, *disk.shape), (weights.view(-1, 1) * weights.view(1, -1)).float())[0, 0]


@register_torch_twin("defocus_blur")
def defocus_blur(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """An out-of-focus lens: each pixel spread over a disk."""
    return filter2d(x, disk_kernel(*DEFOCUS[severity - 1]))


@register_torch_twin("gaussian_blur")
def gaussian_blur(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """A Gaussian blur (scikit-image's: radius 4 sigma, edges repeated)."""
    return gaussian_filter(x / 255, GAUSSIAN_SIGMA[severity - 1]) * 255


def sweep_sources(max_shift: int, height: int, width: int, generators: Sequence[torch.Generator],
                  device: torch.device, max_hops: int = 64) -> torch.Tensor:
    """Where each pixel's value comes from after one pass of the reference's sweep, as flat indices (N, H*W).

    The reference walks the inner pixels from the bottom-right corner backwards
    and assigns ``x[p] = x[p + d]`` (its tuple "swap" of two views copies one
    way), d uniform in [-max_shift, max_shift) per axis. A pixel the sweep has
    already passed holds what it copied, so the value a pixel ends with comes
    from following the jumps while they land on passed pixels: the same chain,
    followed here for all pixels at once.
    """
    n, pixels = len(generators), height * width
    rows = torch.arange(height, device=device).view(-1, 1).expand(height, width).reshape(-1)
    cols = torch.arange(width, device=device).view(1, -1).expand(height, width).reshape(-1)
    inner = (rows > max_shift) & (rows <= height - max_shift) & (cols > max_shift) & (cols <= width - max_shift)
    jumps = per_image(generators, lambda g: torch.randint(-max_shift, max_shift, (2, pixels), generator=g), device)
    # Flat indices over the whole batch; image k's pixels are k * pixels + ...
    position = torch.arange(n * pixels, device=device)
    inner = inner.repeat(n)
    jump_to = torch.where(inner, position + (jumps[:, 0] * width + jumps[:, 1]).reshape(-1), position)
    source = jump_to.clone()
    node = position.clone()
    moving = position[inner[source] & (source > node)]  # the chains still to follow, fewer each hop
    for _ in range(max_hops):
        if moving.numel() == 0:
            break
        node[moving] = source[moving]
        source[moving] = jump_to[source[moving]]
        moving = moving[inner[source[moving]] & (source[moving] > node[moving])]
    return (source - torch.arange(n, device=device).repeat_interleave(pixels) * pixels).view(n, pixels)


def shuffle_locally(x: torch.Tensor, max_shift: int, iterations: int,
                    generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Glass's frosted-pane scramble: ``iterations`` passes of the reference's sweep, done in parallel
    (:func:`sweep_sources`); the same random process, with torch's random numbers."""
    n, channels, height, width = x.shape
    for _ in range(iterations):
        sources = sweep_sources(max_shift, height, width, generators, x.device)
        x = x.flatten(2).gather(2, sources.view(n, 1, -1).expand(-1, channels, -1)).view_as(x)
    return x


@register_torch_twin("glass_blur")
def glass_blur(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Seen through frosted glass: blur, scramble pixels locally, blur again."""
    sigma, max_shift, iterations = GLASS[severity - 1]
    x = torch.floor(gaussian_filter(x / 255, sigma) * 255)  # the reference truncates to uint8 in between
    x = shuffle_locally(x, max_shift, iterations, generators)
    return gaussian_filter(x / 255, sigma).clamp(0, 1) * 255


@register_torch_twin("motion_blur")
def motion_blur(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Camera shake along a random angle in [-45, 45) degrees."""
    radius, sigma = MOTION[severity - 1]
    return motion_blur_angles(x, radius, sigma, random_floats(generators, -45, 45))


def zoom_factors(severity: int) -> list:
    """The reference's zoom factors (``np.arange``: floating steps decide whether the last one is in)."""
    return np.arange(*ZOOM_STEPS[severity - 1]).tolist()


@register_torch_twin("zoom_blur")
def zoom_blur(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """A zoom during exposure: the mean of the image and its centrally enlarged copies."""
    height, width = x.shape[-2:]
    x = x / 255
    out = x.clone()
    factors = zoom_factors(severity)
    for factor in factors:
        out += clipped_zoom(x, factor)[..., :height, :width]
    return (out / (len(factors) + 1)).clamp(0, 1) * 255
