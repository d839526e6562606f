"""CFFA's losses, one module each: SDM (IRRA), MAL, ID, IRR's masked-token cross-entropy."""
from .id_loss import id_loss
from .irr_loss import irr_loss
from .mal import mal_coefficient, mal_loss
from .sdm import sdm_loss

__all__ = ["id_loss", "irr_loss", "mal_coefficient", "mal_loss", "sdm_loss"]
