"""Synthetic degradation of stage I's pixel-aligned pairs: x_b = deg(x_a), on a batch of [-1, 1] images.

Types and ranges as published (``core/data/tranform/degrade_function.py``; ranges at the code's 128x256
image, scaled to the image's height here):

- ``res``: down-sampling by a factor drawn from U(low, high) (``MODEL.DIL.DEGRADATION.DOWNSAMPLE``,
  published U(3, 5), ``--sync_ds_ratio``), bilinear, then bilinear back to the input size;
- ``ill``: illumination, ``gain * x ** gamma`` on [0, 1] with gamma ~ U(2, 3.5), gain ~ U(0.75, 1);
- ``jpg``: JPEG compression at a quality drawn from 10..20;
- ``blur``: Gaussian blur of radius (sigma) drawn from 3..6;
- ``motion``: motion blur, a line kernel of 5..14 pixels at an angle ~ U(0, 180) degrees;
- ``noise``: additive Gaussian noise, standard deviation 10 (of 255);
- ``poisson``: ``x + Poisson(x)`` rescaled so its maximum is 255, as the code writes it;
- ``dark``: ``ill`` then ``poisson``, or ``poisson`` then ``ill``, with even odds.

``MODEL.DIL.DEGRADATION.TYPES`` lists the types applied, in order, to every image (the code's ``a+b``
combinations; its ``a+b_p`` form, which draws how many of them apply, is not reproduced). Not here:
``hazy`` (it pastes real hazy images of RESIDE). Draws come from a generator seeded once (``SEED``),
so a run's degradations repeat with its seed.
"""
from __future__ import annotations

import io
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

TYPES = ("res", "ill", "jpg", "blur", "motion", "noise", "poisson", "dark")
PUBLISHED_HEIGHT = 256  # the code's images are 128 x 256: blur radii and kernel lengths scale with the height
GAMMA, GAIN = (2.0, 3.5), (0.75, 1.0)
JPEG_QUALITY = (10, 20)
BLUR_RADIUS = (3, 6)
MOTION_LENGTH, MOTION_ANGLE = (5, 14), (0.0, 180.0)
NOISE_STD = 10.0  # of 255


def check_downsample_range(low: float, high: float) -> Optional[str]:
    """Why (low, high) is not a down-sampling range (it must hold 1 < low <= high), or None."""
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float))):
        return f"[{low!r}, {high!r}] are not numbers"
    if not 1.0 < low <= high:
        return f"[{low}, {high}] is not a down-sampling range: it needs 1 < low <= high (published [3, 5])"
    return None


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=gen))


def downsample(images: torch.Tensor, factor: float) -> torch.Tensor:
    """Bilinear down-sampling by ``factor`` and back to the input size (one image or a batch)."""
    h, w = images.shape[-2:]
    small = F.interpolate(images, size=(max(1, round(h / factor)), max(1, round(w / factor))), mode="bilinear",
                          align_corners=False)
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """A normalised 2-d Gaussian of standard deviation ``sigma`` over +-3 sigma."""
    radius = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    kernel = g[:, None] * g[None, :]
    return kernel / kernel.sum()


def motion_line(length: int, angle: float) -> torch.Tensor:
    """A ``length``-pixel line through the kernel's centre at ``angle`` degrees, summing to 1."""
    kernel = torch.zeros(length, length)
    centre, rad = (length - 1) / 2, math.radians(angle)
    for t in np.linspace(-centre, centre, 4 * length):
        kernel[int(round(centre - t * math.sin(rad))), int(round(centre + t * math.cos(rad)))] = 1.0
    return kernel / kernel.sum()


def _filter(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """``image`` (C x H x W) convolved per channel with ``kernel``, reflected at the border where it fits."""
    k = kernel.shape[-1]
    pad = k // 2
    h, w = image.shape[-2:]
    mode = "reflect" if pad < min(h, w) else "replicate"
    padded = F.pad(image[None], (pad, k - 1 - pad, pad, k - 1 - pad), mode=mode)
    weight = kernel.to(image)[None, None].expand(image.shape[0], 1, k, k)
    return F.conv2d(padded, weight, groups=image.shape[0])[0]


def jpeg(image: torch.Tensor, quality: int) -> torch.Tensor:
    """``image`` (C x H x W in [-1, 1]) through JPEG at ``quality``."""
    pixels = ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(quality))
    decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return torch.from_numpy(decoded.copy()).permute(2, 0, 1).to(image) / 127.5 - 1


class SyntheticDegradation:
    """``deg(x)`` for a batch of [-1, 1] images: each image gets its own draw of every listed type."""

    def __init__(self, types: Sequence[str] = ("res",), downsample_range: Tuple[float, float] = (3.0, 5.0),
                 seed: int = 0) -> None:
        unknown = [t for t in types if t not in TYPES]
        if unknown or not types:
            raise ValueError(f"degradation types {list(types)}: valid {', '.join(TYPES)} (one or more)")
        problem = check_downsample_range(*downsample_range)
        if problem:
            raise ValueError(f"MODEL.DIL.DEGRADATION.DOWNSAMPLE: {problem}")
        self.types, self.downsample_range = tuple(types), tuple(float(v) for v in downsample_range)
        self.generator = torch.Generator().manual_seed(int(seed))

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.stack([self.one(image) for image in images])

    def one(self, image: torch.Tensor, kinds: Optional[Sequence[str]] = None) -> torch.Tensor:
        """One image (C x H x W) under every listed type (``kinds``, else the configured ones), in order."""
        scale = image.shape[-2] / PUBLISHED_HEIGHT
        gen = self.generator
        for kind in kinds or self.types:
            if kind == "res":
                image = downsample(image[None], _uniform(gen, *self.downsample_range))[0]
            elif kind == "ill":
                gamma, gain = _uniform(gen, *GAMMA), _uniform(gen, *GAIN)
                image = (gain * ((image + 1) / 2).clamp(0, 1) ** gamma) * 2 - 1
            elif kind == "jpg":
                image = jpeg(image, int(torch.randint(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1, (), generator=gen)))
            elif kind == "blur":
                radius = int(torch.randint(BLUR_RADIUS[0], BLUR_RADIUS[1] + 1, (), generator=gen))
                image = _filter(image, gaussian_kernel(max(0.3, radius * scale)))
            elif kind == "motion":
                length = int(torch.randint(MOTION_LENGTH[0], MOTION_LENGTH[1] + 1, (), generator=gen))
                image = _filter(image, motion_line(max(1, round(length * scale)), _uniform(gen, *MOTION_ANGLE)))
            elif kind == "noise":
                noise = torch.randn(image.shape, generator=gen).to(image) * NOISE_STD / 127.5
                image = (image + noise).clamp(-1, 1)
            elif kind == "poisson":
                image = self.poisson(image)
            elif kind == "dark":
                steps = ("ill", "poisson") if float(torch.rand((), generator=gen)) < 0.5 else ("poisson", "ill")
                image = self.one(image, steps)
        return image

    def poisson(self, image: torch.Tensor) -> torch.Tensor:
        """``x + Poisson(x)`` on 0-255, rescaled to a maximum of 255 (the code's form)."""
        pixels = (image + 1) * 127.5
        noisy = pixels + torch.poisson(pixels.cpu(), generator=self.generator).to(image)
        return (255 * noisy / noisy.max().clamp(min=1e-6)) / 127.5 - 1
