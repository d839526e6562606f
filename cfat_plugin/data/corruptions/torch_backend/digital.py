"""Digital damage: brightness, contrast, saturation, pixelation, JPEG and the elastic warp."""
import io
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .ops import gaussian_filter, hsv_to_rgb, rgb_to_hsv, sample_bilinear, uniform
from .registry import register_torch_twin

# imagecorruptions' constants per severity 1-5.
BRIGHTNESS_SHIFT = (0.1, 0.2, 0.3, 0.4, 0.5)  # added to HSV value
CONTRAST_FACTOR = (0.4, 0.3, 0.2, 0.1, 0.05)  # distance to the channel mean kept
SATURATE = ((0.3, 0.0), (0.1, 0.0), (2.0, 0.0), (5.0, 0.1), (20.0, 0.2))  # HSV saturation * a + b
PIXELATE_SCALE = (0.6, 0.5, 0.4, 0.3, 0.25)
JPEG_QUALITY = (25, 18, 15, 10, 7)
ELASTIC_ALPHA = (250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12)  # displacement gain


def _truncated(values: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """8-bit truncation done in double precision, before a float32 cast could round 35.99999 up to 36."""
    return torch.floor(values.clamp(0, 255)).to(dtype)


@register_torch_twin("brightness")
def brightness(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Brighter light: HSV value raised, hue and saturation kept."""
    hsv = rgb_to_hsv(x.double() / 255)
    hsv[:, 2] = (hsv[:, 2] + BRIGHTNESS_SHIFT[severity - 1]).clamp(0, 1)
    return _truncated(hsv_to_rgb(hsv).clamp(0, 1) * 255, x.dtype)


@register_torch_twin("contrast")
def contrast(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Flat light: each channel pulled towards its image mean."""
    means = x.double().mean(dim=(2, 3), keepdim=True)
    return _truncated((x.double() - means) * CONTRAST_FACTOR[severity - 1] + means, x.dtype)


@register_torch_twin("saturate")
def saturate(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Colours washed out (severities 1-2) or exaggerated (3-5)."""
    gain, offset = SATURATE[severity - 1]
    hsv = rgb_to_hsv(x.double() / 255)
    hsv[:, 1] = (hsv[:, 1] * gain + offset).clamp(0, 1)
    return _truncated(hsv_to_rgb(hsv).clamp(0, 1) * 255, x.dtype)


@lru_cache(maxsize=None)
def box_weights(size_in: int, size_out: int) -> torch.Tensor:
    """Pillow's BOX down-sampling as an (out, in) matrix: each output pixel averages the input pixels whose
    centres fall in its footprint (Pillow's ``precompute_coeffs`` with the box filter)."""
    scale = size_in / size_out
    support = 0.5 * max(scale, 1.0)
    weights = torch.zeros(size_out, size_in, dtype=torch.float64)
    for out in range(size_out):
        center = (out + 0.5) * scale
        low, high = max(0, int(center - support + 0.5)), min(size_in, int(center + support + 0.5))
        for i in range(low, high):
            t = (i - center + 0.5) / max(scale, 1.0)
            weights[out, i] = 1.0 if -0.5 < t <= 0.5 else 0.0
        weights[out] /= weights[out].sum()
    return weights


def nearest_index(size_in: int, size_out: int, device: torch.device) -> torch.Tensor:
    """Pillow's NEAREST resize: output pixel i reads input pixel int((i + 0.5) * in / out)."""
    return ((torch.arange(size_out, dtype=torch.float64) + 0.5) * (size_in / size_out)).long().clamp(
        max=size_in - 1).to(device)


@register_torch_twin("pixelate")
def pixelate(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Low resolution: box-averaged down (rounded to 8 bits after each pass, like Pillow), blown up with
    nearest neighbours."""
    height, width = x.shape[-2:]
    small_h, small_w = int(height * PIXELATE_SCALE[severity - 1]), int(width * PIXELATE_SCALE[severity - 1])
    across = box_weights(width, small_w).to(device=x.device, dtype=torch.float32)
    down = box_weights(height, small_h).to(device=x.device, dtype=torch.float32)
    small = torch.floor(x @ across.T + 0.5)  # Pillow: horizontal pass first, rounded half up to 8 bits
    small = torch.floor(torch.einsum("oh,nchw->ncow", down, small) + 0.5)
    rows, cols = nearest_index(small_h, height, x.device), nearest_index(small_w, width, x.device)
    return small.index_select(2, rows).index_select(3, cols)


def _jpeg_round_trip(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


@register_torch_twin("jpeg_compression")
def jpeg_compression(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """JPEG at a low quality: blocks, ringing, colour bleeding. Encoded and decoded on the CPU with Pillow's
    libjpeg, the reference's own codec and settings, so the pixels are the reference's (torchvision's
    codec gives the same bytes, but its image I/O is deprecated from 0.29)."""
    quality = JPEG_QUALITY[severity - 1]
    images = x.clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    out = np.stack([_jpeg_round_trip(image, quality) for image in images])
    return torch.from_numpy(out).permute(0, 3, 1, 2).to(device=x.device, dtype=x.dtype)


def reflect_coordinates(coords: torch.Tensor, size: int) -> torch.Tensor:
    """SciPy's ``reflect`` mode for sampling positions: mirrored about the outer pixel edges."""
    period = 2 * size
    folded = (coords + 0.5).remainder(period)
    folded = torch.where(folded >= size, period - folded, folded)
    return (folded - 0.5).clamp(0, size - 1)


@register_torch_twin("elastic_transform")
def elastic_transform(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """A smooth random warp: uniform displacements blurred (sigma 1 % of each side) and scaled."""
    height, width = x.shape[-2:]
    max_shift = height * 0.005  # the reference scales both directions by the height
    fields = uniform(generators, (2, height, width), -max_shift, max_shift, x.device)
    fields = gaussian_filter(fields, (height * 0.01, width * 0.01), mode="reflect", truncate=3)
    fields = fields * ELASTIC_ALPHA[severity - 1]
    rows = reflect_coordinates(torch.arange(height, device=x.device).view(1, -1, 1) + fields[:, 1], height)
    cols = reflect_coordinates(torch.arange(width, device=x.device).view(1, 1, -1) + fields[:, 0], width)
    out = sample_bilinear(x, rows, cols)
    return out.clamp(0, 255)

