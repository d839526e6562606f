"""Replacing one method of a FastReID class, once, keeping the original for the symptom tests."""
import functools
from typing import Callable


def wrap_method_once(owner: type, name: str, make: Callable[[Callable], Callable]) -> Callable:
    """Set ``owner.name`` to ``make(original)`` (unless this already did); return the original method."""
    current = getattr(owner, name)
    original = getattr(current, "__compat_original__", None)
    if original is not None:
        return original
    replacement = functools.wraps(current)(make(current))
    replacement.__compat_original__ = current
    setattr(owner, name, replacement)
    return current
