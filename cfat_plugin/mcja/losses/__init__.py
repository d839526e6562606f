"""MCJA's losses: the cross-modality retrieval (CMR) loss; CE (and the baseline's triplet) are FastReID's."""
from .cross_modality_retrieval import cross_modality_retrieval_loss

__all__ = ["cross_modality_retrieval_loss"]
