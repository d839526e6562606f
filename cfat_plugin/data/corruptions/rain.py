"""``rain``: the benchmark's 20th corruption, rebuilt on albumentations 2.x.

The benchmark (CIL-ReID) composed ``RandomRain(rain_type, blur_value=2+s,
brightness_coefficient=1)`` and ``RandomBrightness(limit=-(0.05+0.05 s))`` of
albumentations < 1.4: drizzle at severity 1, heavy at 2-3, torrential at 4-5;
images at most 60 px high were first enlarged to 65 px (torrential drops are
60 px long). Today's ``A.RandomRain`` keeps the API but draws a different rain
(h/4 to 2h drops of h/8 px, blur of the rain layer only, drops added on top),
which on a 64x128 person crop is ~10x denser than the benchmark's
(area/770 to area/500 drops of 10/30/60 px, painted, then the *whole* image
box-blurred). ``BenchmarkRain`` is today's ``A.RandomRain`` with the
benchmark's drop geometry and rendering restored, so test sets match the
published ones; the brightness drop is today's ``A.RandomBrightnessContrast``
with the same additive (``brightness_by_max``) semantics as the old
``RandomBrightness``. Randomness comes only from ``A.Compose(seed=...)``.

Unlike the benchmark, the output is resized back to the input's size, so
every corruption returns an image of the input's shape.
"""
import os
from typing import Any, Dict

import cv2
import numpy as np
from PIL import Image

from .registry import register_corruption

FAMILY = "albumentations"

# severity -> (rain type, box-blur size, additive brightness change as a fraction of 255)
RAIN_LEVELS = {s: ("drizzle" if s == 1 else "heavy" if s <= 3 else "torrential", 2 + s, -(0.05 + 0.05 * s))
               for s in (1, 2, 3, 4, 5)}
# rain type -> (area per drop, drop length in px), albumentations < 1.4
_DROP_GEOMETRY = {"drizzle": (770, 10), "heavy": (600, 30), "torrential": (500, 60)}
# Images at most this high are enlarged to ENLARGED_HEIGHT first (benchmark rule).
SMALL_HEIGHT, ENLARGED_HEIGHT = 60, 65

_RAIN_CLASS = None


def _albumentations():
    # albumentations checks PyPI for updates on import: pointless (and slow) offline.
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    import albumentations

    return albumentations


def benchmark_rain_class():
    """``BenchmarkRain``, an ``A.RandomRain`` subclass (built lazily: albumentations imports in ~3 s)."""
    global _RAIN_CLASS
    if _RAIN_CLASS is not None:
        return _RAIN_CLASS
    A = _albumentations()

    class BenchmarkRain(A.RandomRain):
        """``A.RandomRain`` drawing and rendering rain the way albumentations < 1.4 did."""

        def get_params_dependent_on_data(self, params: Dict[str, Any], data: Dict[str, Any]) -> Dict[str, Any]:
            height, width = params["shape"][:2]
            area_per_drop, drop_length = _DROP_GEOMETRY[self.rain_type]
            if height <= drop_length:
                raise ValueError(f"rain {self.rain_type!r} needs images taller than {drop_length} px, "
                                 f"got {height}")
            rnd = self.py_random  # seeded by A.Compose(seed=...)
            slant = int(rnd.uniform(*self.slant_range))
            x_low, x_high = (slant, width) if slant < 0 else (0, width - slant)
            drops = [(rnd.randint(x_low, x_high), rnd.randint(0, height - drop_length))
                     for _ in range(height * width // area_per_drop)]
            return {"slant": slant, "drop_length": drop_length,
                    "rain_drops": np.asarray(drops, dtype=np.int32).reshape(-1, 2)}

        def apply(self, img: np.ndarray, slant: int, drop_length: int, rain_drops: np.ndarray,
                  **params: Any) -> np.ndarray:
            out = np.ascontiguousarray(img).copy()
            for x, y in rain_drops.tolist():
                cv2.line(out, (x, y), (x + slant, y + drop_length), self.drop_color, self.drop_width)
            out = cv2.blur(out, (self.blur_value, self.blur_value))  # rainy views are blurry
            hls = cv2.cvtColor(out, cv2.COLOR_RGB2HLS).astype(np.float32)
            hls[:, :, 1] *= self.brightness_coefficient
            return cv2.cvtColor(hls.astype(np.uint8), cv2.COLOR_HLS2RGB)

    _RAIN_CLASS = BenchmarkRain
    return _RAIN_CLASS


def build_rain_pipeline(severity: int, seed: int):
    """The seeded albumentations pipeline of ``rain`` at ``severity``."""
    A = _albumentations()
    rain_type, blur, brightness = RAIN_LEVELS[severity]
    return A.Compose([
        benchmark_rain_class()(slant_range=(-10, 10), drop_width=1, drop_color=(200, 200, 200),
                               blur_value=blur, brightness_coefficient=1.0, rain_type=rain_type, p=1.0),
        A.RandomBrightnessContrast(brightness_limit=(brightness, brightness), contrast_limit=(0.0, 0.0),
                                   brightness_by_max=True, p=1.0),
    ], seed=seed)


@register_corruption("rain", family=FAMILY)
def rain(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
    """Benchmark rain at ``severity`` 1-5 (see the module docstring)."""
    height, width = image.shape[:2]
    work = image
    if height <= SMALL_HEIGHT:
        # Same enlargement as the benchmark (PIL's default bicubic resize).
        new_size = (max(1, int(width * ENLARGED_HEIGHT / height)), ENLARGED_HEIGHT)
        work = np.asarray(Image.fromarray(image).resize(new_size, Image.BICUBIC))
    out = build_rain_pipeline(severity, seed)(image=np.ascontiguousarray(work))["image"]
    if out.shape[:2] != (height, width):
        out = np.asarray(Image.fromarray(out).resize((width, height), Image.BICUBIC))
    return out
