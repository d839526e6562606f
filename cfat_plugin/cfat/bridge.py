"""Bridge features: points on the arc between a clean and a corrupted feature.

f_bb = normalise(t * f_co + (1 - t) * f_cl) with both ends L2-normalised first.
Normalising the ends is what the published code misses: with raw features
its closed-form denominator can go negative and yield NaN. Here f_bb is a
true unit vector between its ends, and the one degenerate case (opposite
ends mixed to exactly zero) falls back to the nearer end instead of NaN.
"""
from typing import Sequence, Union

import torch
import torch.nn.functional as F

_EPS = 1e-6


def sample_t(batch: int, t_range: Sequence[float] = (0.0, 1.0), per_sample: bool = False,
             device=None, dtype=torch.float32) -> torch.Tensor:
    """t ~ U(t_range), one value for the batch (published) or one per image; shaped (B, 1)."""
    low, high = float(t_range[0]), float(t_range[1])
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"MODEL.CFAT.BRIDGE.T_RANGE must satisfy 0 <= low <= high <= 1, got {list(t_range)}")
    n = batch if per_sample else 1
    t = torch.rand(n, 1, device=device, dtype=dtype) * (high - low) + low
    return t.expand(batch, 1)


def bridge_features(f_clean: torch.Tensor, f_corrupt: torch.Tensor,
                    t: Union[float, torch.Tensor]) -> torch.Tensor:
    """Unit-norm bridge between ``f_clean`` (t = 0) and ``f_corrupt`` (t = 1), both (B, D)."""
    clean = F.normalize(f_clean, dim=1)
    corrupt = F.normalize(f_corrupt, dim=1)
    t = torch.as_tensor(t, dtype=clean.dtype, device=clean.device)
    if t.dim() == 0:
        t = t.expand(clean.shape[0])
    t = t.reshape(-1, 1)
    mix = t * corrupt + (1 - t) * clean
    norm = mix.norm(dim=1, keepdim=True)
    degenerate = norm < _EPS
    fallback = torch.where(t >= 0.5, corrupt, clean)
    return torch.where(degenerate, fallback, mix / norm.clamp_min(_EPS))
