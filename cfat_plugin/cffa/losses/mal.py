"""Multi-association Learning (CFFA, ``model/objectives.py:compute_mixed_triplet_per``).

S = norm(t) norm(v)^T, y_ij = [pid_i = pid_j], M = 1 - y. Detached soft positive weights
alpha_ij = exp(S_ij/tau) y_ij / sum_k exp(S_ik/tau) y_ik. Per sample
L_i = [-sum_j alpha_ij S_ij + c log sum_j M_ij exp(S_ij/tau) + m]_+, and the same on S^T; summed over the
batch. c = floor(1/B, 3 decimals) is the published batch-dependent constant (0.015 at B = 64, equal to tau);
a batch of more than 1000 makes it 0, which removes the negatives, so it is refused.
"""
import math

import torch
import torch.nn.functional as F


def mal_coefficient(batch: int) -> float:
    """c = floor(1/B to 3 decimals); ValueError when it is 0 (B > 1000)."""
    c = math.floor(1000 / batch) / 1000
    if c == 0:
        raise ValueError(f"MAL: a batch of {batch} makes its constant c = floor(1/B, 3 decimals) 0, which drops "
                         f"every negative; use SOLVER.IMS_PER_BATCH <= 1000 or MODEL.CFFA.LOSS.MAL 0")
    return c


def _one_direction(sim: torch.Tensor, positives: torch.Tensor, tau: float, margin: float, c: float) -> torch.Tensor:
    """Per-row hinge of one direction (rows: anchors)."""
    with torch.no_grad():
        alpha = (sim / tau).exp() * positives
        alpha = alpha / alpha.sum(1, keepdim=True)
    negatives = torch.logsumexp((sim / tau).masked_fill(positives.bool(), float("-inf")), 1)
    return (-(alpha * sim).sum(1) + c * negatives + margin).clamp(min=0)


def mal_loss(image: torch.Tensor, text: torch.Tensor, pids: torch.Tensor, tau: float = 0.015,
             margin: float = 0.1) -> torch.Tensor:
    """MAL summed over the batch (``MODEL.CFFA.MAL.TAU`` tau, ``MARGIN`` m)."""
    c = mal_coefficient(len(pids))
    positives = (pids[:, None] == pids[None, :]).float()
    sim = F.normalize(image, dim=-1) @ F.normalize(text, dim=-1).t()
    return (_one_direction(sim, positives, tau, margin, c) + _one_direction(sim.t(), positives, tau, margin, c)).sum()
