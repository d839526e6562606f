"""The Modality Distribution Adapter (MDA) of MCJA, and the ResNet that carries it.

MDA re-weights a feature map's channels by what its "modality contexts" say: ``M`` softmax masks
over the positions pool ``M`` context vectors, a depthwise 1-d convolution over the contexts gives one
gate per channel, and the gated map goes through a BatchNorm whose weight and bias start at zero
before being added to the input, so that a new MDA is the identity and a pre-trained backbone starts
unchanged.

``build_resnet_mda_backbone`` (a new name in FastReID's BACKBONE_REGISTRY) is FastReID's ResNet
(``MODEL.BACKBONE.DEPTH`` 18x/34x/50x/101x, ``PRETRAIN``/``PRETRAIN_PATH`` as usual) with MDA after
the last ``MODEL.MCJA.MDA.LAYERS[s]`` blocks of stage ``s``. The published placement ``[0, 2, 3, 0]``
is after the last 2 bottlenecks of layer2 and the last 3 of layer3 of a ResNet-50. A ResNet-18 has
2 blocks per stage, so the same setting puts MDA after both blocks of layer2 and both of layer3
(a count larger than the stage is capped at the stage's length): 4 adapters instead of 5.
``MODEL.MCJA.MDA.ENABLED False`` gives the plain ResNet with the same parameter names (the baseline).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from fastreid.modeling.backbones import BACKBONE_REGISTRY
from fastreid.modeling.backbones.resnet import build_resnet_backbone
from torch import nn


class ModalityDistributionAdapter(nn.Module):
    """MDA: ``x + BN2d(x * sigmoid(BN1d(depthwise_conv1d(contexts(x)))))``, the identity at initialisation."""

    def __init__(self, channels: int, num_contexts: int = 2) -> None:
        super().__init__()
        self.num_contexts = num_contexts
        self.context_mask = nn.Conv2d(channels, num_contexts, kernel_size=1)  # one mask per modality context
        self.context_conv = nn.Conv1d(channels, channels, kernel_size=num_contexts, groups=channels, bias=False)
        self.gate_norm = nn.BatchNorm1d(channels)
        self.out_norm = nn.BatchNorm2d(channels)
        nn.init.zeros_(self.out_norm.weight)  # starts as the identity
        nn.init.zeros_(self.out_norm.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        masks = F.softmax(self.context_mask(x).view(b, self.num_contexts, h * w), dim=2)  # (B, M, HW)
        contexts = torch.bmm(x.view(b, c, h * w), masks.transpose(1, 2))  # (B, C, M)
        gate = torch.sigmoid(self.gate_norm(self.context_conv(contexts).view(b, c)))  # (B, C)
        return x + self.out_norm(x * gate.view(b, c, 1, 1))


class ResNetMDA(nn.Module):
    """A FastReID ResNet whose stages run an MDA after chosen blocks (parameter names kept)."""

    def __init__(self, resnet: nn.Module, per_stage: Sequence[int], num_contexts: int) -> None:
        super().__init__()
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"):
            setattr(self, name, getattr(resnet, name))
        self.mda_after = []  # per stage: the block indices followed by an MDA
        for s, count in enumerate(per_stage):
            stage = getattr(self, f"layer{s + 1}")
            count = min(int(count), len(stage))
            channels = _out_channels(stage[-1])
            self.mda_after.append(list(range(len(stage) - count, len(stage))))
            setattr(self, f"mda{s + 1}", nn.ModuleList(
                [ModalityDistributionAdapter(channels, num_contexts) for _ in range(count)]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for s in range(4):
            adapters, after = getattr(self, f"mda{s + 1}"), self.mda_after[s]
            for i, block in enumerate(getattr(self, f"layer{s + 1}")):
                x = block(x)
                if i in after:
                    x = adapters[after.index(i)](x)
        return x


def _out_channels(block: nn.Module) -> int:
    """Channels a ResNet block puts out (its last BatchNorm's width)."""
    return (block.bn3 if hasattr(block, "bn3") else block.bn2).num_features  # Bottleneck / BasicBlock


@BACKBONE_REGISTRY.register()
def build_resnet_mda_backbone(cfg) -> ResNetMDA:
    """FastReID's ResNet (non-local blocks off) with MDA placed by ``MODEL.MCJA.MDA`` (module docstring)."""
    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.BACKBONE.WITH_NL = False
    mda = cfg.MODEL.MCJA.MDA
    per_stage = list(mda.LAYERS) if mda.ENABLED else [0, 0, 0, 0]
    if len(per_stage) != 4:
        raise ValueError(f"MODEL.MCJA.MDA.LAYERS needs one count per ResNet stage (4), got {per_stage}")
    return ResNetMDA(build_resnet_backbone(cfg), per_stage, mda.M)
