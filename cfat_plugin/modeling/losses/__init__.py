"""CFAT losses, one module per loss of the paper."""
from .bridge_kl import bridge_kl_loss, gaussian_kl
from .coarse_alignment import weighted_contrastive_alignment_loss
from .reconstruction import reconstruction_loss
from .reid_on_reconstruction import reconstruction_reid_losses

__all__ = ["bridge_kl_loss", "gaussian_kl", "reconstruction_loss", "reconstruction_reid_losses",
           "weighted_contrastive_alignment_loss"]
