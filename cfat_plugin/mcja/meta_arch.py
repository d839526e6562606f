"""The ``MCJA`` meta-architecture: FastReID's Baseline plus the cross-modality retrieval (CMR) loss.

Backbone and head are whatever the config builds (MCJA: ``build_resnet_mda_backbone`` with GeM p=3,
BNNeck and a bias-free linear classifier through FastReID's EmbeddingHead, ``NECK_FEAT after`` so that
the losses see the post-BNNeck embedding as the published code does). FastReID's losses are kept as
``MODEL.LOSSES.NAME`` lists them: MCJA's total is plain CE + CMR; the baseline arm lists CE and
triplet with CMR off. The training batch must carry ``modalities`` (0 visible, 1 infrared), which the
per-modality training loader of this method provides (:mod:`cfat_plugin.mcja.trainer`).
"""
from __future__ import annotations

from fastreid.config import configurable
from fastreid.modeling.meta_arch import META_ARCH_REGISTRY
from fastreid.modeling.meta_arch.baseline import Baseline

from .losses import cross_modality_retrieval_loss


@META_ARCH_REGISTRY.register()
class MCJA(Baseline):
    """Baseline + ``loss_cmr`` (``MODEL.MCJA.CMR``)."""

    @configurable
    def __init__(self, *, cmr_scale: float = 1.0, cmr_strength: float = 0.5, cmr_backend: str = "auto",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.cmr_scale, self.cmr_strength, self.cmr_backend = cmr_scale, cmr_strength, cmr_backend

    @classmethod
    def from_config(cls, cfg) -> dict:
        cmr = cfg.MODEL.MCJA.CMR
        return dict(Baseline.from_config(cfg), cmr_scale=cmr.SCALE if cmr.ENABLED else 0.0,
                    cmr_strength=cmr.STRENGTH, cmr_backend=cmr.BACKEND)

    def forward(self, batched_inputs):
        if not self.training:
            return super().forward(batched_inputs)
        if "modalities" not in batched_inputs:
            raise KeyError("MCJA trains on batches with 'modalities' (0 visible, 1 infrared): train with "
                           "MCJATrainer (MODEL.META_ARCHITECTURE MCJA picks it) on a visible-infrared data set (SYSUMM01VI, RegDBVI, SynthSYSU, SynthRegDB)")
        targets = batched_inputs["targets"]
        outputs = self.heads(self.backbone(self.preprocess_image(batched_inputs)), targets)
        losses = self.losses(outputs, targets)
        if self.cmr_scale > 0:
            losses["loss_cmr"] = self.cmr_scale * cross_modality_retrieval_loss(
                outputs["features"], targets, batched_inputs["modalities"].to(targets.device),
                self.cmr_strength, self.cmr_backend)
        return losses
