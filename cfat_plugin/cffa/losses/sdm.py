"""Similarity Distribution Matching (IRRA, ``model/objectives.py:compute_sdm``).

S = norm(t) norm(v)^T / tau; q_i = y_i / sum_k y_ik with y_ij = [pid_i = pid_j];
L = mean_i KL(softmax_j S^T_i || q_i) + mean_i KL(softmax_j S_i || q_i), as IRRA computes it:
sum p (log p - log(q + eps)).
"""
import torch
import torch.nn.functional as F

EPS = 1e-8  # IRRA's epsilon inside log q


def sdm_loss(image: torch.Tensor, text: torch.Tensor, pids: torch.Tensor, tau: float = 0.02) -> torch.Tensor:
    """SDM of a batch of paired image and text features (``MODEL.CFFA.SDM.TAU`` is tau)."""
    labels = (pids[:, None] == pids[None, :]).float()
    q = labels / labels.sum(1, keepdim=True)
    sim = F.normalize(text, dim=-1) @ F.normalize(image, dim=-1).t() / tau  # text x image
    loss = 0.0
    for logits in (sim.t(), sim):  # image-to-text rows, text-to-image rows
        p = logits.softmax(1)
        loss = loss + (p * (F.log_softmax(logits, 1) - torch.log(q + EPS))).sum(1).mean()
    return loss
