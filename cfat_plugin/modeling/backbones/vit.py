"""A TransReID-style ViT for re-identification, built from timm's transformer blocks.

Differences from an ImageNet ViT, all needed for person images: overlapping
patches (conv stride < patch size), a position grid sized to the person
image (and resized on the fly when the test size differs), and SIE, a learned
per-camera embedding added to every token with a coefficient lambda.

``forward`` returns the CLS token shaped (B, D, 1, 1), like FastReID's own
ViT, so any FastReID head can sit on it; ``forward_tokens`` returns every
token (B, 1 + N, D), which the plugin's meta-architectures use for the
patch-token-mean retrieval feature.
"""
from functools import partial
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from fastreid.modeling.backbones.build import BACKBONE_REGISTRY
from torch.nn.init import trunc_normal_

from .pos_embed import Grid, resize_pos_embed

# Width, depth, heads and MLP ratio of the standard ViT sizes (timm / DeiT / ViT paper).
VIT_SIZES: Dict[str, Dict[str, float]] = {
    "tiny": dict(embed_dim=192, depth=12, num_heads=3, mlp_ratio=4.0),
    "small": dict(embed_dim=384, depth=12, num_heads=6, mlp_ratio=4.0),
    "base": dict(embed_dim=768, depth=12, num_heads=12, mlp_ratio=4.0),
    "large": dict(embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4.0),
}


def _pair(value: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value[0], value[0]
    if len(value) != 2:
        raise ValueError(f"expected an int or a pair, got {value}")
    return value


def patch_grid(img_size: Sequence[int], patch_size: Sequence[int], stride: Sequence[int]) -> Grid:
    """Rows and columns of patches a strided conv produces on an image of ``img_size`` (H, W)."""
    (h, w), (ph, pw), (sh, sw) = _pair(img_size), _pair(patch_size), _pair(stride)
    if h < ph or w < pw:
        raise ValueError(f"image size {h}x{w} is smaller than the patch size {ph}x{pw}")
    return (h - ph) // sh + 1, (w - pw) // sw + 1


class OverlapPatchEmbed(nn.Module):
    """Patch embedding by a conv whose stride may be smaller than its kernel (overlapping patches)."""

    def __init__(self, patch_size=16, stride=16, in_chans: int = 3, embed_dim: int = 768):
        super().__init__()
        self.patch_size = _pair(patch_size)
        self.stride = _pair(stride)
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=self.patch_size, stride=self.stride)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Grid]:
        x = self.proj(x)
        grid = (x.shape[-2], x.shape[-1])
        return x.flatten(2).transpose(1, 2), grid


class ReIDViT(nn.Module):
    """ViT with overlapping patches, a person-shaped position grid and SIE camera embedding."""

    def __init__(
        self,
        img_size: Sequence[int] = (256, 128),
        patch_size: Union[int, Sequence[int]] = 16,
        stride_size: Union[int, Sequence[int]] = 16,
        in_chans: int = 3,
        embed_dim: int = 768,
        depth: int = 12,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        num_cameras: int = 0,
        sie_coef: float = 3.0,
    ):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim = self.num_features = embed_dim
        self.patch_embed = OverlapPatchEmbed(patch_size, stride_size, in_chans, embed_dim)
        self.grid = patch_grid(img_size, patch_size, stride_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid[0] * self.grid[1], embed_dim))
        # SIE exists only when it is used: an unused parameter would break DDP.
        self.sie_coef = float(sie_coef)
        self.num_cameras = int(num_cameras) if self.sie_coef != 0 else 0
        if self.num_cameras > 0:
            self.sie_embed = nn.Parameter(torch.zeros(self.num_cameras, 1, embed_dim))
            trunc_normal_(self.sie_embed, std=0.02)
        self.pos_drop = nn.Dropout(drop_rate)
        rates = torch.linspace(0, drop_path_rate, depth).tolist()  # stochastic depth grows with depth
        norm_layer = partial(nn.LayerNorm, eps=1e-6)
        from timm.models.vision_transformer import Block  # here: importing timm costs seconds per process

        self.blocks = nn.ModuleList(
            Block(embed_dim, num_heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias, proj_drop=drop_rate,
                  attn_drop=attn_drop_rate, drop_path=rate, norm_layer=norm_layer)
            for rate in rates)
        self.norm = norm_layer(embed_dim)
        trunc_normal_(self.cls_token, std=0.02)
        trunc_normal_(self.pos_embed, std=0.02)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            trunc_normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    @property
    def uses_camids(self) -> bool:
        """Whether ``forward`` needs camera ids (SIE on)."""
        return self.num_cameras > 0

    def pos_embed_for(self, grid: Grid) -> torch.Tensor:
        """Position embeddings for an input whose patch grid is ``grid`` (resized if it differs)."""
        if tuple(grid) == tuple(self.grid):
            return self.pos_embed
        return resize_pos_embed(self.pos_embed, self.grid, grid)

    def camera_embedding(self, camids: Optional[torch.Tensor], batch: int) -> Optional[torch.Tensor]:
        """lambda * SIE[camids], shaped (B, 1, D); None when SIE is off."""
        if self.num_cameras == 0:
            return None
        if camids is None:
            raise ValueError(
                "SIE is on (MODEL.BACKBONE.SIE_CAMERAS > 0, SIE_COE != 0) but no camera ids reached the "
                "backbone: use META_ARCHITECTURE CameraAwareBaseline or CFAT, or set SIE_CAMERAS 0")
        camids = torch.as_tensor(camids, device=self.sie_embed.device).long().view(-1)
        if camids.numel() != batch:
            raise ValueError(f"got {camids.numel()} camera ids for a batch of {batch} images")
        low, high = int(camids.min()), int(camids.max())
        if low < 0 or high >= self.num_cameras:
            raise ValueError(
                f"camera id {low if low < 0 else high} is outside 0..{self.num_cameras - 1}: raise "
                f"MODEL.BACKBONE.SIE_CAMERAS to the data set's camera count")
        return self.sie_coef * self.sie_embed[camids]

    def forward_tokens(self, x: torch.Tensor, camids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Every token after the final LayerNorm: (B, 1 + N, D), CLS first."""
        tokens, grid = self.patch_embed(x)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        tokens = torch.cat([cls, tokens], dim=1) + self.pos_embed_for(grid)
        sie = self.camera_embedding(camids, tokens.shape[0])
        if sie is not None:
            tokens = tokens + sie
        tokens = self.pos_drop(tokens)
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)

    def forward(self, x: torch.Tensor, camids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """CLS token as a (B, D, 1, 1) map, the shape FastReID heads pool."""
        return self.forward_tokens(x, camids)[:, 0, :, None, None]


def vit_arch_from_config(cfg) -> Dict[str, float]:
    """Width, depth, heads and MLP ratio: the size named by MODEL.BACKBONE.DEPTH, then overrides."""
    name = str(cfg.MODEL.BACKBONE.DEPTH).lower().replace("vit_", "").replace("vit-", "")
    if name not in VIT_SIZES:
        raise KeyError(
            f"MODEL.BACKBONE.DEPTH '{cfg.MODEL.BACKBONE.DEPTH}' is not a ViT size; "
            f"build_cfat_vit_backbone knows {sorted(VIT_SIZES)} (override the width/depth "
            f"with MODEL.BACKBONE.VIT.EMBED_DIM / NUM_LAYERS / NUM_HEADS / MLP_RATIO)")
    arch = dict(VIT_SIZES[name])
    vit = cfg.MODEL.BACKBONE.VIT
    for key, field in (("embed_dim", "EMBED_DIM"), ("depth", "NUM_LAYERS"),
                       ("num_heads", "NUM_HEADS"), ("mlp_ratio", "MLP_RATIO")):
        if vit[field]:
            arch[key] = vit[field]
    return arch


@BACKBONE_REGISTRY.register()
def build_cfat_vit_backbone(cfg) -> ReIDViT:
    """Build the ReID ViT from config; load ImageNet/TransReID weights from a local file if asked."""
    bb = cfg.MODEL.BACKBONE
    arch = vit_arch_from_config(cfg)
    if bb.FEAT_DIM != arch["embed_dim"]:
        raise ValueError(
            f"MODEL.BACKBONE.FEAT_DIM ({bb.FEAT_DIM}) must equal the ViT width ({arch['embed_dim']}): "
            f"the head is built from FEAT_DIM")
    model = ReIDViT(
        img_size=cfg.INPUT.SIZE_TRAIN,
        patch_size=bb.VIT.PATCH_SIZE,
        stride_size=bb.STRIDE_SIZE,
        embed_dim=int(arch["embed_dim"]),
        depth=int(arch["depth"]),
        num_heads=int(arch["num_heads"]),
        mlp_ratio=float(arch["mlp_ratio"]),
        qkv_bias=bb.VIT.QKV_BIAS,
        drop_rate=bb.DROP_RATIO,
        attn_drop_rate=bb.ATT_DROP_RATE,
        drop_path_rate=bb.DROP_PATH_RATIO,
        num_cameras=bb.SIE_CAMERAS,
        sie_coef=bb.SIE_COE,
    )
    if bb.PRETRAIN:
        from .vit_weights import load_pretrained_vit

        load_pretrained_vit(model, bb.PRETRAIN_PATH)
    return model
