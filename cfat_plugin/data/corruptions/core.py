"""``corrupt``: one entry point for every registered corruption, with its checks."""
from typing import Tuple

import numpy as np
from PIL import Image

from . import imagecorruptions_family, rain  # noqa: F401  (register the 20 benchmark types)
from .imagecorruptions_family import IMAGECORRUPTIONS_TYPES
from .registry import get_corruption
from .seeding import check_seed, derive_seed

# The benchmark's 20 types, in the protocol's (and CIL-ReID's) order.
CORRUPTION_TYPES: Tuple[str, ...] = IMAGECORRUPTIONS_TYPES + ("rain",)
SEVERITIES: Tuple[int, ...] = (1, 2, 3, 4, 5)


def check_image(image: object) -> np.ndarray:
    """``image`` if it is an RGB uint8 HxWx3 array, else a TypeError/ValueError saying what it is."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array (H, W, 3) uint8, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8, got {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must have shape (H, W, 3), got {image.shape}; "
                         f"convert grayscale with np.stack([img] * 3, axis=-1)")
    return image


def check_severity(name: str, severity: object) -> int:
    """``severity`` as an int the corruption ``name`` supports, else a ValueError."""
    allowed = get_corruption(name).severities
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or int(severity) not in allowed:
        raise ValueError(f"severity of {name!r} must be one of {allowed}, got {severity!r}")
    return int(severity)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((width, height), Image.BICUBIC))


def _to_uint8(out: np.ndarray) -> np.ndarray:
    if out.dtype == np.uint8:
        return out
    # Truncation after clipping, like the benchmark's ``np.uint8(corrupted)``.
    return np.clip(out, 0, 255).astype(np.uint8)


def corrupt(image: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """``image`` (RGB uint8, HxWx3, native resolution) under corruption ``name`` at ``severity``.

    A pure function of its arguments: the same output in every process,
    worker and run, and no global RNG (NumPy, ``random``, torch) is read or
    left changed. The output has the input's shape and dtype; images smaller
    than a corruption's minimum size are enlarged for it and shrunk back.
    """
    image = check_image(image)
    info = get_corruption(name)
    severity = check_severity(name, severity)
    stream_seed = derive_seed(check_seed(seed), name)

    height, width = image.shape[:2]
    work = np.ascontiguousarray(image)
    if min(height, width) < info.min_size:
        scale = info.min_size / min(height, width)
        work = _resize(work, max(info.min_size, round(height * scale)), max(info.min_size, round(width * scale)))
    out = _to_uint8(np.asarray(info.fn(work, severity, stream_seed)))
    if out.shape != work.shape:
        raise RuntimeError(f"corruption {name!r} returned shape {out.shape} for an image of shape {work.shape}")
    if work.shape != image.shape:
        out = _resize(out, height, width)
    return out
