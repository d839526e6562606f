"""Sensor noise: gaussian, shot, impulse (salt and pepper) and speckle, with the reference's strengths."""
from typing import Sequence

import torch

from .ops import normal, uniform
from .registry import register_torch_twin

# Noise strength per severity 1-5, imagecorruptions' constants (fractions of the 0..1 range).
GAUSSIAN_STD = (0.08, 0.12, 0.18, 0.26, 0.38)
SHOT_PHOTONS = (60, 25, 12, 5, 3)  # photons at full brightness: fewer is noisier
IMPULSE_AMOUNT = (0.03, 0.06, 0.09, 0.17, 0.27)  # share of values set to 0 or 1
SPECKLE_STD = (0.15, 0.2, 0.35, 0.45, 0.6)


@register_torch_twin("gaussian_noise")
def gaussian_noise(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Additive white noise."""
    return x + 255 * normal(generators, x.shape[1:], 0.0, GAUSSIAN_STD[severity - 1], x.device)


@register_torch_twin("shot_noise")
def shot_noise(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Photon counting noise: Poisson counts of ``photons * brightness``."""
    photons = SHOT_PHOTONS[severity - 1]
    rates = (x / 255 * photons).cpu()
    counts = torch.stack([torch.poisson(rates[i], generator=g) for i, g in enumerate(generators)])
    return counts.to(x.device) / photons * 255


@register_torch_twin("impulse_noise")
def impulse_noise(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Each value independently replaced, with probability ``amount``, by black or white (half each)."""
    amount = IMPULSE_AMOUNT[severity - 1]
    draws = uniform(generators, x.shape[1:], 0.0, 1.0, x.device)  # below amount/2: white; up to amount: black
    return torch.where(draws < amount, (draws < amount / 2).to(x.dtype) * 255, x)


@register_torch_twin("speckle_noise")
def speckle_noise(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Multiplicative noise: brighter pixels get more."""
    return x + x * normal(generators, x.shape[1:], 0.0, SPECKLE_STD[severity - 1], x.device)

