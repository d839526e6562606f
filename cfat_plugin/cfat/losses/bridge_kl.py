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

Signed sigma (the published VAE's unconstrained sigma, ``MODEL.HEADS.BFG.SIGMA
raw``): the released formula takes log(sigma_bb / sigma_co), which is NaN where
the two sigmas differ in sign. That is the only place it is guarded: the log
reads |sigma| and every |sigma| is floored at ``norm_floor``; elsewhere the
value is the released one. :func:`guarded_sigma_elements` counts the elements
that needed the guard.
"""
import torch
import torch.nn.functional as F

KL_FORMS = ("published", "raw")
KL_REDUCTIONS = ("sum", "mean")
MIN_NORMALISED_SIGMA = 1e-4


def gaussian_kl(mu_p: torch.Tensor, sigma_p: torch.Tensor, mu_q: torch.Tensor, sigma_q: torch.Tensor,
                signed_floor: float = 0.0) -> torch.Tensor:
    """Per-sample KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) summed over the last dimension.

    ``signed_floor`` > 0: the sigmas may have any sign; the log and the divisions read
    max(|sigma|, signed_floor) (equal to the formula wherever it is defined and |sigma| >= floor).
    """
    if signed_floor > 0:
        sigma_p = sigma_p.abs().clamp_min(signed_floor)
        sigma_q = sigma_q.abs().clamp_min(signed_floor)
    var_ratio = (sigma_p / sigma_q) ** 2
    kl = 0.5 * (var_ratio + ((mu_p - mu_q) / sigma_q) ** 2 - 1.0) - torch.log(sigma_p / sigma_q)
    return kl.sum(dim=-1)


def guarded_sigma_elements(sigma_p: torch.Tensor, sigma_q: torch.Tensor, floor: float) -> int:
    """How many (sample, latent) elements of a signed-sigma KL the guard changed: the two sigmas of
    opposite sign or zero (NaN in the released code), or either below ``floor`` in magnitude."""
    unsafe = (sigma_p * sigma_q <= 0) | (sigma_p.abs() < floor) | (sigma_q.abs() < floor)
    return int(unsafe.sum())


def normalise_posterior(mu: torch.Tensor, sigma: torch.Tensor, norm_floor: float = 1e-3, signed: bool = False):
    """mu / max(|mu|, floor) and sigma / max(|sigma|, floor) along the latent axis (the published form).

    A positive sigma is floored after normalising; a signed one keeps its sign (guarded in the KL)."""
    sigma = F.normalize(sigma, dim=-1, eps=norm_floor)
    return F.normalize(mu, dim=-1, eps=norm_floor), sigma if signed else sigma.clamp_min(MIN_NORMALISED_SIGMA)


def bridge_kl_loss(mu_corrupt: torch.Tensor, sigma_corrupt: torch.Tensor,
                   mu_bridge: torch.Tensor, sigma_bridge: torch.Tensor,
                   form: str = "published", reduction: str = "sum", norm_floor: float = 1e-3,
                   signed_sigma: bool = False) -> torch.Tensor:
    """KL(q(z|f_co) || q(z|f_bb)) in the chosen form, reduced over the batch.

    ``signed_sigma``: the sigmas may be zero or negative (``MODEL.HEADS.BFG.SIGMA raw``); else they
    must be positive."""
    if form not in KL_FORMS:
        raise ValueError(f"MODEL.CFAT.LOSS.KL.FORM must be one of {KL_FORMS}, got '{form}'")
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"MODEL.CFAT.LOSS.KL.REDUCTION must be one of {KL_REDUCTIONS}, got '{reduction}'")
    if form == "published":
        mu_corrupt, sigma_corrupt = normalise_posterior(mu_corrupt, sigma_corrupt, norm_floor, signed_sigma)
        mu_bridge, sigma_bridge = normalise_posterior(mu_bridge, sigma_bridge, norm_floor, signed_sigma)
    per_sample = gaussian_kl(mu_corrupt, sigma_corrupt, mu_bridge, sigma_bridge,
                             norm_floor if signed_sigma else 0.0)
    return per_sample.sum() if reduction == "sum" else per_sample.mean()


def prior_kl_loss(mu: torch.Tensor, sigma: torch.Tensor, signed_floor: float = 0.0) -> torch.Tensor:
    """Batch mean of KL(q(z|x) || N(0, I)): the VAE's usual prior term (BFG pre-training)."""
    return gaussian_kl(mu, sigma, torch.zeros_like(mu), torch.ones_like(sigma), signed_floor).mean()
