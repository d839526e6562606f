"""Fine alignment, bridge KL: KL( q(z | f_co) || q(z | f_bb) ) between two diagonal Gaussians.

Summed over latent dimensions and averaged over the batch (the published
code sums over the batch, so its scale grew with the batch size).
"""
import torch


def gaussian_kl(mu_p: torch.Tensor, sigma_p: torch.Tensor, mu_q: torch.Tensor, sigma_q: torch.Tensor) -> torch.Tensor:
    """Per-sample KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) summed over the last dimension."""
    var_ratio = (sigma_p / sigma_q) ** 2
    kl = 0.5 * (var_ratio + ((mu_p - mu_q) / sigma_q) ** 2 - 1.0) - torch.log(sigma_p / sigma_q)
    return kl.sum(dim=-1)


def bridge_kl_loss(mu_corrupt: torch.Tensor, sigma_corrupt: torch.Tensor,
                   mu_bridge: torch.Tensor, sigma_bridge: torch.Tensor) -> torch.Tensor:
    """Batch mean of KL(q(z|f_co) || q(z|f_bb)); sigmas must be positive."""
    return gaussian_kl(mu_corrupt, sigma_corrupt, mu_bridge, sigma_bridge).mean()
