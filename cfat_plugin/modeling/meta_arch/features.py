"""Running any FastReID backbone and picking the retrieval feature, ViT or CNN alike.

A backbone with ``forward_tokens`` (the plugin's ViT) gives its CLS token to
the head as a (B, D, 1, 1) map and keeps the patch-token mean aside; any other
backbone (FastReID's ResNet, ...) gives its feature map to the head, and its
spatial mean plays the patch-mean role. Backbones whose ``uses_camids`` is
true receive the batch's camera ids (SIE).
"""
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import nn

RETRIEVAL_FEATURES = ("cls", "patch_mean", "bnneck")


class BackboneOutput(NamedTuple):
    feature_map: torch.Tensor  # (B, C, H, W), what the head pools
    patch_mean: torch.Tensor  # (B, C)


def run_backbone(backbone: nn.Module, images: torch.Tensor, camids: Optional[torch.Tensor]) -> BackboneOutput:
    """Forward ``images`` through ``backbone``, passing camera ids where it uses them."""
    kwargs = {"camids": camids} if getattr(backbone, "uses_camids", False) else {}
    if hasattr(backbone, "forward_tokens"):
        tokens = backbone.forward_tokens(images, **kwargs)
        return BackboneOutput(tokens[:, 0, :, None, None], tokens[:, 1:].mean(dim=1))
    fmap = backbone(images, **kwargs)
    if fmap.dim() != 4:
        raise ValueError(f"backbone {type(backbone).__name__} returned shape {tuple(fmap.shape)}, not (B, C, H, W)")
    return BackboneOutput(fmap, fmap.mean(dim=(2, 3)))


def full_precision(out: BackboneOutput) -> BackboneOutput:
    """``out`` in float32: under mixed precision (``SOLVER.AMP`` / ``TEST.AMP``) only the backbone runs in
    low precision; heads and losses (triplet distances, the (1 - cos) alignment weights) need float32."""
    return BackboneOutput(out.feature_map.float(), out.patch_mean.float())


def autocast_off(tensor: torch.Tensor):
    """A region where ``torch.autocast`` is off on ``tensor``'s device (heads and losses)."""
    return torch.autocast(device_type=tensor.device.type, enabled=False)


def pooled_feature(head: nn.Module, feature_map: torch.Tensor) -> torch.Tensor:
    """The head's pooled, pre-BNNeck feature (B, C): the CLS token for the ViT."""
    pool = getattr(head, "pool_layer", None)
    pooled = pool(feature_map) if pool is not None else feature_map.mean(dim=(2, 3), keepdim=True)
    return pooled[..., 0, 0]


def check_retrieval_feature(kind: str) -> str:
    if kind not in RETRIEVAL_FEATURES:
        raise ValueError(f"MODEL.RETRIEVAL.FEAT must be one of {RETRIEVAL_FEATURES}, got '{kind}'")
    return kind


def retrieval_feature(kind: str, head: nn.Module, out: BackboneOutput, normalize: bool) -> torch.Tensor:
    """The inference feature: CLS (pooled), patch-token mean or BNNeck output, optionally L2-normalised."""
    if kind == "cls":
        feat = pooled_feature(head, out.feature_map)
    elif kind == "patch_mean":
        feat = out.patch_mean
    else:  # "bnneck": every FastReID head returns its neck feature in eval mode
        feat = head(out.feature_map)
    return F.normalize(feat, dim=1) if normalize else feat
