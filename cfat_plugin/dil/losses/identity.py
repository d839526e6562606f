"""Identity losses of stage I on the invariant feature f_inv's classifier.

- :func:`identity_loss` (real step, ``MODEL.DIL.STAGE1.LOSS.IDENTITY``, published 0.5): cross-entropy of
  both images' identities, ``CE(C(f_inv_a), y_a) + CE(C(f_inv_b), y_b)``; its floor is 0 (certain, right
  predictions);
- :func:`identity_consistency_kl` (synthetic step, ``MODEL.DIL.STAGE1.LOSS.IDENTITY_KL``, off as published
  without ``--enable_kl``): ``KL(softmax(p_a) ‖ softmax(p_b))`` between the predictions for an image and
  its degraded copy, zero when they agree. Stage II's consistency term is this KL with the clean side
  detached (:func:`~.consistency.replay_consistency_kl`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def identity_loss(logits_a: torch.Tensor, targets_a: torch.Tensor, logits_b: torch.Tensor,
                  targets_b: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of both sides' identities."""
    return F.cross_entropy(logits_a, targets_a) + F.cross_entropy(logits_b, targets_b)


def identity_consistency_kl(logits_p: torch.Tensor, logits_q: torch.Tensor) -> torch.Tensor:
    """``KL(softmax(p) ‖ softmax(q))``, averaged over the batch."""
    return F.kl_div(F.log_softmax(logits_q, dim=1), F.log_softmax(logits_p, dim=1), reduction="batchmean",
                    log_target=True)
