"""IRRA's identity loss: one shared classifier over the image and the text global features,
L_id = (CE(image) + CE(text)) / 2."""
import torch
import torch.nn.functional as F


def id_loss(image_logits: torch.Tensor, text_logits: torch.Tensor, pids: torch.Tensor) -> torch.Tensor:
    """Mean of both modalities' cross-entropy against the training ids."""
    return (F.cross_entropy(image_logits, pids) + F.cross_entropy(text_logits, pids)) / 2
