"""Shared backbones: importing registers ``build_cfat_vit_backbone``, ``build_torchreid_backbone`` and
``build_mobilenetv2_imagenet_backbone`` in FastReID's BACKBONE_REGISTRY."""
from .mobilenetv2_imagenet import build_mobilenetv2_imagenet_backbone, load_mobilenetv2_weights, shipped_weights_path
from .pos_embed import infer_grid, resize_pos_embed
from .torchreid_backbone import TorchreidBackbone, build_torchreid_backbone, load_torchreid_checkpoint
from .vit import VIT_SIZES, ReIDViT, build_cfat_vit_backbone, patch_grid
from .vit_weights import WeightLoadReport, load_pretrained_vit

__all__ = ["VIT_SIZES", "ReIDViT", "TorchreidBackbone", "WeightLoadReport", "build_cfat_vit_backbone",
           "build_mobilenetv2_imagenet_backbone", "build_torchreid_backbone", "infer_grid",
           "load_mobilenetv2_weights", "load_pretrained_vit", "load_torchreid_checkpoint", "patch_grid",
           "resize_pos_embed", "shipped_weights_path"]
