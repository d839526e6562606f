"""One caption batch of fixed length, as both tokenizers lay it out (IRRA's ``tokenize``)."""
from __future__ import annotations

from typing import Callable, List

import torch


def fixed_length(texts: List[str], encode: Callable[[str], List[int]], start: int, end: int, pad: int,
                 context_length: int) -> torch.Tensor:
    """``(len(texts), context_length)`` ids: start, the caption, end (kept as the last token when a caption is
    cut), then ``pad``."""
    out = torch.full((len(texts), context_length), pad, dtype=torch.long)
    for row, text in enumerate(texts):
        ids = [start] + encode(text) + [end]
        if len(ids) > context_length:
            ids = ids[:context_length]
            ids[-1] = end
        out[row, :len(ids)] = torch.tensor(ids)
    return out
