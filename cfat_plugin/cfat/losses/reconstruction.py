"""Fine alignment, reconstruction: the VAE must reproduce the teacher's clean feature."""
import torch

REDUCTIONS = ("sample_sum", "mean")


def reconstruction_loss(recon: torch.Tensor, target: torch.Tensor, reduction: str = "sample_sum") -> torch.Tensor:
    """Squared error between ``recon`` and ``target`` (B, D).

    "sample_sum": summed over dimensions, averaged over the batch (for unit
    vectors it lies in [0, 4] whatever D is); "mean": averaged over every
    element (PyTorch's MSELoss, the published choice; shrinks with D).
    """
    if recon.shape != target.shape:
        raise ValueError(f"reconstruction {tuple(recon.shape)} and target {tuple(target.shape)} differ")
    err = (recon - target) ** 2
    if reduction == "sample_sum":
        return err.sum(dim=1).mean()
    if reduction == "mean":
        return err.mean()
    raise ValueError(f"MODEL.CFAT.LOSS.RECON.REDUCTION must be one of {REDUCTIONS}, got '{reduction}'")
