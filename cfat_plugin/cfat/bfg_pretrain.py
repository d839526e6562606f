"""``BFGPretrain``: the BFG pre-training stage, the third model of the published pipeline.

The published CFAT starts from a pre-trained Bridge Feature Generation VAE
whose training code was never released. Without it the fine alignment has
nothing to work with: an untrained VAE maps feature differences about 1000x
smaller into its latent, and within a CFAT run its decoder fits the
reconstruction through its bias before the encoder learns to carry anything.

This stage trains the VAE alone. The frozen teacher gives the clean view's
feature, the frozen student (its CFAT start: ``MODEL.CFAT.STUDENT_WEIGHTS`` or
the teacher's copy) the corrupted view's; the VAE learns to reconstruct both
ends, stays near its prior, and meets the bridge KL it will see in CFAT.
Every other tensor keeps ``requires_grad=False`` (not in the optimizer) and
stays in eval mode. The checkpoint it writes is what ``MODEL.CFAT.BFG_WEIGHTS``
loads. It runs with FastReID's trainer like every stage:

    python tools/train_net.py --config-file projects/CFAT/synthreid_r18_bfg.yml
"""
from typing import Dict

import torch

from fastreid.config import configurable
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY

from ..modeling.meta_arch.features import autocast_off, full_precision, pooled_feature
from .bfg_vae import Posterior
from .losses import prior_kl_loss, reconstruction_loss
from .meta_arch import CFAT, _split

VAE_PREFIX = "heads.bfg."


@META_ARCH_REGISTRY.register()
class BFGPretrain(CFAT):
    """A CFAT model whose only trainable part is the BFG VAE."""

    @configurable
    def __init__(self, *, recon_scale: float = 1.0, prior_kl_scale: float = 0.01, bridge_kl_scale: float = 0.1,
                 **kwargs):
        super().__init__(**kwargs)
        self.pretrain_scales = {"recon": recon_scale, "prior_kl": prior_kl_scale, "kl": bridge_kl_scale}
        for name, param in self.named_parameters():
            param.requires_grad_(name.startswith(VAE_PREFIX))

    @classmethod
    def from_config(cls, cfg) -> dict:
        args = super().from_config(cfg)
        p = cfg.MODEL.CFAT.BFG_PRETRAIN
        args.update(recon_scale=p.RECON_SCALE, prior_kl_scale=p.PRIOR_KL_SCALE, bridge_kl_scale=p.BRIDGE_KL_SCALE)
        return args

    def train(self, mode: bool = True):
        """Only the VAE follows ``mode``: the student's BatchNorm statistics and dropout stay fixed."""
        super().train(False)
        self.heads.bfg.train(mode)
        self.training = mode  # the meta-architecture's forward still takes its training branch
        return self

    def forward(self, batched_inputs):
        if not self.training:
            return super().forward(batched_inputs)
        camids = self.camids_of(batched_inputs)
        f_clean = self.teacher_feature(batched_inputs, camids)
        with torch.no_grad():
            images = self.preprocess_image(batched_inputs)
            out = full_precision(self.backbone_output(images, camids))
        with autocast_off(images):
            f_corrupt = pooled_feature(self.heads, out.feature_map)
            return self.pretrain_losses(f_corrupt, f_clean)

    def pretrain_losses(self, f_corrupt: torch.Tensor, f_clean: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Reconstruction of both ends, KL of every posterior to the prior, and the bridge KL."""
        head, vae = self.heads, self.heads.bfg
        n = f_corrupt.shape[0]
        x_co, x_cl = head.vae_input(f_corrupt), head.vae_input(f_clean)
        posterior = vae.encode(torch.cat([x_co, x_cl, self.bridge(f_clean, f_corrupt)]))
        q_ends, q_bb = _split(posterior, [2 * n, n])
        recon = vae.decode(vae.sample(q_ends))
        scales = self.pretrain_scales
        return {
            "loss_recon": reconstruction_loss(recon, torch.cat([x_co, x_cl]), self.recon_reduction) * scales["recon"],
            "loss_prior_kl": prior_kl_loss(posterior.mu, posterior.sigma,
                                           self.kl_options["norm_floor"] if vae.signed_sigma else 0.0)
            * scales["prior_kl"],
            "loss_kl": self.bridge_kl(Posterior(q_ends.mu[:n], q_ends.sigma[:n]), q_bb, scales["kl"]),
        }
