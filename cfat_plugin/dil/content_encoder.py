"""E_con, the content encoder: a frozen ReID trunk and a trainable content head (stage I's and stage II's).

The trunk is FastReID's ResNet (``MODEL.BACKBONE``) from its stem to layer3, the published ResNet-50's
``conv1..layer3``; its weights come from the ReID baseline (``MODEL.DIL.BASELINE_WEIGHTS``, see
:mod:`.weights`). :class:`ContentHead` reads four levels of it -- the stem's map through an ASPP
(dilations 3/6/9) and a max-pool, layer1, layer2 and layer3 -- each through an "invariance"
:class:`~.blocks.LiteResBlock`, and makes

- the **content map** ``c`` (``MODEL.DIL.CONTENT_DIM`` channels at 1/4 of the input): each level to
  ``MODEL.DIL.HEAD.LEVEL_DIM`` (64) channels (conv, BN, leaky ReLU), resized to layer1's size,
  concatenated, 1x1 conv + IN;
- the **degradation-invariant identity feature** ``f_inv`` (``MODEL.DIL.INV_DIM``): two LiteResBlocks and
  average pooling per level, concatenated, 1x1 conv + BN + leaky ReLU.

Widths follow the trunk, the stem level's being the ASPP's (``MODEL.DIL.HEAD.ASPP_DIM``): 128/256/512/1024 on a
ResNet-50 as published; the stem level at 128 costs more than a ResNet-18's whole trunk, so the CPU
configs narrow it.
Departures from the published code: levels are resized to layer1's size rather than by fixed factors
(the same on the published input sizes, and valid on any), and in stage I the trunk runs in eval mode
(BatchNorm statistics fixed, not only its weights), since its batches mix degraded and generated images.
"""
from __future__ import annotations

from typing import List, Tuple

import torch
import torch.nn.functional as F
from fastreid.modeling.backbones.resnet import build_resnet_backbone
from torch import nn

from .blocks import ASPP, ConvBlock, LiteResBlock
from .classifier import ClassBlock

TRUNK_LAYERS = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3")


def block_channels(stage: nn.Sequential) -> int:
    """Channels a ResNet stage puts out (its last block's last BatchNorm width)."""
    block = stage[-1]
    return (block.bn3 if hasattr(block, "bn3") else block.bn2).num_features


def build_resnet(cfg) -> nn.Module:
    """FastReID's ResNet of ``MODEL.BACKBONE`` (non-local blocks off: the trunk is read level by level)."""
    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.BACKBONE.WITH_NL = False
    return build_resnet_backbone(cfg)


class ResNetTrunk(nn.Module):
    """A ResNet's stem..layer3 with its parameter names; returns the four levels the content head reads."""

    def __init__(self, resnet: nn.Module) -> None:
        super().__init__()
        for name in TRUNK_LAYERS:
            setattr(self, name, getattr(resnet, name))
        self.channels = [self.conv1.out_channels] + [block_channels(getattr(self, f"layer{i}")) for i in (1, 2, 3)]

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x0 = self.relu(self.bn1(self.conv1(x)))  # 1/2
        x1 = self.layer1(self.maxpool(x0))  # 1/4
        x2 = self.layer2(x1)  # 1/8
        return [x0, x1, x2, self.layer3(x2)]  # layer3: 1/16


class ContentHead(nn.Module):
    """Four trunk levels -> (``f_inv``, content map ``c``); see the module docstring."""

    def __init__(self, trunk_channels: List[int], content_dim: int = 128, inv_dim: int = 2048, aspp_dim: int = 128,
                 level_dim: int = 64) -> None:
        super().__init__()
        self.aspp = ASPP(trunk_channels[0], aspp_dim)
        widths = [aspp_dim] + list(trunk_channels[1:])
        self.invariance = nn.ModuleList([LiteResBlock(w, w) for w in widths])
        self.content = nn.ModuleList([ConvBlock(w, level_dim, 3, 1, 1, "bn", "lrelu", "zero") for w in widths])
        self.content_fuse = ConvBlock(level_dim * len(widths), content_dim, 1, 1, 0, "in", "lrelu")
        self.identity = nn.ModuleList([nn.Sequential(LiteResBlock(w, w), LiteResBlock(w, w)) for w in widths])
        self.identity_fuse = nn.Sequential(nn.Linear(sum(widths), inv_dim, bias=False), nn.BatchNorm1d(inv_dim),
                                           nn.LeakyReLU(0.2, inplace=True))
        self.content_dim, self.inv_dim = content_dim, inv_dim

    def forward(self, levels: List[torch.Tensor], need_identity: bool = True,
                need_content: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
        levels = [F.max_pool2d(self.aspp(levels[0]), kernel_size=2)] + list(levels[1:])
        size = levels[1].shape[-2:]
        f_inv = c = None
        shared = [block(x) for block, x in zip(self.invariance, levels)]
        if need_identity:
            pooled = [block(x).mean(dim=(2, 3)) for block, x in zip(self.identity, shared)]
            f_inv = self.identity_fuse(torch.cat(pooled, dim=1))
        if need_content:
            maps = [F.interpolate(conv(x), size=size, mode="nearest") if x.shape[-2:] != size else conv(x)
                    for conv, x in zip(self.content, shared)]
            c = self.content_fuse(torch.cat(maps, dim=1))
        return f_inv, c


def build_content_head(cfg, trunk: ResNetTrunk) -> ContentHead:
    """The content head of ``MODEL.DIL``'s sizes on ``trunk``."""
    d = cfg.MODEL.DIL
    return ContentHead(trunk.channels, d.CONTENT_DIM, d.INV_DIM, d.HEAD.ASPP_DIM, d.HEAD.LEVEL_DIM)


class ContentEncoder(nn.Module):
    """E_con of stage I: frozen trunk + content head + identity classifier; inputs in [-1, 1]."""

    def __init__(self, trunk: ResNetTrunk, head: ContentHead, num_classes: int, pixel_mean, pixel_std,
                 bottleneck: int = 512) -> None:
        super().__init__()
        self.trunk, self.head = trunk, head
        inv_dim = head.inv_dim
        self.classifier = ClassBlock(inv_dim, num_classes, bottleneck)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(1, -1, 1, 1), persistent=False)
        for param in self.trunk.parameters():
            param.requires_grad_(False)

    def train(self, mode: bool = True):
        """The trunk stays in eval mode (frozen, BatchNorm statistics included)."""
        super().train(mode)
        self.trunk.eval()
        return self

    def levels(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The frozen trunk's levels of ``x`` ([-1, 1] images), without gradients."""
        with torch.no_grad():
            return self.trunk(((x + 1.0) * 127.5 - self.pixel_mean) / self.pixel_std)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(``f_inv``, content map ``c``)."""
        return self.head(self.levels(x))

    def content(self, x: torch.Tensor) -> torch.Tensor:
        """The content map only."""
        return self.head(self.levels(x), need_identity=False)[1]
