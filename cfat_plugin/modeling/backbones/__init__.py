"""CFAT backbones: importing registers ``build_cfat_vit_backbone`` and ``build_torchreid_backbone`` in FastReID's
BACKBONE_REGISTRY."""
from .pos_embed import infer_grid, resize_pos_embed
from .torchreid_backbone import TorchreidBackbone, build_torchreid_backbone, load_torchreid_checkpoint
from .vit import VIT_SIZES, ReIDViT, build_cfat_vit_backbone, patch_grid
from .vit_weights import WeightLoadReport, load_pretrained_vit

__all__ = ["VIT_SIZES", "ReIDViT", "TorchreidBackbone", "WeightLoadReport", "build_cfat_vit_backbone",
           "build_torchreid_backbone", "infer_grid", "load_pretrained_vit", "load_torchreid_checkpoint",
           "patch_grid", "resize_pos_embed"]
