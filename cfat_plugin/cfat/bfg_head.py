"""``BFGHead``: FastReID's embedding head (BNNeck + classifier) plus the Bridge Feature Generation VAE.

The forward pass is the embedding head's, with the pooled pre-BNNeck feature
added to the training outputs (every CFAT loss acts on it). The VAE and a
stats-free classification of reconstructed features are exposed for the
CFAT meta-architecture's bridge losses.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from fastreid.config import configurable
from fastreid.modeling.heads.build import REID_HEADS_REGISTRY
from fastreid.modeling.heads.embedding_head import EmbeddingHead

from .bfg_vae import BridgeVAE


@REID_HEADS_REGISTRY.register()
class BFGHead(EmbeddingHead):
    """Embedding head with a feature VAE (``self.bfg``) for CFAT's fine alignment."""

    @configurable
    def __init__(self, *, bfg_hidden_dim: int = 128, bfg_latent_dim: int = 16, bfg_sigma: str = "softplus",
                 bfg_decoder_out: str = "linear", bfg_norm_input: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.bfg = BridgeVAE(kwargs["feat_dim"], bfg_hidden_dim, bfg_latent_dim, bfg_sigma, bfg_decoder_out)
        self.bfg_norm_input = bfg_norm_input

    @classmethod
    def from_config(cls, cfg) -> dict:
        args = super().from_config(cfg)
        bfg = cfg.MODEL.HEADS.BFG
        args.update(bfg_hidden_dim=bfg.HIDDEN_DIM, bfg_latent_dim=bfg.LATENT_DIM, bfg_sigma=bfg.SIGMA,
                    bfg_decoder_out=bfg.DECODER_OUT, bfg_norm_input=bfg.NORM_INPUT)
        return args

    def _logits(self, neck: torch.Tensor, targets: Optional[torch.Tensor], detach: bool = False):
        weight = self.weight.detach() if detach else self.weight
        if self.cls_layer.__class__.__name__ == "Linear":
            logits = F.linear(neck, weight)
        else:
            logits = F.linear(F.normalize(neck), F.normalize(weight))
        # the margin layers edit their input in place
        return self.cls_layer(logits.clone(), targets), logits.mul(self.cls_layer.s)

    def forward(self, features: torch.Tensor, targets: Optional[torch.Tensor] = None):
        """Eval: the BNNeck feature (B, D). Train: FastReID's outputs plus ``pool_feat`` (pre-BNNeck)."""
        pool_feat = self.pool_layer(features)[..., 0, 0]
        # the neck is computed from pool_feat itself, so every loss (ID through the neck, triplet,
        # alignment, BFG) reaches the student through this one tensor (MODEL.CFAT.GRAD_NORM_PERIOD)
        neck = self.bottleneck(pool_feat[..., None, None])[..., 0, 0]
        if not self.training:
            return neck
        cls_outputs, pred_logits = self._logits(neck, targets)
        if self.neck_feat == "before":
            feat = pool_feat
        elif self.neck_feat == "after":
            feat = neck
        else:
            raise KeyError(f"{self.neck_feat} is invalid for MODEL.HEADS.NECK_FEAT")
        return {"cls_outputs": cls_outputs, "pred_class_logits": pred_logits, "features": feat,
                "pool_feat": pool_feat}

    def _neck_without_stats(self, x: torch.Tensor, detach: bool) -> torch.Tensor:
        """The bottleneck on batch statistics, leaving its running statistics alone.

        Reconstructed features pass the student's BNNeck and classifier; they
        must not move the running mean/var the retrieval feature relies on.
        """
        def p(t):
            return None if t is None else (t.detach() if detach else t)

        for module in self.bottleneck:
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                x = F.batch_norm(x, None, None, p(module.weight), p(module.bias), True, 0.0, module.eps)
            elif isinstance(module, nn.Conv2d):
                x = F.conv2d(x, p(module.weight), p(module.bias))
            else:
                x = module(x)
        return x

    def classify(self, feats: torch.Tensor, targets: torch.Tensor, detach: bool = False) -> Dict[str, torch.Tensor]:
        """ID logits of (B, D) features through this head's BNNeck and classifier.

        ``detach``: use the head's weights as constants (BFG warm-up: only the VAE learns).
        """
        neck = self._neck_without_stats(feats[..., None, None], detach)[..., 0, 0]
        cls_outputs, pred_logits = self._logits(neck, targets, detach)
        return {"cls_outputs": cls_outputs, "pred_class_logits": pred_logits}

    def vae_input(self, feats: torch.Tensor) -> torch.Tensor:
        """Features as the VAE sees them (L2-normalised unless MODEL.HEADS.BFG.NORM_INPUT is off)."""
        return F.normalize(feats, dim=1) if self.bfg_norm_input else feats
