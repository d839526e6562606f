"""Stage II's replay consistency: ``KL(softmax(p_inv(x)).detach() ‖ softmax(p_inv(x_aug)))``.

The invariant branch's prediction for a batch is the target of its prediction for the batch re-degraded by
the memory replay (same identities), so what was learned invariant in stage I is kept while the ReID model
trains ("to avoid catastrophic forgetting", the IJCV paper). The clean side is detached, as published
(``id_smooth_type kl_detach``). Averaged over the batch; zero when both predictions agree. Weight
``MODEL.DIL.REPLAY.KL`` (published 5.0).
"""
from __future__ import annotations

import torch

from .identity import identity_consistency_kl


def replay_consistency_kl(logits_clean: torch.Tensor, logits_replayed: torch.Tensor) -> torch.Tensor:
    """KL from the detached clean prediction to the replayed one."""
    return identity_consistency_kl(logits_clean.detach(), logits_replayed)
