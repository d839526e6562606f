"""Coarse alignment: the weighted contrastive (NT-Xent) loss between teacher and student features.

For a batch of B images the 2B features {teacher clean CLS} U {student
corrupted CLS} are L2-normalised; each feature's positive is the other view
of its image and its negatives are the other 2B - 2 features. Each anchor's
term is weighted by (1 - cos) of its pair so badly aligned pairs count more.
"""
import torch
import torch.nn.functional as F


def weighted_contrastive_alignment_loss(student: torch.Tensor, teacher: torch.Tensor,
                                        temperature: float = 0.5, weighted: bool = True) -> torch.Tensor:
    """Mean over the 2B anchors of w_i * -log(exp(s_ip / T) / sum_{k != i} exp(s_ik / T)).

    ``student`` and ``teacher`` are (B, D), row i of each coming from the same
    image; s is cosine similarity, w_i = 1 - s_ip (or 1 when ``weighted`` is off).
    """
    if student.shape != teacher.shape or student.dim() != 2:
        raise ValueError(f"student and teacher features must be equal (B, D) shapes, got "
                         f"{tuple(student.shape)} and {tuple(teacher.shape)}")
    if temperature <= 0:
        raise ValueError(f"MODEL.CFAT.LOSS.ALIGN.TEMPERATURE must be > 0, got {temperature}")
    b = student.shape[0]
    z = F.normalize(torch.cat([teacher, student], dim=0), dim=1)
    sim = z @ z.t()
    logits = (sim / temperature).masked_fill(torch.eye(2 * b, dtype=torch.bool, device=z.device), float("-inf"))
    pair = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)]).to(z.device)
    per_anchor = F.cross_entropy(logits, pair, reduction="none")
    if weighted:
        per_anchor = per_anchor * (1 - sim[torch.arange(2 * b, device=z.device), pair])
    return per_anchor.mean()
