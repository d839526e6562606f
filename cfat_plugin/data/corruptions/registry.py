"""The corruption registry: name -> implementation, grouped in families.

Callers only ever name a corruption (``corrupt(image, "fog", 3, seed)``), so a
new family (a low-resolution recipe of another method, say) is one
``register_corruption`` call away and needs no change in any caller.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

# (RGB uint8 HxWx3 image, severity, 32-bit seed) -> image of the same size; may
# return float or uint8, ``corrupt`` converts and checks.
CorruptionFn = Callable[[np.ndarray, int, int], np.ndarray]


@dataclass(frozen=True)
class CorruptionInfo:
    """One registered corruption.

    ``min_size``: the smallest height/width the implementation handles;
    smaller images are enlarged to it for the corruption and shrunk back.
    """

    name: str
    fn: CorruptionFn
    family: str
    severities: Tuple[int, ...] = (1, 2, 3, 4, 5)
    min_size: int = 1


_REGISTRY: Dict[str, CorruptionInfo] = {}


def register_corruption(name: str, *, family: str, severities: Tuple[int, ...] = (1, 2, 3, 4, 5),
                        min_size: int = 1) -> Callable[[CorruptionFn], CorruptionFn]:
    """Decorator registering ``fn(image, severity, seed)`` under ``name``."""
    if not severities or any(int(s) != s for s in severities):
        raise ValueError(f"severities of {name!r} must be a non-empty tuple of ints, got {severities!r}")

    def decorator(fn: CorruptionFn) -> CorruptionFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise KeyError(f"corruption {name!r} is already registered (family {_REGISTRY[name].family!r})")
        _REGISTRY[name] = CorruptionInfo(name, fn, family, tuple(int(s) for s in severities), int(min_size))
        return fn

    return decorator


def get_corruption(name: str) -> CorruptionInfo:
    """The registered corruption ``name``, or a KeyError listing the known names."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown corruption {name!r}; registered: {', '.join(sorted(_REGISTRY))}") from None


def available_corruptions(family: Optional[str] = None) -> Tuple[str, ...]:
    """Registered names (of one family, if given), in registration order."""
    return tuple(n for n, info in _REGISTRY.items() if family is None or info.family == family)
