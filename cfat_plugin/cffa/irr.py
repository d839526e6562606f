"""Implicit Relation Reasoning (IRRA): masked captions reconstructed by cross-attention to the image.

Masking as IRRA's ``_build_random_masked_tokens_and_labels``: each word is picked with ``MASK_PROB``; a picked
word becomes the mask token (80%), a random word (10%) or stays (10%). Departure: a caption where no word
was picked gets one (the published code can leave a caption with no target). The head: queries the masked
text tokens, keys/values all image tokens (``nn.MultiheadAttention``, LayerNorms before), ``DEPTH`` blocks,
``ln_post``, then Linear -> QuickGELU -> LayerNorm -> Linear(vocabulary).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Tuple

import torch
from torch import nn

from .attention_blocks import QuickGELU, Transformer
from .losses.irr_loss import IGNORE


def mask_words(ids: torch.Tensor, words: torch.Tensor, prob: float, mask_id: int, word_ids: Tuple[int, int],
               generator: torch.Generator = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(masked ids, labels)``: at least one word of every caption with a word is picked; random words are
    drawn from ``word_ids`` (low, high), which holds no special token."""
    draw = torch.rand(ids.shape, generator=generator, device=ids.device)
    picked = (draw < prob) & words
    none = ~picked.any(1) & words.any(1)
    if none.any():  # force the word with the lowest draw
        forced = draw.masked_fill(~words, 2.0).argmin(1)
        picked[none, forced[none]] = True
    kind = torch.rand(ids.shape, generator=generator, device=ids.device)
    random_ids = torch.randint(*word_ids, ids.shape, generator=generator, device=ids.device)
    masked = torch.where(picked & (kind < 0.8), torch.full_like(ids, mask_id), ids)
    masked = torch.where(picked & (kind >= 0.8) & (kind < 0.9), random_ids, masked)
    return masked, torch.where(picked, ids, torch.full_like(ids, IGNORE))


class IRRHead(nn.Module):
    """Cross-attention from masked text to image tokens, a small transformer, and the vocabulary head."""

    def __init__(self, width: int, depth: int, heads: int, vocab_size: int) -> None:
        super().__init__()
        self.cross_attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_pre_t, self.ln_pre_i = nn.LayerNorm(width), nn.LayerNorm(width)
        self.cross_modal_transformer = Transformer(width, depth, heads)
        self.ln_post = nn.LayerNorm(width)
        self.mlm_head = nn.Sequential(OrderedDict([("dense", nn.Linear(width, width)), ("gelu", QuickGELU()),
                                                   ("ln", nn.LayerNorm(width)), ("fc", nn.Linear(width, vocab_size))]))

    def forward(self, text_tokens: torch.Tensor, image_tokens: torch.Tensor,
                positions: torch.Tensor = None) -> torch.Tensor:
        """Vocabulary logits: ``(B, L, vocab)``, or ``(P, vocab)`` at the ``positions`` (bool ``(B, L)``) only.

        IRRA projects every position and scores the masked ones; projecting only those gives the same loss
        without the ``B x L x vocab`` tensor (most of a CPU step's time and memory)."""
        image = self.ln_pre_i(image_tokens)
        x, _ = self.cross_attn(self.ln_pre_t(text_tokens), image, image, need_weights=False)
        x, _ = self.cross_modal_transformer(x)
        x = self.ln_post(x)
        return self.mlm_head(x if positions is None else x[positions])
