"""Replacing one name of FastReID, once, keeping the original for the symptom tests.

Every fix in ``compat/`` patches through :func:`wrap_method_once`: a method of a FastReID class, or a
function or class of a FastReID module. The replacement carries the original it replaced
(``__compat_original__``), so applying a fix twice changes nothing and a test reaches FastReID's own
code with :func:`original_of` to show the symptom the fix cures.
"""
from typing import Any, Callable, Iterable


def wrap_method_once(owner: Any, name: str, make: Callable[[Any], Any], also: Iterable[Any] = ()) -> Any:
    """Set ``owner.name`` to ``make(original)`` (unless this already did); return the original.

    ``owner`` is a class or a module; ``also`` lists further modules that imported the same object
    under the same name (FastReID reads some names from several modules) and get the replacement too.
    A replacement that stands for a function says so with ``functools.wraps(original)`` in ``make``.
    """
    current = getattr(owner, name)
    original = getattr(current, "__compat_original__", None)
    if original is not None:
        return original
    replacement = make(current)
    replacement.__compat_original__ = current
    for holder in (owner, *also):
        setattr(holder, name, replacement)
    return current


def original_of(owner: Any, name: str) -> Any:
    """FastReID's own ``owner.name``, as it was before :func:`wrap_method_once` replaced it."""
    original = getattr(getattr(owner, name), "__compat_original__", None)
    if original is None:
        raise LookupError(f"{getattr(owner, '__name__', owner)}.{name} is not patched by cfat_plugin.compat")
    return original
