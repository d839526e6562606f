"""Building blocks the DIL networks share (the published ``core/network/block``'s roles, written anew).

- :class:`ConvBlock`: padding, convolution, optional normalisation (BN, IN, LayerNorm, AdaIN) and activation;
- :class:`LiteResBlock`: a residual block with a 1x1 projection when the width changes (the content head's
  "invariance" and identity blocks);
- :class:`ASPP`: atrous spatial pyramid pooling, dilations 3/6/9 (the content head on the stem's map);
- :class:`AdaptiveInstanceNorm`: instance norm whose per-channel scale and shift are set from outside
  (the generator writes them from the degradation code before each forward);
- :class:`LayerNorm`: MUNIT's per-sample layer norm with a per-channel affine (the generator's up-sampling).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class AdaptiveInstanceNorm(nn.Module):
    """Instance norm without its own affine: ``weight`` and ``bias`` (N x C) are assigned before the call."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels, self.eps = channels, eps
        self.weight: Optional[torch.Tensor] = None
        self.bias: Optional[torch.Tensor] = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None or self.bias is None:
            raise RuntimeError("AdaIN parameters are unset: the generator assigns them from a degradation code")
        n, c = x.shape[:2]
        out = F.instance_norm(x, eps=self.eps)
        return out * self.weight.view(n, c, 1, 1) + self.bias.view(n, c, 1, 1)


class LayerNorm(nn.Module):
    """Normalise each sample over (C, H, W), then a per-channel scale and shift."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        mean = flat.mean(1).view(-1, 1, 1, 1)
        std = flat.std(1).view(-1, 1, 1, 1)
        out = (x - mean) / (std + self.eps)
        return out * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


NORMS = {"bn": nn.BatchNorm2d, "in": lambda c: nn.InstanceNorm2d(c), "ln": LayerNorm,
         "adain": AdaptiveInstanceNorm, "none": None}
ACTIVATIONS = {"relu": lambda: nn.ReLU(inplace=True), "lrelu": lambda: nn.LeakyReLU(0.2, inplace=True),
               "tanh": nn.Tanh, "none": None}


class ConvBlock(nn.Module):
    """Pad (reflect or zero), convolve, normalise, activate. A map too small to reflect (a side not longer
    than the padding: the deepest layers at the CPU configs' 32x16 or 64x32) is zero-padded instead."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, padding: int = 0,
                 norm: str = "none", activation: str = "relu", pad: str = "reflect", dilation: int = 1) -> None:
        super().__init__()
        self.pad = nn.ReflectionPad2d(padding) if pad == "reflect" else nn.ZeroPad2d(padding)
        self.padding = padding
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride, dilation=dilation, bias=norm in ("none", "in", "ln"))
        self.norm = NORMS[norm](out_ch) if NORMS[norm] is not None else None
        self.activation = ACTIVATIONS[activation]() if ACTIVATIONS[activation] is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(self.pad, nn.ReflectionPad2d) and self.padding >= min(x.shape[-2:]):
            x = self.conv(F.pad(x, [self.padding] * 4))
        else:
            x = self.conv(self.pad(x))
        if self.norm is not None:
            x = self.norm(x)
        return self.activation(x) if self.activation is not None else x


class LiteResBlock(nn.Module):
    """``act(conv(conv(x)) + proj(x))``: two 3x3 convolutions with BN, a 1x1 projection if widths differ."""

    def __init__(self, in_ch: int, out_ch: int, norm: str = "bn") -> None:
        super().__init__()
        self.body = nn.Sequential(ConvBlock(in_ch, out_ch, 3, 1, 1, norm, "lrelu", "zero"),
                                  ConvBlock(out_ch, out_ch, 3, 1, 1, norm, "none", "zero"))
        self.proj = ConvBlock(in_ch, out_ch, 1, 1, 0, norm, "none") if in_ch != out_ch else nn.Identity()
        self.activation = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.body(x) + self.proj(x))


class ASPP(nn.Module):
    """Parallel 1x1 and dilated 3x3 convolutions (dilations 3, 6, 9) with IN, fused by a 1x1 convolution."""

    def __init__(self, in_ch: int, out_ch: int, dilations=(3, 6, 9)) -> None:
        super().__init__()
        branches = [ConvBlock(in_ch, out_ch, 1, 1, 0, "in", "lrelu")]
        # zero padding: a reflection of 9 pixels needs a map wider than 9 (small inputs have narrower ones)
        branches += [ConvBlock(in_ch, out_ch, 3, 1, d, "in", "lrelu", "zero", dilation=d) for d in dilations]
        self.branches = nn.ModuleList(branches)
        self.fuse = ConvBlock(out_ch * len(branches), out_ch, 1, 1, 0, "in", "lrelu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([branch(x) for branch in self.branches], dim=1))


class ResBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection (the generator's, AdaIN-normalised)."""

    def __init__(self, channels: int, norm: str = "adain") -> None:
        super().__init__()
        self.body = nn.Sequential(ConvBlock(channels, channels, 3, 1, 1, norm, "relu"),
                                  ConvBlock(channels, channels, 3, 1, 1, norm, "none"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)
