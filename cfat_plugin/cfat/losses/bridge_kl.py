"""Fine alignment, bridge KL: KL( q(z | f_co) || q(z | f_bb) ) between two diagonal Gaussians.

Two forms (``MODEL.CFAT.LOSS.KL.FORM``):

- ``published`` (the released ``KL_Loss2``): mu and sigma are each
  L2-normalised along the latent axis before the Gaussian KL. The norms are
  floored (``norm_floor``) so that mu ~ 0 cannot blow the term up, and the
  normalised sigma is floored too, so its log stays finite.
- ``raw``: the KL of the posteriors as the encoder gives them. On real
  features it is about 10^4 times smaller than the published form (measured:
  its gradient on the student is 6e-5 of the coarse alignment's).

Reduction (``MODEL.CFAT.LOSS.KL.REDUCTION``): ``sum`` over the batch
(published; the term grows with the batch size) or ``mean``. The latent
dimensions are always summed.
"""
import torch
import torch.nn.functional as F

KL_FORMS = ("published", "raw")
KL_REDUCTIONS = ("sum", "mean")
MIN_NORMALISED_SIGMA = 1e-4


def gaussian_kl(mu_p: torch.Tensor, sigma_p: torch.Tensor, mu_q: torch.Tensor, sigma_q: torch.Tensor) -> torch.Tensor:
    """Per-sample KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) summed over the last dimension."""
    var_ratio = (sigma_p / sigma_q) ** 2
    kl = 0.5 * (var_ratio + ((mu_p - mu_q) / sigma_q) ** 2 - 1.0) - torch.log(sigma_p / sigma_q)
    return kl.sum(dim=-1)


def normalise_posterior(mu: torch.Tensor, sigma: torch.Tensor, norm_floor: float = 1e-3):
    """mu / max(|mu|, floor) and sigma / max(|sigma|, floor) along the latent axis (the published form)."""
    return (F.normalize(mu, dim=-1, eps=norm_floor),
            F.normalize(sigma, dim=-1, eps=norm_floor).clamp_min(MIN_NORMALISED_SIGMA))


def bridge_kl_loss(mu_corrupt: torch.Tensor, sigma_corrupt: torch.Tensor,
                   mu_bridge: torch.Tensor, sigma_bridge: torch.Tensor,
                   form: str = "published", reduction: str = "sum", norm_floor: float = 1e-3) -> torch.Tensor:
    """KL(q(z|f_co) || q(z|f_bb)) in the chosen form, reduced over the batch; sigmas must be positive."""
    if form not in KL_FORMS:
        raise ValueError(f"MODEL.CFAT.LOSS.KL.FORM must be one of {KL_FORMS}, got '{form}'")
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"MODEL.CFAT.LOSS.KL.REDUCTION must be one of {KL_REDUCTIONS}, got '{reduction}'")
    if form == "published":
        mu_corrupt, sigma_corrupt = normalise_posterior(mu_corrupt, sigma_corrupt, norm_floor)
        mu_bridge, sigma_bridge = normalise_posterior(mu_bridge, sigma_bridge, norm_floor)
    per_sample = gaussian_kl(mu_corrupt, sigma_corrupt, mu_bridge, sigma_bridge)
    return per_sample.sum() if reduction == "sum" else per_sample.mean()


def prior_kl_loss(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Batch mean of KL(q(z|x) || N(0, I)): the VAE's usual prior term (BFG pre-training)."""
    return gaussian_kl(mu, sigma, torch.zeros_like(mu), torch.ones_like(sigma)).mean()
