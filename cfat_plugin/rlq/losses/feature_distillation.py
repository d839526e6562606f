"""Feature distillation (TAD): squared distance between L2-normalised teacher and student features
(the published ``MSE``: summed over the feature, averaged over the batch)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def normalized_mse(teacher: torch.Tensor, student: torch.Tensor) -> torch.Tensor:
    """mean_i ‖n(teacher_i) − n(student_i)‖², n = L2 normalisation; in [0, 4]."""
    diff = F.normalize(teacher, dim=-1) - F.normalize(student, dim=-1)
    return diff.pow(2).sum(-1).mean()
