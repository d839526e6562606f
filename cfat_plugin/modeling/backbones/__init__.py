"""CFAT backbones: importing registers ``build_cfat_vit_backbone`` in FastReID's BACKBONE_REGISTRY."""
from .pos_embed import infer_grid, resize_pos_embed
from .vit import VIT_SIZES, ReIDViT, build_cfat_vit_backbone, patch_grid
from .vit_weights import WeightLoadReport, load_pretrained_vit

__all__ = ["VIT_SIZES", "ReIDViT", "WeightLoadReport", "build_cfat_vit_backbone", "infer_grid",
           "load_pretrained_vit", "patch_grid", "resize_pos_embed"]
