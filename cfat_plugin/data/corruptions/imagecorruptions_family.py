"""The 19 ``imagecorruptions`` types (15 ImageNet-C + 4 validation), seeded and isolated.

The functions are called the way the benchmark called them (a PIL image and a
severity), so pixels match the published test sets for the same random draws.
``imagecorruptions`` draws from NumPy's *global* RNG (and, for glass blur,
from numba's); each call here seeds a private stream from the given seed and
restores the global state afterwards, so a corruption neither depends on nor
disturbs anyone else's random numbers.
"""
import numpy as np
from PIL import Image

from .registry import register_corruption
from .seeding import seeded_global_numpy

FAMILY = "imagecorruptions"

# Benchmark order: the 15 common ImageNet-C corruptions, then the 4 validation ones.
IMAGECORRUPTIONS_TYPES = (
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
    "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
    "elastic_transform", "pixelate", "jpeg_compression",
    "speckle_noise", "gaussian_blur", "spatter", "saturate",
)

# Types whose function takes an explicit seed (they do not use NumPy's global RNG).
_SEEDED_ARGUMENT = ("glass_blur", "impulse_noise")

# imagecorruptions' own ``corrupt()`` refuses sides under 32 px; below that,
# spatter can divide 0 by 0 (no drop on the image) and return NaN.
MIN_SIZE = 32


_glass_blur_cached = False


def _cache_glass_blur_compilation() -> None:
    """Let numba cache glass blur's compiled pixel shuffle on disk.

    ``imagecorruptions`` JIT-compiles it in every process (3-8 s on a small
    CPU: every data-loader worker, cache filler and test process paid it).
    The same Python function is recompiled with ``cache=True``; the pixels do
    not change. If numba cannot cache (no writable cache folder), nothing changes.
    """
    global _glass_blur_cached
    if _glass_blur_cached:
        return
    _glass_blur_cached = True
    try:
        import numba
        from imagecorruptions import corruptions

        original = corruptions._shuffle_pixels_njit_glass_blur
        corruptions._shuffle_pixels_njit_glass_blur = numba.njit(cache=True)(original.py_func)
    except Exception:  # an imagecorruptions without this helper, or numba without caching
        pass


def _make(name: str):
    def corruption(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
        from imagecorruptions import corruption_dict  # heavy import (numba), done on first use

        if name == "glass_blur":
            _cache_glass_blur_compilation()
        fn = corruption_dict[name]
        kwargs = {"seed": seed} if name in _SEEDED_ARGUMENT else {}
        with seeded_global_numpy(seed):
            out = fn(Image.fromarray(image), severity, **kwargs)
        out = np.asarray(out)
        if out.dtype.kind == "f" and np.isnan(out).any():
            # spatter's mask normalisation is 0/0 when no drop lands on the image:
            # the layer it adds is empty, so those pixels are the input's.
            out = np.where(np.isnan(out), image, out)
        return out

    corruption.__name__ = name
    corruption.__qualname__ = name
    corruption.__doc__ = f"imagecorruptions' {name}, seeded and isolated from global RNG state."
    return corruption


for _name in IMAGECORRUPTIONS_TYPES:
    register_corruption(_name, family=FAMILY, min_size=MIN_SIZE)(_make(_name))
