"""Import-time shims: names FastReID 1.4.0 imports that today's Python, torch and NumPy removed.

These must be installed before the first ``import fastreid``; the rest of the
fixes patch FastReID's modules after import (see :mod:`cfat_plugin.compat`).
"""
import collections
import collections.abc
import math
import sys
import types

import numpy as np


def shim_torch_six() -> None:
    """Provide ``torch._six`` (removed in torch 2.0).

    Symptom: ``import fastreid.data`` fails with
    ``ModuleNotFoundError: No module named 'torch._six'`` (fastreid/data/build.py
    imports ``string_classes`` from it).
    """
    if "torch._six" in sys.modules:
        return
    import torch

    six = types.ModuleType("torch._six")
    six.string_classes = (str, bytes)
    six.int_classes = (int,)
    six.container_abcs = collections.abc
    six.inf = math.inf
    six.nan = math.nan
    sys.modules["torch._six"] = six
    torch._six = six


def shim_collections_abc_aliases() -> None:
    """Re-expose ``collections.Mapping`` & co. (removed in Python 3.10).

    Symptom: ``ImportError: cannot import name 'Mapping' from 'collections'`` in
    fastreid/data/build.py.
    """
    for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


def shim_numpy_aliases() -> None:
    """Restore ``np.bool``/``np.int``/``np.float``/``np.object`` where NumPy dropped them.

    Symptom: ``AttributeError: module 'numpy' has no attribute 'bool'`` in
    ``fastreid.evaluation.rank.eval_cuhk03`` on NumPy 1.24-1.26 (NumPy 2 brought
    ``np.bool`` back as ``np.bool_``; ``np.int``/``np.float`` stay removed).
    """
    aliases = {"bool": np.bool_, "int": int, "float": float, "object": object}
    for name, value in aliases.items():
        if name not in np.__dict__:
            setattr(np, name, value)


IMPORT_SHIMS = (shim_torch_six, shim_collections_abc_aliases, shim_numpy_aliases)


def install_import_shims() -> None:
    """Install every import-time shim (idempotent)."""
    for shim in IMPORT_SHIMS:
        shim()
