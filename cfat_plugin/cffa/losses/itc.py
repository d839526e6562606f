"""Image-text contrastive loss (CLIP's, as IRRA's ``model/objectives.py:compute_itc``): the baseline IRRA
improves on.

S = norm(v) norm(t)^T / tau; each image's own caption is its only positive (a same-identity pair elsewhere
in the batch counts as a negative, which SDM corrects): L = (CE(S, diag) + CE(S^T, diag)) / 2.
"""
import torch
import torch.nn.functional as F


def itc_loss(image: torch.Tensor, text: torch.Tensor, tau: float = 0.02) -> torch.Tensor:
    """Symmetric InfoNCE of a batch of paired image and text features (row i of each is one pair)."""
    logits = F.normalize(image, dim=-1) @ F.normalize(text, dim=-1).t() / tau
    pairs = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, pairs) + F.cross_entropy(logits.t(), pairs)) / 2
