"""The multi-branch backbone of RLQ (published ``resnet50_joint3_3``), on a ResNet or an ImageNet MobileNetV2.

A shared trunk (stem, layer1, layer2) feeds a clothes branch (layer3-4 -> f1) and an identity
branch (its own layer3-4 -> f2); a pose branch (its own layer2-4 -> f3) splits after layer1
(published ``--overlap_2=-3``). Every branch starts as a copy of the same network (ImageNet
weights on GPU runs), last stride as ``MODEL.BACKBONE.LAST_STRIDE`` (1 as published). The
backbone returns the three feature maps; pooling and BN per branch live in the meta-architecture.

Registered as ``build_rlq_multi_branch_backbone`` (FastReID's ResNet of ``MODEL.BACKBONE.DEPTH``, as
published) and ``build_rlq_multi_branch_mobilenetv2_backbone``: the ImageNet MobileNetV2 that ships in
a package, cut at the same strides (/4, /8, /16, last), for CPU runs that need a pre-trained start.
"""
from __future__ import annotations

import copy
from typing import Optional, Tuple

import torch
from torch import nn

from fastreid.modeling.backbones import BACKBONE_REGISTRY
from fastreid.modeling.backbones.resnet import build_resnet_backbone

from ..modeling.backbones.mobilenetv2_imagenet import build_mobilenetv2_imagenet_backbone

BRANCHES = ("clothes", "identity", "pose")  # f1, f2, f3
BACKBONES = ("build_rlq_multi_branch_backbone", "build_rlq_multi_branch_mobilenetv2_backbone")
# MobileNetV2's ``features`` cut where ResNet's stages end: the stem (/2), /4, /8, /16 and the rest
# (the last stride-2 block, stride 1 under LAST_STRIDE 1, and the final 1x1 convolution).
MOBILENETV2_CUTS = (2, 4, 7, 14)


class MultiBranchNet(nn.Module):
    """Shared stem->layer2; clothes and identity branches after layer2, pose branch after layer1."""

    def __init__(self, stem: nn.Module, layer1: nn.Module, layer2: nn.Module, layer3: nn.Module,
                 layer4: nn.Module) -> None:
        super().__init__()
        self.stem, self.layer1, self.layer2 = stem, layer1, layer2
        self.clothes_branch = nn.Sequential(layer3, layer4)
        self.identity_branch = copy.deepcopy(self.clothes_branch)
        self.pose_branch = nn.Sequential(copy.deepcopy(layer2), copy.deepcopy(layer3), copy.deepcopy(layer4))

    def forward(self, x: torch.Tensor, with_pose: bool = True
                ) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
        """Feature maps (f1, f2, f3); f3 is None when ``with_pose`` is False (test and base runs skip it)."""
        early = self.layer1(self.stem(x))
        shared = self.layer2(early)
        pose = self.pose_branch(early) if with_pose else None
        return self.clothes_branch(shared), self.identity_branch(shared), pose

    @property
    def channels(self) -> int:
        """Channels of each branch's feature map (512 for ResNet-18, 2048 for ResNet-50, 1280 for MobileNetV2)."""
        return [m for m in self.clothes_branch.modules() if isinstance(m, nn.BatchNorm2d)][-1].num_features


@BACKBONE_REGISTRY.register()
def build_rlq_multi_branch_backbone(cfg) -> MultiBranchNet:
    """FastReID's ResNet of ``MODEL.BACKBONE.DEPTH`` (18x as the CPU configs, 50x as published; its
    PRETRAIN / PRETRAIN_PATH load before the branches are copied), split into three branches."""
    if cfg.MODEL.BACKBONE.WITH_NL:
        raise ValueError("build_rlq_multi_branch_backbone: MODEL.BACKBONE.WITH_NL must be False "
                         "(the branches run the ResNet stages in sequence)")
    resnet = build_resnet_backbone(cfg)
    return MultiBranchNet(nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool),
                          resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)


@BACKBONE_REGISTRY.register()
def build_rlq_multi_branch_mobilenetv2_backbone(cfg) -> MultiBranchNet:
    """The MobileNetV2 of ``build_mobilenetv2_imagenet_backbone`` (width ``DEPTH``, weights from
    ``PRETRAIN_PATH``, loaded before the branches are copied), split into three branches."""
    net = build_mobilenetv2_imagenet_backbone(cfg)
    f = net.features
    a, b, c, d = MOBILENETV2_CUTS
    return MultiBranchNet(f[:a], f[a:b], f[b:c], f[c:d], nn.Sequential(*f[d:], net.conv))
