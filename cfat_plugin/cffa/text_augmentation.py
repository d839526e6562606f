"""CFFA's text augmentation (``datasets/bases.py``, ``txt_aug``): each word, with probability p, is masked
(60%), replaced by a random token (20%) or deleted (20%); the caption is then re-padded."""
from __future__ import annotations

from typing import Tuple

import torch


def augment_text(ids: torch.Tensor, words: torch.Tensor, prob: float, mask_id: int, word_ids: Tuple[int, int],
                 pad_id: int = 0, generator: torch.Generator = None) -> torch.Tensor:
    """Augmented ``ids`` of the same shape; start, end and padding untouched, random words drawn from
    ``word_ids`` (low, high)."""
    if prob <= 0:
        return ids
    picked = (torch.rand(ids.shape, generator=generator) < prob) & words.cpu()
    kind = torch.rand(ids.shape, generator=generator)
    out = ids.cpu().clone()
    out[picked & (kind < 0.6)] = mask_id
    swap = picked & (kind >= 0.6) & (kind < 0.8)
    out[swap] = torch.randint(*word_ids, (int(swap.sum()),), generator=generator)
    delete = picked & (kind >= 0.8)
    rows = []
    for row, drop in zip(out, delete):
        kept = row[~drop]
        rows.append(torch.cat([kept, torch.full((len(row) - len(kept),), pad_id, dtype=row.dtype)]))
    return torch.stack(rows).to(ids.device)
