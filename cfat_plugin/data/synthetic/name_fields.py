"""The integer fields of a file name or path, by a layout's pattern, with one error for a malformed one.

Each layout (Market, LTCC, MLR-CUHK03, SYSU-MM01) writes and parses its own names; what they share is
this step, so that every reader refuses a foreign name the same way, naming the format it wanted.
"""
from __future__ import annotations

import re


def int_fields(pattern: re.Pattern, text: str, what: str, want: str, search: bool = False) -> tuple[int, ...]:
    """The pattern's groups as ints (``search``: anywhere in ``text``, else from its start);
    ``ValueError("not <what>: <text> (want <want>)")`` when it does not match."""
    match = (pattern.search if search else pattern.match)(text)
    if match is None:
        raise ValueError(f"not {what}: {text!r} (want {want})")
    return tuple(int(g) for g in match.groups())
