"""Fine alignment, identity: ID + triplet losses on the VAE reconstruction of the student feature.

They keep the bridge space identity-discriminative. (The published code
reuses the student's own logits for this ID term; here the reconstruction is
classified by the student's BNNeck and classifier.)
"""
from typing import Dict

import torch

from fastreid.modeling.losses import cross_entropy_loss, triplet_loss


def reconstruction_reid_losses(cls_outputs: torch.Tensor, recon: torch.Tensor, targets: torch.Tensor,
                               ce: Dict, tri: Dict, id_scale: float, triplet_scale: float) -> Dict[str, torch.Tensor]:
    """``loss_recon_cls`` and ``loss_recon_triplet`` with FastReID's CE/triplet settings (``ce``/``tri`` kwargs)."""
    return {
        "loss_recon_cls": cross_entropy_loss(cls_outputs, targets, ce["eps"], ce["alpha"]) * id_scale,
        "loss_recon_triplet": triplet_loss(recon, targets, tri["margin"], tri["norm_feat"],
                                           tri["hard_mining"]) * triplet_scale,
    }
