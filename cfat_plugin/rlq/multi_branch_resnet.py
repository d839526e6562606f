"""The multi-branch ResNet of RLQ (published ``resnet50_joint3_3``), depth from the config.

A shared trunk (stem, layer1, layer2) feeds a clothes branch (layer3-4 -> f1) and an identity
branch (its own layer3-4 -> f2); a pose branch (its own layer2-4 -> f3) splits after layer1
(published ``--overlap_2=-3``). Every branch starts as a copy of the same ResNet (ImageNet
weights on GPU runs), last stride as ``MODEL.BACKBONE.LAST_STRIDE`` (1 as published). The
backbone returns the three feature maps; pooling and BN per branch live in the meta-architecture.
Registered as ``build_rlq_multi_branch_backbone``.
"""
from __future__ import annotations

import copy
from typing import Optional, Tuple

import torch
from torch import nn

from fastreid.modeling.backbones import BACKBONE_REGISTRY
from fastreid.modeling.backbones.resnet import build_resnet_backbone

BRANCHES = ("clothes", "identity", "pose")  # f1, f2, f3


class MultiBranchResNet(nn.Module):
    """Shared stem->layer2; clothes and identity branches after layer2, pose branch after layer1."""

    def __init__(self, resnet: nn.Module) -> None:
        super().__init__()
        self.stem = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool)
        self.layer1, self.layer2 = resnet.layer1, resnet.layer2
        self.clothes_branch = nn.Sequential(resnet.layer3, resnet.layer4)
        self.identity_branch = copy.deepcopy(self.clothes_branch)
        self.pose_branch = nn.Sequential(copy.deepcopy(resnet.layer2), copy.deepcopy(resnet.layer3),
                                         copy.deepcopy(resnet.layer4))

    def forward(self, x: torch.Tensor, with_pose: bool = True
                ) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
        """Feature maps (f1, f2, f3); f3 is None when ``with_pose`` is False (test and base runs skip it)."""
        early = self.layer1(self.stem(x))
        shared = self.layer2(early)
        pose = self.pose_branch(early) if with_pose else None
        return self.clothes_branch(shared), self.identity_branch(shared), pose


@BACKBONE_REGISTRY.register()
def build_rlq_multi_branch_backbone(cfg) -> MultiBranchResNet:
    """FastReID's ResNet of ``MODEL.BACKBONE.DEPTH`` (18x as the CPU configs, 50x as published; its
    PRETRAIN / PRETRAIN_PATH load before the branches are copied), split into three branches."""
    if cfg.MODEL.BACKBONE.WITH_NL:
        raise ValueError("build_rlq_multi_branch_backbone: MODEL.BACKBONE.WITH_NL must be False "
                         "(the branches run the ResNet stages in sequence)")
    return MultiBranchResNet(build_resnet_backbone(cfg))
