"""CLIP's image (ViT) and text towers for IRRA/CFFA, loaded from the user's local OpenAI CLIP file.

As IRRA's ``model/clip_model.py``: the ViT's position grid is resized (bicubic) from the checkpoint's
square grid to the input's, 24x8 for 384x128 at stride 16; every token goes through ``ln_post`` and the
projection; the text global feature is the EOT token's. Parameter names are OpenAI CLIP's, so its state
dict loads without renaming. Sizes come from ``MODEL.CFFA.CLIP`` (ViT-B/16 by default); tests build a
small randomly initialised CLIP of the same code.
"""
from __future__ import annotations

import logging
import math
import os
import warnings
from typing import Dict, List

import torch
from torch import nn

from ..modeling.backbones.pos_embed import resize_pos_embed
from ..utils.checkpoints import load_checkpoint_file
from .attention_blocks import Transformer
from .towers import IMAGE_TOWERS, TEXT_TOWERS, ImageOutput, TextOutput, register

logger = logging.getLogger(__name__)


class ClipVisionTower(nn.Module):
    """ViT: patches of ``patch`` pixels, CLS first; returns :class:`ImageOutput`."""

    def __init__(self, image_size: tuple, patch: int, width: int, layers: int, heads: int, embed_dim: int) -> None:
        super().__init__()
        self.grid = (image_size[0] // patch, image_size[1] // patch)
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(1 + self.grid[0] * self.grid[1], width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, embed_dim))

    def forward(self, images: torch.Tensor) -> ImageOutput:
        x = self.conv1(images).flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = self.ln_pre(torch.cat([cls, x], 1) + self.positional_embedding)
        x, attention = self.transformer(x)
        x = self.ln_post(x) @ self.proj
        return ImageOutput(x, attention[:, 0, 1:], x[:, 0])


class ClipTextTower(nn.Module):
    """CLIP's causal text transformer; returns :class:`TextOutput` (global: the EOT token)."""

    def __init__(self, vocab_size: int, context_length: int, width: int, layers: int, heads: int,
                 embed_dim: int, eot: int = 49407) -> None:
        super().__init__()
        self.eot = eot
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(context_length, width))
        self.transformer = Transformer(width, layers, heads)
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(width ** -0.5 * torch.randn(width, embed_dim))
        causal = torch.full((context_length, context_length), float("-inf")).triu(1)
        self.register_buffer("attn_mask", causal, persistent=False)

    def forward(self, ids: torch.Tensor) -> TextOutput:
        length = ids.shape[1]
        x = self.token_embedding(ids) + self.positional_embedding[:length]
        x, attention = self.transformer(x, self.attn_mask[:length, :length])
        x = self.ln_final(x) @ self.text_projection
        rows = torch.arange(len(ids), device=ids.device)
        end = (ids == self.eot).int().argmax(-1)
        words = (ids != 0) & (torch.arange(length, device=ids.device) > 0) & (ids != self.eot)
        return TextOutput(x, attention[rows, end], x[rows, end], words)


def resize_position_grid(pos: torch.Tensor, grid: tuple) -> torch.Tensor:
    """``(1 + g*g, W)`` -> ``(1 + grid[0]*grid[1], W)``: the CLS row kept, the square grid resized bicubically."""
    old = int(math.isqrt(pos.shape[0] - 1))
    if old * old != pos.shape[0] - 1:
        raise ValueError(f"visual.positional_embedding of {pos.shape[0] - 1} patches is not a square grid")
    resized = resize_pos_embed(pos[None].float(), (old, old), grid, interpolation="bicubic")
    return resized[0].to(pos.dtype)


def read_clip_state(path: str) -> Dict[str, torch.Tensor]:
    """The state dict of an OpenAI CLIP file (TorchScript archive as released, or a plain state dict)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"MODEL.CFFA.CLIP.WEIGHTS: no such file {os.path.abspath(path)} (OpenAI's "
                                f"ViT-B-16.pt, as IRRA's --pretrain_choice ViT-B/16 reads)")
    try:
        with warnings.catch_warnings():  # torch.jit.load is deprecated, but OpenAI's files are TorchScript
            warnings.simplefilter("ignore", FutureWarning)
            state = torch.jit.load(path, map_location="cpu").state_dict()
    except RuntimeError:  # not TorchScript: a plain state dict, read as every checkpoint is (no pickled code)
        state = load_checkpoint_file(path)["model"]
    return {k: v.float() for k, v in state.items()}


def adapt_clip_state(state: Dict[str, torch.Tensor], prefix: str, module: nn.Module,
                     grid: tuple = None) -> Dict[str, torch.Tensor]:
    """The tensors of ``prefix`` (``visual.`` or the text's top level) renamed to ``module``'s keys; the
    position grid resized to ``grid``. A key whose shape differs is an error naming it."""
    own = module.state_dict()
    out, misfits = {}, []
    for key, value in state.items():
        if prefix and not key.startswith(prefix):
            continue
        if not prefix and key.startswith("visual."):
            continue
        name = key[len(prefix):]
        if name not in own:
            continue  # logit_scale, the other tower's keys, context/vocab buffers: not this tower's
        if name == "positional_embedding" and grid is not None and value.shape != own[name].shape:
            value = resize_position_grid(value, grid)
            logger.info("CLIP: %s resized to the %dx%d grid", key, *grid)
        if value.shape != own[name].shape:
            misfits.append(f"{key} {tuple(value.shape)} (model {tuple(own[name].shape)})")
        out[name] = value
    missing = sorted(set(own) - set(out))
    if misfits or missing:
        raise ValueError("the CLIP file does not fit MODEL.CFFA.CLIP's sizes: " + "; ".join(
            misfits + [f"{prefix}{k} missing" for k in missing[:5]]))
    return out


def clip_shape_problems(path: str, cfg) -> List[str]:
    """Keys of the CLIP file at ``path`` whose shapes differ from the towers ``cfg`` builds (empty: it fits)."""
    state = read_clip_state(path)
    problems = []
    for prefix, tower in (("visual.", build_clip_image_tower(cfg, load=False)),
                          ("", build_clip_text_tower(cfg, load=False))):
        try:
            adapt_clip_state(state, prefix, tower, getattr(tower, "grid", None))
        except ValueError as error:
            problems.append(str(error))
    return problems


@register(IMAGE_TOWERS, "clip_vit_b16")
def build_clip_image_tower(cfg, load: bool = True) -> ClipVisionTower:
    """CLIP's ViT at ``INPUT.SIZE_TRAIN``, loaded from ``MODEL.CFFA.CLIP.WEIGHTS`` when given."""
    c = cfg.MODEL.CFFA.CLIP
    tower = ClipVisionTower(tuple(cfg.INPUT.SIZE_TRAIN), c.PATCH, c.VISION_WIDTH, c.VISION_LAYERS,
                            c.VISION_HEADS, cfg.MODEL.CFFA.EMBED_DIM)
    if load and c.WEIGHTS:
        tower.load_state_dict(adapt_clip_state(read_clip_state(c.WEIGHTS), "visual.", tower, tower.grid))
        logger.info("CLIP image tower loaded from %s", c.WEIGHTS)
    return tower


@register(TEXT_TOWERS, "clip")
def build_clip_text_tower(cfg, load: bool = True) -> ClipTextTower:
    """CLIP's text transformer, loaded from ``MODEL.CFFA.CLIP.WEIGHTS`` when given."""
    c = cfg.MODEL.CFFA.CLIP
    tower = ClipTextTower(c.VOCAB_SIZE, cfg.MODEL.CFFA.TEXT_LENGTH, c.TEXT_WIDTH, c.TEXT_LAYERS, c.TEXT_HEADS,
                          cfg.MODEL.CFFA.EMBED_DIM)
    if load and c.WEIGHTS:
        tower.load_state_dict(adapt_clip_state(read_clip_state(c.WEIGHTS), "", tower))
        logger.info("CLIP text tower loaded from %s", c.WEIGHTS)
    return tower
