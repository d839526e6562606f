"""τ-KL: temperature-softened KL between two logit sets (RLQ's ``KL_Loss``), used twice in RLQ.

CAP: between the identity head on f2 (target) and the classifier on f1; TAD: from the student's
high-quality logits (target, not detached) to its low-quality logits. As published, the sum of the
element-wise KL terms is scaled by τ² and divided by the number of logits (batch x classes), not by
the batch, then weighted by λ.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

TAU = 0.8  # temperature τ (published)
LAMBDA = 0.64  # weight λ (published)


def tau_kl(target_logits: torch.Tensor, logits: torch.Tensor, tau: float = TAU,
           lam: float = LAMBDA) -> torch.Tensor:
    """λ τ² Σ KL(softmax(target/τ) ‖ softmax(logits/τ)) / logits.numel(); gradients reach both inputs."""
    kl = F.kl_div(F.log_softmax(logits / tau, dim=-1), F.log_softmax(target_logits / tau, dim=-1),
                  reduction="sum", log_target=True)
    return lam * kl * tau * tau / logits.numel()
