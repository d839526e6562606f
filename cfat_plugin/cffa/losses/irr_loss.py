"""IRR's masked-language-modelling loss: cross-entropy over the masked positions only (IRRA's mlm loss)."""
import torch
import torch.nn.functional as F

IGNORE = -100  # label of every position that was not masked


def irr_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``logits`` (..., V), ``labels`` (...): the original id where masked, ``IGNORE`` elsewhere."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE)
