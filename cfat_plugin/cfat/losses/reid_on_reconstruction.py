"""Fine alignment, identity: ID + triplet losses on the VAE reconstruction of the student feature.

They keep the bridge space identity-discriminative. The ID term classifies
either the reconstruction, through the student's BNNeck and classifier, or --
as the published code's ``loss_en2`` does -- the student's own logits again
(``MODEL.CFAT.LOSS.RECON_ID.LOGITS``), which makes it a second student CE.
"""
from typing import Dict

RECON_ID_LOGITS = ("reconstruction", "student")

import torch

from fastreid.modeling.losses import cross_entropy_loss, triplet_loss


def reconstruction_reid_losses(cls_outputs: torch.Tensor, recon: torch.Tensor, targets: torch.Tensor,
                               ce: Dict, tri: Dict, id_scale: float, triplet_scale: float) -> Dict[str, torch.Tensor]:
    """``loss_recon_cls`` (CE of ``cls_outputs``) and ``loss_recon_triplet`` (triplet of ``recon``) with
    FastReID's CE/triplet settings (``ce``/``tri`` kwargs)."""
    return {
        "loss_recon_cls": cross_entropy_loss(cls_outputs, targets, ce["eps"], ce["alpha"]) * id_scale,
        "loss_recon_triplet": triplet_loss(recon, targets, tri["margin"], tri["norm_feat"],
                                           tri["hard_mining"]) * triplet_scale,
    }
