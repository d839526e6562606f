"""The shared math of the torch corruptions: per-image random draws, separable Gaussian filters with
SciPy's border modes, per-channel 2-D filtering, HSV, the reference's zoom and its shifted-copy motion blur."""
import math
from functools import lru_cache
from typing import Callable, Sequence, Tuple

import torch
import torch.nn.functional as F


def per_image(generators: Sequence[torch.Generator], draw: Callable[[torch.Generator], torch.Tensor],
              device: torch.device) -> torch.Tensor:
    """``draw(g)`` for each image's generator, stacked and moved to ``device``.

    Drawing on the CPU, one stream per image, makes an image's damage depend only
    on its own seed: the same on any device and in any batch.
    """
    return torch.stack([draw(g) for g in generators]).to(device)


def uniform(generators: Sequence[torch.Generator], shape: Sequence[int], low: float, high: float,
            device: torch.device) -> torch.Tensor:
    """Per image, ``shape`` numbers uniform in [low, high)."""
    return low + (high - low) * per_image(generators, lambda g: torch.rand(tuple(shape), generator=g), device)


def normal(generators: Sequence[torch.Generator], shape: Sequence[int], mean: float, std: float,
           device: torch.device) -> torch.Tensor:
    """Per image, ``shape`` normal numbers."""
    return mean + std * per_image(generators, lambda g: torch.randn(tuple(shape), generator=g), device)


def gaussian_kernel1d(sigma: float, truncate: float, device: torch.device) -> torch.Tensor:
    """SciPy's ``gaussian_filter1d`` weights: radius ``int(truncate * sigma + 0.5)``, normalised."""
    radius = int(truncate * sigma + 0.5)
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    weights = torch.exp(-0.5 * (x / sigma) ** 2)
    return (weights / weights.sum()).to(device=device, dtype=torch.float32)


def pad_axis(x: torch.Tensor, before: int, after: int, dim: int, mode: str) -> torch.Tensor:
    """Pad one axis in SciPy's terms: ``nearest`` (edge copied), ``reflect`` (d c b a | a b c d),
    ``mirror`` (d c b | a b c d, OpenCV's default border)."""
    n = x.shape[dim]
    if mode == "nearest":
        index = torch.arange(-before, n + after, device=x.device).clamp(0, n - 1)
    elif mode in ("reflect", "mirror"):
        period = 2 * n if mode == "reflect" else max(2 * n - 2, 1)
        index = torch.arange(-before, n + after, device=x.device).remainder(period)
        index = torch.where(index >= n, period - index - (1 if mode == "reflect" else 0), index)
    else:
        raise ValueError(f"unknown border mode {mode!r}")
    return x.index_select(dim, index)


@lru_cache(maxsize=256)
def axis_matrix(weights: Tuple[float, ...], size: int, mode: str) -> torch.Tensor:
    """(size, size) matrix ``M`` with ``M @ line`` = ``line`` correlated with ``weights`` (centred, anchor
    ``len // 2``), the border handled as ``mode``: one matrix product filters a whole axis of every plane."""
    radius = len(weights) // 2
    sources = pad_axis(torch.arange(size).view(-1, 1), radius, len(weights) - 1 - radius, 0, mode).view(-1)
    matrix = torch.zeros(size, size, dtype=torch.float64)
    for tap, weight in enumerate(weights):
        matrix[torch.arange(size), sources[tap:tap + size]] += weight
    return matrix.float()


def filter_axis(x: torch.Tensor, kernel: torch.Tensor, dim: int, mode: str) -> torch.Tensor:
    """Correlate every plane of ``x`` (..., H, W) with a 1-D ``kernel`` along ``dim`` (-2 or -1)."""
    matrix = axis_matrix(tuple(kernel.double().cpu().tolist()), x.shape[dim], mode).to(device=x.device,
                                                                                        dtype=x.dtype)
    return matrix @ x if dim == -2 else x @ matrix.T


def gaussian_filter(x: torch.Tensor, sigma, mode: str = "nearest", truncate: float = 4.0) -> torch.Tensor:
    """``skimage.filters.gaussian`` on each plane (per channel): ``sigma`` a number or (sigma_h, sigma_w)."""
    sigma_h, sigma_w = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    x = filter_axis(x, gaussian_kernel1d(float(sigma_h), truncate, x.device), -2, mode)
    return filter_axis(x, gaussian_kernel1d(float(sigma_w), truncate, x.device), -1, mode)


def filter2d(x: torch.Tensor, kernel: torch.Tensor, mode: str = "mirror") -> torch.Tensor:
    """OpenCV's ``filter2D`` (a correlation, centred anchor) on each plane of ``x``, through the FFT
    (a 21x21 defocus disk costs a fifth of a direct convolution on the CPU)."""
    kh, kw = kernel.shape
    height, width = x.shape[-2:]
    padded = pad_axis(pad_axis(x, kh // 2, kh - 1 - kh // 2, -2, mode), kw // 2, kw - 1 - kw // 2, -1, mode)
    size = padded.shape[-2:]
    flipped = kernel.flip(0, 1).to(device=x.device, dtype=x.dtype)
    full = torch.fft.irfft2(torch.fft.rfft2(padded) * torch.fft.rfft2(flipped, s=size), s=size)
    return full[..., kh - 1:kh - 1 + height, kw - 1:kw - 1 + width]


def rgb_to_hsv(rgb: torch.Tensor) -> torch.Tensor:
    """scikit-image's ``rgb2hsv`` on (N, 3, H, W) in 0..1: hue in [0, 1), 0 where the pixel is gray."""
    r, g, b = rgb.unbind(1)
    value, _ = rgb.max(1)
    delta = value - rgb.min(1).values
    safe = torch.where(delta == 0, torch.ones_like(delta), delta)
    saturation = torch.where(delta == 0, torch.zeros_like(delta), delta / torch.where(value == 0, 1, value))
    hue = torch.where(b == value, 4 + (r - g) / safe, torch.where(g == value, 2 + (b - r) / safe, (g - b) / safe))
    hue = torch.where(delta == 0, torch.zeros_like(hue), (hue / 6).remainder(1.0))
    return torch.stack([hue, saturation, value], 1)


def hsv_to_rgb(hsv: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`rgb_to_hsv` (scikit-image's sector formulas, written without branches)."""
    h, s, v = hsv.unbind(1)
    channels = []
    for offset in (5, 3, 1):  # red, green, blue
        k = (offset + h * 6).remainder(6)
        channels.append(v - v * s * torch.minimum(k, 4 - k).clamp(0, 1))
    return torch.stack(channels, 1)


def clipped_zoom(x: torch.Tensor, factor: float) -> torch.Tensor:
    """The reference's ``clipped_zoom``: the central 1/factor of the image, enlarged by SciPy's linear
    ``zoom`` (corners mapped to corners) to round(side * factor) >= side; callers crop the top-left."""
    height, width = x.shape[-2:]
    crop_h, crop_w = int(math.ceil(height / factor)), int(math.ceil(width / factor))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    out_h, out_w = int(round(crop_h * factor)), int(round(crop_w * factor))
    rows = top + torch.arange(out_h, dtype=torch.float64) * ((crop_h - 1) / max(out_h - 1, 1))
    cols = left + torch.arange(out_w, dtype=torch.float64) * ((crop_w - 1) / max(out_w - 1, 1))
    return sample_bilinear(x, rows.view(-1, 1).expand(out_h, out_w), cols.view(1, -1).expand(out_h, out_w))


def sample_bilinear(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, H, W) read at fractional pixel positions (rows, cols), shared (h, w) or per image
    (N, h, w), inside the image; one fused ``grid_sample``."""
    height, width = x.shape[-2:]
    grid = torch.stack([2 * cols / max(width - 1, 1) - 1, 2 * rows / max(height - 1, 1) - 1], -1)
    grid = grid.to(device=x.device, dtype=x.dtype)
    if grid.dim() == 3:
        grid = grid.unsqueeze(0).expand(x.shape[0], -1, -1, -1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)


def motion_blur_angles(x: torch.Tensor, radius: int, sigma: float, angles_deg: Sequence[float]) -> torch.Tensor:
    """The reference's ``_motion_blur``: a Gaussian-weighted sum of copies of each image shifted along its
    own angle, edges repeated; copies that would leave the image are dropped (the kernel is not renormalised)."""
    width = 2 * radius + 1
    weights = torch.exp(-torch.arange(width, dtype=torch.float64) ** 2 / (2 * sigma ** 2))
    weights = (weights / weights.sum()).tolist()
    height, image_w = x.shape[-2:]
    n = x.shape[0]
    rows = torch.arange(height, device=x.device)
    cols = torch.arange(image_w, device=x.device)
    out = torch.zeros_like(x)
    active = [True] * n
    for i in range(width):
        shifts = []
        for k, angle in enumerate(angles_deg):
            dy = -math.ceil(i * math.sin(math.radians(angle)) - 0.5)
            dx = -math.ceil(i * math.cos(math.radians(angle)) - 0.5)
            if abs(dy) >= height or abs(dx) >= image_w:
                active[k] = False  # the shifted copy left the image: this image's sum stops here
            shifts.append((dy, dx))
        if not any(active):
            break
        dy = torch.tensor([s[0] for s in shifts], device=x.device)
        dx = torch.tensor([s[1] for s in shifts], device=x.device)
        row_index = (rows.view(1, -1) - dy.view(-1, 1)).clamp(0, height - 1)  # (N, H)
        col_index = (cols.view(1, -1) - dx.view(-1, 1)).clamp(0, image_w - 1)  # (N, W)
        flat = (row_index.view(n, height, 1) * image_w + col_index.view(n, 1, image_w)).view(n, 1, -1)
        shifted = x.flatten(2).gather(2, flat.expand(-1, x.shape[1], -1)).view_as(x)
        gate = torch.tensor(active, device=x.device, dtype=x.dtype).view(n, 1, 1, 1)
        out = out + weights[i] * gate * shifted
    return out


def random_ints(generators: Sequence[torch.Generator], low: int, high: int) -> list:
    """One integer in [low, high) per image."""
    return [int(torch.randint(low, high, (1,), generator=g)) for g in generators]


def random_floats(generators: Sequence[torch.Generator], low: float, high: float) -> list:
    """One float in [low, high) per image."""
    return [low + (high - low) * float(torch.rand(1, generator=g, dtype=torch.float64)) for g in generators]
