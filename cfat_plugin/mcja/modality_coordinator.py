"""The Visible-Infrared Modality Coordinator (VIMC) of MCJA: colour augmentations towards infrared.

An infrared camera sees one band; a colour camera three. VIMC shows the model visible images whose
colour is scrambled in ways an infrared image could look like them, so that colour stops being a
shortcut. Each visible image goes through exactly one of four operations, chosen at random, each
applied with probability 0.5 (so half the time the image is unchanged):

- hue jitter (``ColorJitter(hue=0.2)``);
- weighted greyscale: ``sum_c w_c I_c`` with random ``w ~ U(0,1)^3`` scaled to sum to 1, on 3 channels;
- channel cut-mix: a box (area 0.02-0.33 of the image, aspect 0.3-3.3) of a foreground channel
  pasted into another, background channel; the mixed channel is copied to 3 channels;
- spectrum jitter: one channel's 3-channel greyscale blended with the image, ``(1 - a) gray + a img``,
  ``a ~ U(0, 1)`` (``PIL.Image.blend``).

Infrared images get the plain pipeline. FastReID builds one transform per data set, so
:func:`build_vimc_transforms` returns one pipeline per modality and the training set
(:class:`cfat_plugin.data.modality.PerModalityTransformDataset`) picks it by the sample's modality.
The operations take a ``random.Random`` so that tests can fix their draws; by default they use
Python's ``random``, which the data loader seeds per worker like FastReID's own transforms.
"""
from __future__ import annotations

import math
import random
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from PIL import Image
from torchvision import transforms as T

from ..data.modality import INFRARED, VISIBLE

Box = Tuple[int, int, int, int]  # top, left, height, width


def weighted_grayscale(image: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """``sum_c weights[c] * image[..., c]`` (weights summing to 1) on 3 equal channels, uint8."""
    gray = np.tensordot(image.astype(np.float64), np.asarray(weights, dtype=np.float64), axes=([2], [0]))
    return np.repeat(np.clip(np.rint(gray), 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def channel_cutmix(image: np.ndarray, background: int, foreground: int, box: Box) -> np.ndarray:
    """Channel ``background`` with ``box`` taken from channel ``foreground``, on 3 equal channels."""
    top, left, height, width = box
    mixed = image[..., background].copy()
    mixed[top:top + height, left:left + width] = image[top:top + height, left:left + width, foreground]
    return np.repeat(mixed[..., None], 3, axis=2)


def spectrum_jitter(image: np.ndarray, channel: int, alpha: float) -> np.ndarray:
    """``(1 - alpha) * gray + alpha * image`` with ``gray`` channel ``channel`` on 3 channels
    (``PIL.Image.blend(gray, image, alpha)``)."""
    gray = np.repeat(image[..., channel:channel + 1], 3, axis=2)
    return np.asarray(Image.blend(Image.fromarray(gray), Image.fromarray(image), alpha))


class _VIMCOp:
    """One VIMC operation on a PIL image, applied with probability ``p``."""

    def __init__(self, p: float = 0.5, rng: Optional[random.Random] = None) -> None:
        self.p, self.rng = p, rng or random

    def __call__(self, img: Image.Image) -> Image.Image:
        if self.rng.random() >= self.p:
            return img
        return Image.fromarray(self.apply(np.asarray(img.convert("RGB"))))

    def apply(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class HueJitter(_VIMCOp):
    """``ColorJitter(hue)`` (its own draw comes from torch's generator, as torchvision's does)."""

    def __init__(self, hue: float = 0.2, p: float = 0.5, rng: Optional[random.Random] = None) -> None:
        super().__init__(p, rng)
        self.jitter = T.ColorJitter(hue=hue)

    def __call__(self, img: Image.Image) -> Image.Image:
        return self.jitter(img) if self.rng.random() < self.p else img


class WeightedGrayscale(_VIMCOp):
    """Greyscale with random channel weights summing to 1."""

    def apply(self, image: np.ndarray) -> np.ndarray:
        w = [self.rng.random() for _ in range(3)]
        total = sum(w) or 1.0
        return weighted_grayscale(image, [v / total for v in w])


class ChannelCutMix(_VIMCOp):
    """A random box of one channel pasted into another (module docstring)."""

    def __init__(self, area: Sequence[float] = (0.02, 0.33), aspect: Sequence[float] = (0.3, 3.3), p: float = 0.5,
                 rng: Optional[random.Random] = None) -> None:
        super().__init__(p, rng)
        self.area, self.aspect = tuple(area), tuple(aspect)

    def draw_box(self, height: int, width: int) -> Box:
        """A box of area fraction in ``area`` and log-uniform aspect (h/w) in ``aspect``, inside the image
        (up to 100 tries, as random erasing; else the whole image)."""
        for _ in range(100):
            target = self.rng.uniform(*self.area) * height * width
            ratio = math.exp(self.rng.uniform(math.log(self.aspect[0]), math.log(self.aspect[1])))
            h, w = int(round(math.sqrt(target * ratio))), int(round(math.sqrt(target / ratio)))
            if 0 < h <= height and 0 < w <= width:
                return self.rng.randint(0, height - h), self.rng.randint(0, width - w), h, w
        return 0, 0, height, width

    def apply(self, image: np.ndarray) -> np.ndarray:
        background, foreground = self.rng.sample(range(3), 2)
        return channel_cutmix(image, background, foreground, self.draw_box(*image.shape[:2]))


class SpectrumJitter(_VIMCOp):
    """One channel's greyscale blended with the image, blend weight ``U(0, 1)``."""

    def apply(self, image: np.ndarray) -> np.ndarray:
        return spectrum_jitter(image, self.rng.randrange(3), self.rng.random())


class ModalityCoordinator:
    """VIMC: exactly one of the operations, chosen uniformly per image (each then applies with its p)."""

    def __init__(self, ops: Sequence[_VIMCOp], rng: Optional[random.Random] = None) -> None:
        self.ops, self.rng = list(ops), rng or random

    def __call__(self, img: Image.Image) -> Image.Image:
        return self.rng.choice(self.ops)(img)

    def __repr__(self) -> str:
        return f"ModalityCoordinator({', '.join(type(op).__name__ for op in self.ops)})"


def build_modality_coordinator(cfg, rng: Optional[random.Random] = None) -> ModalityCoordinator:
    """VIMC from ``MODEL.MCJA.VIMC``."""
    v = cfg.MODEL.MCJA.VIMC
    return ModalityCoordinator([HueJitter(v.HUE, v.PROB, rng), WeightedGrayscale(v.PROB, rng),
                                ChannelCutMix(v.CUTMIX_AREA, v.CUTMIX_ASPECT, v.PROB, rng),
                                SpectrumJitter(v.PROB, rng)], rng)


def build_vimc_transforms(cfg) -> Dict[int, T.Compose]:
    """Training pipelines by modality: FastReID's for infrared, VIMC then FastReID's for visible
    (just FastReID's for both when ``MODEL.MCJA.VIMC.ENABLED`` is off)."""
    from fastreid.data.transforms import build_transforms

    plain = build_transforms(cfg, is_train=True)
    if not cfg.MODEL.MCJA.VIMC.ENABLED:
        return {VISIBLE: plain, INFRARED: plain}
    return {VISIBLE: T.Compose([build_modality_coordinator(cfg)] + list(plain.transforms)), INFRARED: plain}
