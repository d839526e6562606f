"""``DILStage1``: degradation invariance learning, the networks of stage I and their two steps' losses.

It holds E_con (:mod:`.content_encoder`, frozen trunk from the baseline), E_deg
(:mod:`.degradation_encoder`), G (:mod:`.generator`), D_real and D_deg (:mod:`.discriminator`). A batch
holds full-resolution images (``images``, ``targets``) and a real low-resolution image of another identity
for each (``lr_images``, ``lr_targets``; :mod:`.data`). :class:`~.trainer.DILStage1Trainer` steps the
discriminators (``discriminator_losses``) and then E_con's head, E_deg and G (``generator_losses``) with
two optimisers, on one of two kinds of pairs (``kind``):

- ``synthetic`` (pixel-aligned, the code's "self" step): x_a = a full-resolution image, x_b = deg(x_a)
  (:mod:`.degradation`), x_b's code from E_deg's synthetic head;
- ``real`` (unpaired, "inter"): x_a = the full-resolution image, x_b = the real low-resolution one.

With c = E_con's content map and d = E_deg's code, G makes x_aa = G(c_a, d_a), x_bb = G(c_b, d_b) and the
degradation swaps x_ab = G(c_a, d_b), x_ba = G(c_b, d_a). The generator's terms (weights
``MODEL.DIL.STAGE1.LOSS``, each skipped at 0):

=====================  ============================================  ==========================================
term (logged name)     synthetic pairs                               real pairs
=====================  ============================================  ==========================================
loss_realism           LS-GAN of D_real on x_ab, x_ba                the same
loss_degradation       rank: D_deg(x_ba) >= D_deg(x_ab) + margin     LS-GAN: D_deg(x_ab) -> 0, D_deg(x_ba) -> 1
loss_self_recon        |x_aa - x_a| + |x_bb - x_b|                   the same
loss_recon             |x_ab - x_b| + |x_ba - x_a|                   cycle: |G(c(x_ab), d(x_ba)) - x_a| + ...
loss_invariance        |c_a - c_b|                                   --
loss_identity          KL(C(f_inv_a) || C(f_inv_b)) (IDENTITY_KL)    CE of y_a and y_b (IDENTITY)
=====================  ============================================  ==========================================

The discriminators' terms: ``loss_d_realism`` (real images to 1, swapped ones to 0) and ``loss_d_degradation``
(synthetic: rank x_a above deg(x_a); real: full resolution to 1, low resolution to 0, twice, as published),
each with the gradient penalty on the real inputs (``MODEL.DIL.DIS.GP_WEIGHT``). At test time the model
returns E_con's invariant feature, so FastReID's evaluators run on it.
"""
from __future__ import annotations

from typing import Dict, Tuple

import torch
from fastreid.config import configurable
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY
from torch import nn

from .content_encoder import ContentEncoder, ResNetTrunk, build_content_head, build_resnet
from .degradation import SyntheticDegradation
from .degradation_encoder import REAL, SYNTHETIC, DegradationEncoder
from .discriminator import MultiScaleDiscriminator
from .generator import AdaINGenerator
from .image_range import to_gan_range
from .losses import (content_invariance_loss, degradation_rank_loss, identity_consistency_kl, identity_loss,
                     lsgan_loss, r1_penalty, realism_discriminator_loss, realism_generator_loss,
                     reconstruction_loss)
from .weights import load_baseline

KINDS = (SYNTHETIC, REAL)
GENERATOR_PARTS = ("content_encoder", "degradation_encoder", "generator")
DISCRIMINATOR_PARTS = ("realism_discriminator", "degradation_discriminator")
LOSS_WEIGHTS = ("REALISM", "DEGRADATION", "RECONSTRUCTION", "SELF_RECONSTRUCTION", "INVARIANCE", "IDENTITY",
                "IDENTITY_KL")


def build_stage1_networks(cfg) -> Dict[str, nn.Module]:
    """E_con (trunk from the baseline), E_deg, G, D_real, D_deg at ``cfg``'s sizes."""
    d = cfg.MODEL.DIL
    trunk = ResNetTrunk(build_resnet(cfg))
    load_baseline(trunk, d.BASELINE_WEIGHTS, "trunk")
    return {
        "content_encoder": ContentEncoder(trunk, build_content_head(cfg, trunk), cfg.MODEL.HEADS.NUM_CLASSES,
                                          cfg.MODEL.PIXEL_MEAN, cfg.MODEL.PIXEL_STD, d.BOTTLENECK),
        "degradation_encoder": DegradationEncoder(d.DEG_WIDTH, d.DEG_DIM),
        "generator": AdaINGenerator(d.CONTENT_DIM, d.DEG_DIM, d.GEN.RES_BLOCKS, d.GEN.MLP_DIM),
        "realism_discriminator": MultiScaleDiscriminator(d.DIS.SCALES, d.DIS.WIDTH, d.DIS.LAYERS),
        "degradation_discriminator": MultiScaleDiscriminator(d.DIS.DEG_SCALES, d.DIS.WIDTH, d.DIS.LAYERS),
    }


@META_ARCH_REGISTRY.register()
class DILStage1(nn.Module):
    """Stage I's networks and losses (module docstring); trained by ``DILStage1Trainer``."""

    @configurable
    def __init__(self, *, networks: Dict[str, nn.Module], degradation: SyntheticDegradation,
                 weights: Dict[str, float], rank_margin: float = 1.0, gp_weight: float = 0.01) -> None:
        super().__init__()
        for name, module in networks.items():
            setattr(self, name, module)
        self.degradation = degradation
        self.weights, self.rank_margin, self.gp_weight = dict(weights), rank_margin, gp_weight

    @classmethod
    def from_config(cls, cfg) -> dict:
        d = cfg.MODEL.DIL
        return {"networks": build_stage1_networks(cfg),
                "degradation": SyntheticDegradation(d.DEGRADATION.TYPES, tuple(d.DEGRADATION.DOWNSAMPLE),
                                                    max(int(cfg.SEED), 0)),
                "weights": {k: float(d.STAGE1.LOSS[k]) for k in LOSS_WEIGHTS},
                "rank_margin": d.STAGE1.RANK_MARGIN, "gp_weight": d.DIS.GP_WEIGHT}

    @property
    def device(self) -> torch.device:
        return next(self.generator.parameters()).device

    def parameters_of(self, parts) -> list:
        """The trainable parameters of the named networks (the frozen trunk is left out)."""
        return [p for name in parts for p in getattr(self, name).parameters() if p.requires_grad]

    # ---- pairs and codes ----
    def pair(self, batch: dict, kind: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x_a, x_b, y_a, y_b) in [-1, 1] for a ``kind`` step (module docstring)."""
        x_a = to_gan_range(batch["images"].to(self.device).float())
        y_a = batch["targets"].to(self.device)
        if kind == SYNTHETIC:
            return x_a, self.degradation(x_a).to(self.device), y_a, y_a
        return x_a, to_gan_range(batch["lr_images"].to(self.device).float()), y_a, batch["lr_targets"].to(self.device)

    def codes(self, x_a: torch.Tensor, x_b: torch.Tensor, kind: str) -> Tuple[torch.Tensor, torch.Tensor]:
        """(d_a, d_b): x_a's code from the real head; x_b's from the synthetic head on synthetic pairs."""
        enc = self.degradation_encoder
        return enc(x_a, REAL), enc(x_b, SYNTHETIC if kind == SYNTHETIC else REAL)

    def swap(self, x_a: torch.Tensor, x_b: torch.Tensor, kind: str, reconstruct: bool = True) -> dict:
        """Contents, codes, invariant features and the generated images of a pair: the swaps x_ab, x_ba,
        and with ``reconstruct`` the self-reconstructions x_aa, x_bb."""
        f_a, c_a = self.content_encoder(x_a)
        f_b, c_b = self.content_encoder(x_b)
        d_a, d_b = self.codes(x_a, x_b, kind)
        g = self.generator
        out = {"c_a": c_a, "c_b": c_b, "d_a": d_a, "d_b": d_b, "f_a": f_a, "f_b": f_b,
               "x_ab": g(c_a, d_b), "x_ba": g(c_b, d_a)}
        if reconstruct:
            out.update(x_aa=g(c_a, d_a), x_bb=g(c_b, d_b))
        return out

    # ---- the two steps ----
    def discriminator_losses(self, x_a: torch.Tensor, x_b: torch.Tensor, kind: str) -> Dict[str, torch.Tensor]:
        """D_real and D_deg's losses on a pair (the generator runs without gradients)."""
        with torch.no_grad():
            out = self.swap(x_a, x_b, kind, reconstruct=False)
        fakes = torch.cat([out["x_ab"], out["x_ba"]])
        reals = x_a if kind == SYNTHETIC else torch.cat([x_a, x_b])
        d_real, d_deg = self.realism_discriminator, self.degradation_discriminator
        losses = {"loss_d_realism": realism_discriminator_loss(d_real(reals), d_real(fakes))}
        if kind == SYNTHETIC:
            losses["loss_d_degradation"] = degradation_rank_loss(d_deg(x_a), d_deg(x_b), self.rank_margin)
        else:
            losses["loss_d_degradation"] = 2.0 * (lsgan_loss(d_deg(x_a), 1.0) + lsgan_loss(d_deg(x_b), 0.0))
        if self.gp_weight > 0:
            losses["loss_d_penalty"] = self.gp_weight * (r1_penalty(d_real, reals)
                                                         + r1_penalty(d_deg, torch.cat([x_a, x_b])))
        return losses

    def generator_losses(self, x_a: torch.Tensor, x_b: torch.Tensor, y_a: torch.Tensor, y_b: torch.Tensor,
                         kind: str) -> Dict[str, torch.Tensor]:
        """The weighted generator terms of the module docstring's table (a term at weight 0 is not computed)."""
        w = self.weights
        out = self.swap(x_a, x_b, kind, reconstruct=bool(w["SELF_RECONSTRUCTION"]))
        losses = {}
        if w["REALISM"]:
            losses["loss_realism"] = w["REALISM"] * realism_generator_loss(
                self.realism_discriminator(torch.cat([out["x_ab"], out["x_ba"]])))
        if w["DEGRADATION"]:
            d_deg = self.degradation_discriminator
            if kind == SYNTHETIC:
                term = degradation_rank_loss(d_deg(out["x_ba"]), d_deg(out["x_ab"]), self.rank_margin)
            else:
                term = lsgan_loss(d_deg(out["x_ab"]), 0.0) + lsgan_loss(d_deg(out["x_ba"]), 1.0)
            losses["loss_degradation"] = w["DEGRADATION"] * term
        if w["SELF_RECONSTRUCTION"]:
            losses["loss_self_recon"] = w["SELF_RECONSTRUCTION"] * reconstruction_loss(
                [(out["x_aa"], x_a), (out["x_bb"], x_b)])
        if w["RECONSTRUCTION"]:
            if kind == SYNTHETIC:
                pairs = [(out["x_ab"], x_b), (out["x_ba"], x_a)]
            else:  # cycle: swap back with the codes read from the swapped images
                g, enc = self.generator, self.content_encoder
                d_ba, d_ab = self.codes(out["x_ba"], out["x_ab"], kind)
                pairs = [(g(enc.content(out["x_ab"]), d_ba), x_a), (g(enc.content(out["x_ba"]), d_ab), x_b)]
            losses["loss_recon"] = w["RECONSTRUCTION"] * reconstruction_loss(pairs)
        if kind == SYNTHETIC and w["INVARIANCE"]:
            losses["loss_invariance"] = w["INVARIANCE"] * content_invariance_loss(out["c_a"], out["c_b"])
        classify = self.content_encoder.classifier
        if kind == SYNTHETIC and w["IDENTITY_KL"]:
            losses["loss_identity"] = w["IDENTITY_KL"] * identity_consistency_kl(classify(out["f_a"])[0],
                                                                                 classify(out["f_b"])[0])
        if kind == REAL and w["IDENTITY"]:
            losses["loss_identity"] = w["IDENTITY"] * identity_loss(classify(out["f_a"])[0], y_a,
                                                                    classify(out["f_b"])[0], y_b)
        return losses

    def forward(self, batched_inputs):
        """Test time: E_con's invariant feature of the (0-255) images (stage I is trained by its trainer)."""
        if self.training:
            raise RuntimeError("DILStage1 trains through DILStage1Trainer's two steps (MODEL.META_ARCHITECTURE "
                               "DILStage1 picks it), not through forward()")
        images = batched_inputs["images"] if isinstance(batched_inputs, dict) else batched_inputs
        f_inv, _ = self.content_encoder(to_gan_range(images.to(self.device).float()))
        return f_inv
