"""RLQ's low-quality synthesis: pixelation, out-of-focus blur, motion blur, as registered corruptions.

The three artifacts of the published ``ImageDataset_w_res*`` loaders, each a pure function of
(image, severity, seed) in the corruption registry (family ``rlq_lowquality``), so the robustness
evaluator and the corrupted test sets can use them like any other type:

- ``rlq_pixelate``: resize so the shorter side is r px, r in 16..63 (published ``range(16, 64)``),
  then back to the input size (the published code leaves that to the later Resize transform); an
  image whose shorter side is below r comes back (almost) unchanged, as in the published code;
- ``rlq_gaussian_blur``: Gaussian blur with an odd kernel k in 5..21 and σ in [0.1, 2.0]
  (torchvision ``GaussianBlur(k)``'s default σ range);
- ``rlq_motion_blur``: a line kernel of s px, s in 8..19 (published ``[8, 20)``), rotated by an
  angle in [0, 180)°, normalised, applied with ``cv2.filter2D``.

Severities 1-5 split each published range into five ordered parts (1 mildest), so a severity never
leaves the published range; :func:`draw_published` draws over the whole range, as training does.

:data:`MIXTURES` are the published per-data-set mixtures (``--dataset-specific``); the mixture is
also registered as one corruption per data set (family ``rlq_mixture``, one severity: the
published full ranges), so "low-quality queries" are a corrupted test set like any other, and
:class:`LowQualityPair` makes TAD's (high-, low-quality) pairs from it.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

import cv2
import numpy as np

from ..data.corruptions.registry import register_corruption
from ..data.corruptions.seeding import derive_seed, rng_for

FAMILY = "rlq_lowquality"
MIXTURE_FAMILY = "rlq_mixture"

PIXELATE_SIDES = tuple(range(16, 64))  # shorter side after down-sampling, px
BLUR_KERNELS = tuple(range(5, 22, 2))  # odd Gaussian kernel sizes
BLUR_SIGMA = (0.1, 2.0)  # torchvision GaussianBlur's default σ range
MOTION_LENGTHS = tuple(range(8, 20))  # line kernel sizes, px
MOTION_ANGLE = (0.0, 180.0)  # degrees

# Published mixtures by target data set: artifact -> probability.
MIXTURES: Dict[str, Dict[str, float]] = {
    "ltcc": {"rlq_pixelate": 0.33, "rlq_gaussian_blur": 0.37, "rlq_motion_blur": 0.30},
    "last": {"rlq_pixelate": 0.33, "rlq_gaussian_blur": 0.37, "rlq_motion_blur": 0.30},
    "prcc": {"rlq_pixelate": 0.5, "rlq_gaussian_blur": 0.5},
    "deepchange": {"rlq_pixelate": 0.5, "rlq_gaussian_blur": 0.5},
}


def severity_part(values: Tuple, severity: int, descending: bool = False) -> Tuple:
    """The ``severity``-th of five ordered, non-empty parts of ``values`` (severity 0: all of them)."""
    if severity == 0:
        return tuple(values)
    ordered = tuple(sorted(values, reverse=descending))
    edges = np.linspace(0, len(ordered), 6).round().astype(int)
    return ordered[edges[severity - 1]:max(edges[severity], edges[severity - 1] + 1)]


def _interval_part(low: float, high: float, severity: int) -> Tuple[float, float]:
    if severity == 0:
        return low, high
    step = (high - low) / 5
    return low + (severity - 1) * step, low + severity * step


def pixelate(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
    """Shorter side to r px (smaller r at higher severity), then back to the input size."""
    rng = rng_for(seed)
    side = int(rng.choice(severity_part(PIXELATE_SIDES, severity, descending=True)))
    h, w = image.shape[:2]
    scale = side / min(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def gaussian_blur(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
    """Odd kernel k and σ, both larger at higher severity."""
    rng = rng_for(seed)
    k = int(rng.choice(severity_part(BLUR_KERNELS, severity)))
    sigma = float(rng.uniform(*_interval_part(*BLUR_SIGMA, severity)))
    return cv2.GaussianBlur(image, (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)


def motion_kernel(length: int, angle: float) -> np.ndarray:
    """A horizontal line of ``length`` px rotated by ``angle`` degrees about its centre, summing to 1."""
    kernel = np.zeros((length, length), np.float32)
    kernel[(length - 1) // 2, :] = 1.0
    centre = ((length - 1) / 2, (length - 1) / 2)
    kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D(centre, angle, 1.0), (length, length))
    return kernel / max(float(kernel.sum()), 1e-8)


def motion_blur(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
    """Line kernel of s px (longer at higher severity) at a uniform angle."""
    rng = rng_for(seed)
    length = int(rng.choice(severity_part(MOTION_LENGTHS, severity)))
    angle = float(rng.uniform(*MOTION_ANGLE))
    return cv2.filter2D(image, -1, motion_kernel(length, angle), borderType=cv2.BORDER_REFLECT_101)


ARTIFACTS: Dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {
    "rlq_pixelate": pixelate, "rlq_gaussian_blur": gaussian_blur, "rlq_motion_blur": motion_blur}
for _name, _fn in ARTIFACTS.items():
    register_corruption(_name, family=FAMILY)(_fn)


def draw_published(image: np.ndarray, mixture: str, seed: int) -> Tuple[np.ndarray, str]:
    """One low-quality version of ``image`` (RGB uint8) under the published ``mixture`` and full ranges;
    returns it and the artifact drawn."""
    probs = MIXTURES[mixture]
    names = tuple(probs)
    p = np.array([probs[n] for n in names], dtype=np.float64)
    name = names[int(rng_for(seed, "artifact").choice(len(names), p=p / p.sum()))]
    return ARTIFACTS[name](image, 0, derive_seed(seed, name)), name


def _mixture_corruption(mixture: str) -> Callable[[np.ndarray, int, int], np.ndarray]:
    def corrupt_mixture(image: np.ndarray, severity: int, seed: int) -> np.ndarray:
        return draw_published(image, mixture, seed)[0]

    corrupt_mixture.__doc__ = f"RLQ's published {mixture} mixture over the full artifact ranges."
    return corrupt_mixture


for _mixture in MIXTURES:
    register_corruption(f"rlq_lq_{_mixture}", family=MIXTURE_FAMILY, severities=(1,))(_mixture_corruption(_mixture))


class LowQualityPair:
    """TAD's pair maker: the low-quality version of an image under a published mixture, seeded by
    (``seed``, image index, visit), so runs with one seed see the same pairs and every visit of an
    image draws anew. The visit is counted here, or given as ``stream`` (a data-loader worker's
    seed, new for every pass over the data, since a worker's copy of the counter starts afresh)."""

    def __init__(self, mixture: str, seed: int) -> None:
        if mixture not in MIXTURES:
            raise ValueError(f"unknown RLQ mixture {mixture!r}; choose one of {sorted(MIXTURES)}")
        self.mixture, self.seed = mixture, int(seed)
        self._draws: Dict[int, int] = {}

    def __call__(self, image: np.ndarray, index: int, stream: Optional[int] = None) -> np.ndarray:
        draw = self._draws.get(index, 0)
        self._draws[index] = draw + 1
        key = (draw,) if stream is None else ("stream", stream, draw)
        return draw_published(image, self.mixture, derive_seed(self.seed, "rlq_tad", index, *key))[0]
