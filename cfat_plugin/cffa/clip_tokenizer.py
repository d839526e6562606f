"""CLIP's byte-level BPE tokenizer with IRRA's mask token, reading the vocabulary shipped in open-clip-torch.

As IRRA's: the last merge of the 49,152-line vocabulary is dropped so that ``<|mask|>`` fits and the
vocabulary stays 49,408 (mask 49405, start 49406, end 49407); a caption is ``[SOT] tokens [EOT]`` padded
with 0 to the context length, and a longer one is cut with EOT kept as its last token. Departure: text is
cleaned with ``html.unescape`` and whitespace folding only (CLIP also runs ``ftfy``, not installed here).
"""
from __future__ import annotations

import functools
import gzip
import html
import re
from typing import List

import torch

from .token_batches import fixed_length
from .weights_packages import CLIP_VOCAB, shipped_file

VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
MERGES = 49152 - 256 - 2  # merges CLIP keeps; IRRA keeps one fewer to make room for <|mask|>
SOT, EOT, MASK = "<|startoftext|>", "<|endoftext|>", "<|mask|>"
# CLIP's pattern, with \p{L} and \p{N} written for the standard library's re
PATTERN = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+",
                     re.IGNORECASE)


@functools.lru_cache()
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (so BPE never sees whitespace or control bytes)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


class ClipTokenizer:
    """Caption -> ids of CLIP's text tower (``encode``), batches of fixed length (``__call__``)."""

    def __init__(self, vocab_path: str = "", context_length: int = 77) -> None:
        path = vocab_path or shipped_file(CLIP_VOCAB, VOCAB_FILE)
        merges = gzip.open(path).read().decode("utf-8").split("\n")[1:MERGES]  # IRRA's MERGES - 1
        merges = [tuple(m.split()) for m in merges]
        byte_chars = list(bytes_to_unicode().values())
        vocab = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m) for m in merges] + [MASK, SOT, EOT]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.decoder = {i: token for token, i in self.encoder.items()}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.context_length = context_length
        self.sot, self.eot, self.mask = self.encoder[SOT], self.encoder[EOT], self.encoder[MASK]
        self.pad = 0
        self.vocab_size = len(vocab)
        self.special = (self.sot, self.eot, self.pad)  # never masked, augmented or selected
        self.word_ids = (1, self.mask)  # random replacements are drawn here (IRRA: no pad, mask, SOT or EOT)
        self._cache: dict[str, str] = {}

    def bpe(self, word: str) -> List[str]:
        """One pre-token's BPE pieces (merges applied lowest rank first)."""
        if word in self._cache:
            return self._cache[word]
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = {(parts[i], parts[i + 1]) for i in range(len(parts) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        self._cache[word] = parts
        return parts

    def encode(self, text: str) -> List[int]:
        """The ids of ``text`` without SOT/EOT."""
        text = re.sub(r"\s+", " ", html.unescape(html.unescape(text))).strip().lower()
        ids = []
        for token in PATTERN.findall(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[piece] for piece in self.bpe(token))
        return ids

    def __call__(self, texts: List[str]) -> torch.Tensor:
        """``(len(texts), context_length)`` ids: SOT, the caption, EOT (kept when cut), zeros."""
        return fixed_length(texts, self.encode, self.sot, self.eot, self.pad, self.context_length)
