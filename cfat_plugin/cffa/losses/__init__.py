"""CFFA's losses, one module each: ITC (the contrastive baseline), SDM (IRRA), MAL, ID, IRR's masked-token cross-entropy."""
from .id_loss import id_loss
from .irr_loss import irr_loss
from .itc import itc_loss
from .mal import mal_coefficient, mal_loss
from .sdm import sdm_loss

__all__ = ["id_loss", "irr_loss", "itc_loss", "mal_coefficient", "mal_loss", "sdm_loss"]
