"""The Bridge Feature Generation VAE: a small variational auto-encoder over ReID features.

Encoder D -> hidden -> (mu, sigma) with a low-dimensional latent, decoder
latent -> hidden -> D. By default sigma is always positive (softplus, or
predicted as a log-variance), so the KL between two posteriors is always
defined; ``raw`` keeps the published code's unconstrained sigma, whose sign
the KL then has to guard (:mod:`.losses.bridge_kl`).
"""
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

SIGMA_KINDS = ("softplus", "logvar", "raw")
DECODER_OUTPUTS = ("linear", "sigmoid")
MIN_SIGMA = 1e-4


class Posterior(NamedTuple):
    """A diagonal Gaussian q(z | x)."""

    mu: torch.Tensor
    sigma: torch.Tensor


class VAEOutput(NamedTuple):
    recon: torch.Tensor
    posterior: Posterior
    z: torch.Tensor


class BridgeVAE(nn.Module):
    """Encoder/decoder pair whose posteriors the bridge KL compares."""

    def __init__(self, feat_dim: int, hidden_dim: int = 128, latent_dim: int = 16,
                 sigma: str = "softplus", decoder_out: str = "linear"):
        super().__init__()
        if sigma not in SIGMA_KINDS:
            raise ValueError(f"MODEL.HEADS.BFG.SIGMA must be one of {SIGMA_KINDS}, got '{sigma}'")
        if decoder_out not in DECODER_OUTPUTS:
            raise ValueError(f"MODEL.HEADS.BFG.DECODER_OUT must be one of {DECODER_OUTPUTS}, got '{decoder_out}'")
        self.sigma_kind = sigma
        self.decoder_out = decoder_out
        self.enc_hidden = nn.Linear(feat_dim, hidden_dim)
        self.enc_mu = nn.Linear(hidden_dim, latent_dim)
        self.enc_sigma = nn.Linear(hidden_dim, latent_dim)
        self.dec_hidden = nn.Linear(latent_dim, hidden_dim)
        self.dec_out = nn.Linear(hidden_dim, feat_dim)

    def encode(self, x: torch.Tensor, frozen: bool = False) -> Posterior:
        """q(z|x). ``frozen``: the encoder's weights take no gradient from what is computed with this
        posterior (the input still does), so a loss on it trains what feeds the VAE, not the VAE."""
        def layer(linear: nn.Linear, inputs: torch.Tensor) -> torch.Tensor:
            if not frozen:
                return linear(inputs)
            return F.linear(inputs, linear.weight.detach(), linear.bias.detach())

        h = F.relu(layer(self.enc_hidden, x))
        raw = layer(self.enc_sigma, h)
        if self.sigma_kind == "softplus":
            sigma = F.softplus(raw) + MIN_SIGMA
        elif self.sigma_kind == "logvar":  # clamped so exp() can neither overflow nor reach 0
            sigma = torch.exp(0.5 * raw.clamp(-20.0, 20.0))
        else:  # the published layer output, any sign
            sigma = raw
        return Posterior(layer(self.enc_mu, h), sigma)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self.dec_out(F.relu(self.dec_hidden(z)))
        return torch.sigmoid(out) if self.decoder_out == "sigmoid" else out

    @property
    def signed_sigma(self) -> bool:
        """Whether sigma may be zero or negative (``raw``): KL terms must then guard log(sigma)."""
        return self.sigma_kind == "raw"

    def sample(self, posterior: Posterior) -> torch.Tensor:
        """Reparameterised draw in training; the mean in eval mode (deterministic features)."""
        if not self.training:
            return posterior.mu
        return posterior.mu + posterior.sigma * torch.randn_like(posterior.sigma)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        posterior = self.encode(x)
        z = self.sample(posterior)
        return VAEOutput(self.decode(z), posterior, z)
