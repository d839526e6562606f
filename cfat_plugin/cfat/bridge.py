"""Bridge features: points between a clean and a corrupted feature.

Two forms (``MODEL.CFAT.BRIDGE.FORM``):

- ``arc``: f_bb = normalise(t * f_co + (1 - t) * f_cl) with both ends
  L2-normalised first, so f_bb is a true unit vector on the arc between its
  ends; the one degenerate case (opposite ends mixed to exactly zero) falls
  back to the nearer end.
- ``official``: the released closed form on the raw features,
  (t * f_co + (1 - t) * f_cl) / sqrt(t^2 + (1 - t)^2 + 2 t (1 - t) <f_cl, f_co>).
  The denominator is the norm of the mix only for unit ends; on raw features
  its radicand can be zero or negative (NaN in the published code). It is
  guarded there alone: a radicand below ``RADICAND_FLOOR`` is raised to it, and
  :func:`official_bridge_features` says how many rows needed that.
"""
from typing import Sequence, Tuple, Union

import torch
import torch.nn.functional as F

_EPS = 1e-6
BRIDGE_FORMS = ("arc", "official")
RADICAND_FLOOR = 1e-12  # the official denominator's radicand, raised to this where it would give NaN or inf


def sample_t(batch: int, t_range: Sequence[float] = (0.0, 1.0), per_sample: bool = False,
             device=None, dtype=torch.float32) -> torch.Tensor:
    """t ~ U(t_range), one value for the batch (published) or one per image; shaped (B, 1)."""
    low, high = float(t_range[0]), float(t_range[1])
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"MODEL.CFAT.BRIDGE.T_RANGE must satisfy 0 <= low <= high <= 1, got {list(t_range)}")
    n = batch if per_sample else 1
    t = torch.rand(n, 1, device=device, dtype=dtype) * (high - low) + low
    return t.expand(batch, 1)


def _column(t: Union[float, torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.dim() == 0:
        t = t.expand(like.shape[0])
    return t.reshape(-1, 1)


def bridge_features(f_clean: torch.Tensor, f_corrupt: torch.Tensor,
                    t: Union[float, torch.Tensor]) -> torch.Tensor:
    """Unit-norm bridge between ``f_clean`` (t = 0) and ``f_corrupt`` (t = 1), both (B, D)."""
    clean = F.normalize(f_clean, dim=1)
    corrupt = F.normalize(f_corrupt, dim=1)
    t = _column(t, clean)
    mix = t * corrupt + (1 - t) * clean
    norm = mix.norm(dim=1, keepdim=True)
    degenerate = norm < _EPS
    fallback = torch.where(t >= 0.5, corrupt, clean)
    return torch.where(degenerate, fallback, mix / norm.clamp_min(_EPS))


def official_bridge_features(f_clean: torch.Tensor, f_corrupt: torch.Tensor,
                             t: Union[float, torch.Tensor]) -> Tuple[torch.Tensor, int]:
    """The released bridge on raw (B, D) features, and the number of rows whose radicand was guarded."""
    t = _column(t, f_clean)
    dot = (f_clean * f_corrupt).sum(dim=1, keepdim=True)
    radicand = t ** 2 + (1 - t) ** 2 + 2 * t * (1 - t) * dot
    guarded = radicand < RADICAND_FLOOR
    mix = t * f_corrupt + (1 - t) * f_clean
    return mix / radicand.clamp_min(RADICAND_FLOOR).sqrt(), int(guarded.sum())


def make_bridge(form: str, f_clean: torch.Tensor, f_corrupt: torch.Tensor,
                t: Union[float, torch.Tensor]) -> Tuple[torch.Tensor, int]:
    """The bridge in ``form`` (``MODEL.CFAT.BRIDGE.FORM``) and how many rows were guarded (0 for ``arc``)."""
    if form == "arc":
        return bridge_features(f_clean, f_corrupt, t), 0
    if form == "official":
        return official_bridge_features(f_clean, f_corrupt, t)
    raise ValueError(f"MODEL.CFAT.BRIDGE.FORM must be one of {BRIDGE_FORMS}, got '{form}'")
