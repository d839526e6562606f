"""Batched torch twins of the registered corruptions: name -> ``fn(images, severity, generators)``.

A twin takes a float batch ``(N, 3, H, W)`` in 0..255 on any device, one
severity for the whole batch and one CPU ``torch.Generator`` per image (the
image's own random stream), and returns the batch in 0..255 (clipping and
the reference's uint8 truncation are done once by the caller).
"""
from typing import Callable, Dict, Sequence

import torch

TorchCorruptionFn = Callable[[torch.Tensor, int, Sequence[torch.Generator]], torch.Tensor]

_TWINS: Dict[str, TorchCorruptionFn] = {}


def register_torch_twin(name: str) -> Callable[[TorchCorruptionFn], TorchCorruptionFn]:
    """Decorator: ``fn`` is the batched torch version of the registered corruption ``name``."""

    def decorator(fn: TorchCorruptionFn) -> TorchCorruptionFn:
        if name in _TWINS and _TWINS[name] is not fn:
            raise KeyError(f"corruption {name!r} already has a torch version")
        _TWINS[name] = fn
        return fn

    return decorator


def get_torch_twin(name: str) -> TorchCorruptionFn:
    """The torch version of ``name``, or a KeyError listing those that exist."""
    try:
        return _TWINS[name]
    except KeyError:
        raise KeyError(f"corruption {name!r} has no torch version (DATASETS.CORRUPTION.TRAIN.BACKEND torch); "
                       f"available: {', '.join(sorted(_TWINS))}") from None


def torch_twins() -> tuple:
    """Names that have a torch version, in registration order."""
    return tuple(_TWINS)
