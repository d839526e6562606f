"""Stage II's degradation memory bank and its replay (the published ``MemoryBank`` and ``Augmenter``).

The bank: the frozen stage I E_deg (its real head) over every training image, each code the mean of the
image's and its mirror's (flip-averaged), kept in memory. The replay re-degrades a training batch while
keeping its content: ``x_aug = G(E_con.content(x), d)`` with the frozen stage I networks, where d is
(``MODEL.DIL.REPLAY.MODE``)

- ``bank``: codes drawn uniformly from the bank, one per image (published ``aug_mode bank``);
- ``shuffle``: the batch's own codes, randomly permuted (published ``aug_mode shuffle``);
- ``synthetic``: no generator: ``x_aug = deg(x)``, the synthetic degradation of stage I (:mod:`.degradation`).

The replayed batch keeps the batch's identities; stage II's consistency KL reads it
(:mod:`.losses.consistency`). Draws come from a generator seeded by ``SEED``.

:func:`replay_measures` states what a replay did in the stage I networks' own spaces: how far the
replayed images' codes moved to the drawn codes, and how close their content stayed to their sources'.
"""
from __future__ import annotations

import logging
from typing import Optional

import torch
from torch import nn

from .degradation import SyntheticDegradation
from .degradation_encoder import REAL
from .image_range import to_gan_range, to_pixels

logger = logging.getLogger(__name__)

MODES = ("bank", "shuffle", "synthetic")


def flip_averaged_codes(encoder: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """E_deg's real-head codes of [-1, 1] ``images``, averaged with their mirror images' codes."""
    return (encoder(images, REAL) + encoder(images.flip(-1), REAL)) / 2


@torch.no_grad()
def build_memory_bank(encoder: nn.Module, loader) -> torch.Tensor:
    """The flip-averaged codes of every image of ``loader`` (0-255 ``images`` batches), in order."""
    device = next(encoder.parameters()).device
    codes = [flip_averaged_codes(encoder, to_gan_range(batch["images"].to(device).float())).cpu() for batch in loader]
    bank = torch.cat(codes)
    logger.info("Degradation memory bank: %d codes of %d entries", bank.shape[0], bank.shape[1])
    return bank


class MemoryReplay(nn.Module):
    """``images (0-255) -> re-degraded images (0-255)`` with frozen stage I networks; see the module docstring."""

    def __init__(self, mode: str, content_encoder: Optional[nn.Module] = None,
                 degradation_encoder: Optional[nn.Module] = None, generator: Optional[nn.Module] = None,
                 degradation: Optional[SyntheticDegradation] = None, seed: int = 0) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"MODEL.DIL.REPLAY.MODE: {mode!r}; valid: {', '.join(MODES)}")
        self.mode, self.degradation = mode, degradation
        self.content_encoder, self.degradation_encoder, self.generator = content_encoder, degradation_encoder, generator
        self.bank: Optional[torch.Tensor] = None
        self.generator_rng = torch.Generator().manual_seed(int(seed))
        for param in self.parameters():
            param.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        """Always in eval mode: the stage I networks are frozen."""
        return super().train(False)

    def set_bank(self, codes: torch.Tensor) -> None:
        """The memory bank's codes (N x code length)."""
        self.bank = codes

    def codes_for(self, x: torch.Tensor) -> torch.Tensor:
        """One degradation code per image of ``x`` ([-1, 1]) under the replay mode."""
        n = x.shape[0]
        if self.mode == "bank":
            if self.bank is None:
                raise RuntimeError("the memory bank is empty: DILTrainer builds it from the training set")
            index = torch.randint(len(self.bank), (n,), generator=self.generator_rng)
            return self.bank[index].to(x.device)
        return self.degradation_encoder(x, REAL)[torch.randperm(n, generator=self.generator_rng).to(x.device)]

    @torch.no_grad()
    def forward(self, images: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Replayed copies of ``images`` (0-255); ``codes`` given: those degradation codes instead of a draw."""
        x = to_gan_range(images.float())
        if self.mode == "synthetic" and codes is None:
            return to_pixels(self.degradation(x).to(x.device))
        codes = self.codes_for(x) if codes is None else codes.to(x.device)
        return to_pixels(self.generator(self.content_encoder.content(x), codes))


@torch.no_grad()
def replay_measures(replay: MemoryReplay, images: torch.Tensor, codes: torch.Tensor) -> dict:
    """What replaying 0-255 ``images`` with ``codes`` did, measured by the replay's own E_deg and E_con:

    - ``code_distance_before`` / ``code_distance_after``: mean distance of the images' codes, then of the
      replayed images' codes, to the drawn codes (the degradation changed if ``after < before``);
    - ``content_distance``: mean distance of each replayed image's content map to its source's, and
      ``content_spread``: mean distance between the content maps of two different sources (the content is
      kept if ``content_distance < content_spread``);
    - ``content_identified``: the share of replayed images whose nearest source content is their own.
    """
    encoder, content_encoder = replay.degradation_encoder, replay.content_encoder
    x = to_gan_range(images.float())
    replayed = to_gan_range(replay(images, codes))
    codes = codes.to(x.device)
    before = (encoder(x, REAL) - codes).norm(dim=1).mean()
    after = (encoder(replayed, REAL) - codes).norm(dim=1).mean()
    source, kept = content_encoder.content(x).flatten(1), content_encoder.content(replayed).flatten(1)
    cross = torch.cdist(kept, source)
    n = len(x)
    spread = torch.cdist(source, source).sum() / max(1, n * (n - 1))
    identified = (cross.argmin(dim=1) == torch.arange(n, device=x.device)).float().mean()
    return {"code_distance_before": float(before), "code_distance_after": float(after),
            "content_distance": float(cross.diagonal().mean()), "content_spread": float(spread),
            "content_identified": float(identified)}
