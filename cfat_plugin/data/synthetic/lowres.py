"""Low-resolution cameras and MLR-style down-sampling.

Two kinds of low resolution, as the literature has them:

- **Native** (``SynthSpec.lowres_cameras``): a camera far from the walkway or
  with a cheap sensor. Its people are *drawn* small (crop height from
  ``lowres_height_range``, through the same supersampled renderer, so edges
  are integrated by the optics, not decimated), then its own sensor adds what
  cheap cameras add on top of the usual light and colour: a softer lens,
  more noise and a strong JPEG compression at the camera (the data set's own
  JPEG comes after). So the low-resolution domain is not just a smaller copy
  of a full-size crop: blocks, ringing and noise sit at the small scale.
- **Down-sampled** (the ``mlr`` layout, :func:`downsample`): MLR-CUHK03's
  protocol takes full-resolution crops and shrinks one camera's images by a
  factor drawn from {2, 3, 4}; the factor is recorded beside the images.

Everything random here comes from new stream tags (``rng.py``, 40..43), so a
camera not listed renders exactly as without this module.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from . import rng as streams
from .spec import SynthSpec


@dataclass(frozen=True)
class LowResCamera:
    """What a natively low-resolution camera adds to its ordinary sensor (:class:`camera.Camera`)."""

    index: int
    blur: float  # Gaussian radius at output resolution: a soft, cheap lens
    noise: float  # std of extra per-pixel luminance noise, grey levels
    quality: int  # JPEG quality of the camera's own compression


def sample_lowres_camera(seed: int, index: int, difficulty: float) -> LowResCamera:
    """Low-resolution camera ``index`` (1-based) of the data set with this seed (its own stream)."""
    rng = streams.stream(seed, streams.LOWRES_CAMERA, index)
    d = difficulty
    return LowResCamera(
        index=index,
        blur=float(rng.uniform(0.35, 0.6 + 0.3 * d)),
        noise=float(rng.uniform(2.0, 3.0 + 3.0 * d)),
        quality=int(rng.integers(30, 56 - int(16 * d))),
    )


def is_lowres(spec: SynthSpec, camid: int) -> bool:
    """Whether camera ``camid`` (1-based) renders natively small."""
    return camid in spec.lowres_cameras


def height_range(spec: SynthSpec, camid: int) -> tuple[int, int]:
    """Crop heights of camera ``camid``: ``lowres_height_range`` for a low-resolution camera."""
    return spec.lowres_height_range if is_lowres(spec, camid) else spec.height_range


def lowres_height(spec: SynthSpec, seed: int, pid: int, camid: int) -> int:
    """The crop height of ``pid`` walking through low-resolution camera ``camid`` (its own stream,
    so the rest of the tracklet, drawn as in any camera, is unchanged)."""
    lo, hi = spec.lowres_height_range
    return int(streams.stream(seed, streams.LOWRES_TRACKLET, pid, camid).integers(lo, hi + 1))


def apply_lowres_sensor(img: Image.Image, cam: LowResCamera, rng: np.random.Generator) -> Image.Image:
    """A soft lens, luminance noise and the camera's own JPEG round trip (fixed encoder settings)."""
    out = img.filter(ImageFilter.GaussianBlur(cam.blur)) if cam.blur > 0.05 else img
    x = np.asarray(out, dtype=np.float32)
    x = x + rng.normal(0.0, cam.noise, size=x.shape[:2] + (1,)).astype(np.float32)
    out = Image.fromarray(np.clip(x + np.float32(0.5), 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    out.save(buffer, format="JPEG", quality=cam.quality, subsampling="4:2:0", optimize=False, progressive=False)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


def downsample(img: Image.Image, factor: int) -> Image.Image:
    """``img`` shrunk ``factor`` times in each direction (bicubic, as MLR-CUHK03 was made); 1: unchanged."""
    if factor <= 1:
        return img
    return img.resize((max(1, img.width // factor), max(1, img.height // factor)), Image.BICUBIC)
