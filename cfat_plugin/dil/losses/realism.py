"""Realism loss: least-squares GAN (LS-GAN) on the multi-scale realism discriminator D_real's patch scores.

D step: ``Σ_scales mean((D(x_real) - 1)²) + mean(D(x_fake)²)``; G step: ``Σ_scales mean((D(x_fake) - 1)²)``.
Both are zero when every patch score is at its target (real 1, fake 0; generated 1 for G).
:func:`lsgan_loss` is the one-target form the degradation discriminator's real step also uses
(D_deg: real full-resolution 1, real low-resolution 0). :func:`r1_penalty` is the published gradient
penalty on real inputs (weight ``MODEL.DIL.DIS.GP_WEIGHT``, 0.01): ``mean_n ‖∂ΣD(x_n)/∂x_n‖²``.
Weight of the generator's term: ``MODEL.DIL.STAGE1.LOSS.REALISM``.
"""
from __future__ import annotations

from typing import Callable, List, Sequence

import torch


def lsgan_loss(outputs: Sequence[torch.Tensor], target: float) -> torch.Tensor:
    """``Σ_scales mean((out - target)²)`` over a discriminator's per-scale outputs."""
    return sum(((out - target) ** 2).mean() for out in outputs)


def realism_discriminator_loss(real_outputs: Sequence[torch.Tensor],
                               fake_outputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """The discriminator's LS-GAN loss: real patches to 1, generated ones to 0."""
    return lsgan_loss(real_outputs, 1.0) + lsgan_loss(fake_outputs, 0.0)


def realism_generator_loss(fake_outputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """The generator's LS-GAN loss: its images' patches to 1 (taken for real)."""
    return lsgan_loss(fake_outputs, 1.0)


def r1_penalty(discriminator: Callable[[torch.Tensor], List[torch.Tensor]], reals: torch.Tensor) -> torch.Tensor:
    """Mean over images of the squared gradient norm of the summed scores with respect to the real image."""
    reals = reals.detach().requires_grad_(True)
    scores = sum(out.sum() for out in discriminator(reals))
    grad, = torch.autograd.grad(scores, reals, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()
