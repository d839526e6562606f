"""Similarity by agreeing facts: the ranking of the oracles that score a data set with no learned model.

An oracle describes each query and each gallery item by labels the generator knows (what a caption
names, what a person keeps across outfits) and ranks the gallery by how many of the query's labels
an item shares; the evaluators then score that ranking as they score a model's.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def fact_agreement(queries: Sequence[Mapping[str, object]], gallery: Sequence[Mapping[str, object]]) -> np.ndarray:
    """Queries x gallery: how many of each query's facts the gallery item has, with the same value (a fact
    the item lacks never agrees; a query naming nothing agrees with nothing)."""
    out = np.zeros((len(queries), len(gallery)))
    for key in sorted({k for q in queries for k in q}):
        code: dict = {}
        q = np.array([code.setdefault(f[key], len(code)) if key in f else -1 for f in queries])
        g = np.array([code.setdefault(f[key], len(code)) if key in f else -2 for f in gallery])
        out += q[:, None] == g[None, :]
    return out
