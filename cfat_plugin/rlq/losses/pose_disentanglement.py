"""Pose disentanglement (CAP): mean |cos(f2, f3)|, pushing the identity feature away from the pose
feature in either direction (the published ``Maximize_pose_dist3``: ``abs`` rather than ReLU)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def pose_disentanglement(f_id: torch.Tensor, f_pose: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of |cos(f_id[i], f_pose[i])|."""
    return F.cosine_similarity(f_id, f_pose, dim=-1).abs().mean()
