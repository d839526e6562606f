"""CFAT losses, one module per loss of the paper."""
from .bridge_kl import (KL_FORMS, KL_REDUCTIONS, bridge_kl_loss, gaussian_kl, guarded_sigma_elements,
                        prior_kl_loss)
from .coarse_alignment import weighted_contrastive_alignment_loss
from .reconstruction import reconstruction_loss
from .reid_on_reconstruction import RECON_ID_LOGITS, reconstruction_reid_losses

__all__ = ["KL_FORMS", "KL_REDUCTIONS", "RECON_ID_LOGITS", "bridge_kl_loss", "gaussian_kl", "guarded_sigma_elements", "prior_kl_loss",
           "reconstruction_loss", "reconstruction_reid_losses",
           "weighted_contrastive_alignment_loss"]
