"""CAL's clothes-based adversarial loss (Gu et al., CVPR 2022), on f1 with a cosine clothes classifier.

For a sample of identity ``y`` in clothes ``c``, the softmax is taken over ``c`` and every clothes
class of *other* identities, and the target spreads ε over all clothes classes of ``y`` (1 − ε on
``c``): the feature must tell identities apart while its clothes classes of one identity are pulled
together, so it forgets the clothes. ``positive_mask[i, k]`` is 1 when clothes class ``k`` belongs
to sample ``i``'s identity.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SCALE = 16.0  # s of the cosine classifier (published)
EPSILON = 0.1  # ε (published)


class CosineClassifier(nn.Module):
    """Logits cos(x, w_k) (no scale): CAL's ``NormalizedClassifier`` for clothes classes."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, in_features).uniform_(-1, 1).renorm_(2, 0, 1e-5).mul_(1e5))

    def forward(self, x: torch.Tensor, detach_weight: bool = False) -> torch.Tensor:
        """``detach_weight``: the adversarial term trains the feature only, never the classifier
        (the classifier has its own optimizer and loss)."""
        weight = self.weight.detach() if detach_weight else self.weight
        return F.linear(F.normalize(x, dim=-1), F.normalize(weight, dim=-1))


def clothes_classification(cosines: torch.Tensor, clothes: torch.Tensor, scale: float = SCALE) -> torch.Tensor:
    """CE of the clothes classifier on its scaled cosines (what trains the classifier)."""
    return F.cross_entropy(scale * cosines, clothes)


def clothes_adversarial(cosines: torch.Tensor, clothes: torch.Tensor, positive_mask: torch.Tensor,
                        scale: float = SCALE, epsilon: float = EPSILON) -> torch.Tensor:
    """CAL's adversarial loss of scaled cosines ``(B, num_clothes)`` (see the module docstring)."""
    logits = scale * cosines
    positive_mask = positive_mask.to(logits.dtype)
    negatives = 1.0 - positive_mask
    exp = logits.exp()  # bounded: |logits| <= scale
    log_prob = logits - torch.log((exp * negatives).sum(1, keepdim=True) + exp)
    one_hot = F.one_hot(clothes, logits.size(1)).to(logits.dtype)
    target = (1 - epsilon) * one_hot + epsilon * positive_mask / positive_mask.sum(1, keepdim=True)
    return (-target * log_prob).sum(1).mean()
