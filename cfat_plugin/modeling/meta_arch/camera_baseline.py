"""``CameraAwareBaseline``: FastReID's Baseline that feeds camera ids to SIE backbones.

It is how the CFAT teacher (a ViT with SIE) is trained by FastReID's trainer:
same ID + triplet losses as ``Baseline``, but the batch's ``camids`` reach
backbones that use them, images are normalised out of place, and inference
returns the configured retrieval feature (CLS, patch-token mean or BNNeck).
"""
from typing import Optional

import torch

from fastreid.config import configurable
from fastreid.modeling.meta_arch.baseline import Baseline
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY

from .features import (BackboneOutput, autocast_off, check_retrieval_feature, full_precision, retrieval_feature,
                       run_backbone)


def batch_images(batched_inputs, key: str = "images") -> torch.Tensor:
    if isinstance(batched_inputs, dict):
        if key not in batched_inputs:
            raise KeyError(f"the batch has no '{key}' entry (keys: {sorted(batched_inputs)})")
        return batched_inputs[key]
    if isinstance(batched_inputs, torch.Tensor) and key == "images":
        return batched_inputs
    raise TypeError(f"batched_inputs must be a dict or a tensor, got {type(batched_inputs).__name__}")


@META_ARCH_REGISTRY.register()
class CameraAwareBaseline(Baseline):
    """Baseline + camera ids for SIE + a configurable retrieval feature."""

    @configurable
    def __init__(self, *, retrieval_feat: str = "bnneck", retrieval_norm: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.retrieval_feat = check_retrieval_feature(retrieval_feat)
        self.retrieval_norm = retrieval_norm

    @classmethod
    def from_config(cls, cfg) -> dict:
        args = super().from_config(cfg)
        args.update(retrieval_feat=cfg.MODEL.RETRIEVAL.FEAT, retrieval_norm=cfg.MODEL.RETRIEVAL.NORM)
        return args

    def normalise(self, images: torch.Tensor, mean: Optional[torch.Tensor] = None,
                  std: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(images - mean) / std into a new tensor on the model's device; the batch is left untouched."""
        mean = self.pixel_mean if mean is None else mean
        std = self.pixel_std if std is None else std
        return (images.to(mean.device, non_blocking=True) - mean) / std

    def preprocess_image(self, batched_inputs, key: str = "images") -> torch.Tensor:
        return self.normalise(batch_images(batched_inputs, key))

    def camids_of(self, batched_inputs) -> Optional[torch.Tensor]:
        if isinstance(batched_inputs, dict) and "camids" in batched_inputs:
            return torch.as_tensor(batched_inputs["camids"]).to(self.device).long()
        return None

    def targets_of(self, batched_inputs) -> torch.Tensor:
        if not isinstance(batched_inputs, dict) or "targets" not in batched_inputs:
            raise KeyError("person ID annotations ('targets') are missing in training")
        targets = torch.as_tensor(batched_inputs["targets"]).to(self.device).long()
        # PreciseBN batches from another data set carry -1 labels (as in Baseline)
        return torch.zeros_like(targets) if targets.sum() < 0 else targets

    def backbone_output(self, images: torch.Tensor, camids: Optional[torch.Tensor]) -> BackboneOutput:
        """The feature map the head pools (and the patch mean); subclasses may transform it (CFAT's projection)."""
        return run_backbone(self.backbone, images, camids)

    def forward(self, batched_inputs):
        images = self.preprocess_image(batched_inputs)
        out = full_precision(self.backbone_output(images, self.camids_of(batched_inputs)))
        with autocast_off(images):
            if not self.training:
                return retrieval_feature(self.retrieval_feat, self.heads, out, self.retrieval_norm)
            targets = self.targets_of(batched_inputs)
            return self.losses(self.heads(out.feature_map, targets), targets)
