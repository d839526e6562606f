"""The base of the visible-infrared readers (SYSU-MM01, RegDB): one trial's split of a published
layout, and each image's modality read from its path (``data/modality.py`` carries it into batches).

FastReID builds a data set from ``root`` alone, so a reader's options may also come from the
environment: the trial from ``$VIREID_TRIAL`` (default 1), and each reader's own ones likewise.
"""
from __future__ import annotations

import os

from .layout_reader import LayoutReader


def env_option(value: object, env: str, default: str) -> str:
    """``value`` as a string if given, else ``$env``, else ``default``."""
    return str(value) if value is not None else os.environ.get(env, default)


def trial_option(value: object) -> int:
    """The trial: ``value``, else ``$VIREID_TRIAL``, else 1; a clear error if it is not an integer."""
    raw = env_option(value, "VIREID_TRIAL", "1")
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"the trial (VIREID_TRIAL) must be an integer, got {raw!r}") from None


class VisibleInfraredReader(LayoutReader):
    """Train: both modalities; query and gallery: the draw of trial ``self.trial``, one modality each."""

    def __init__(self, root: str = "datasets", trial: int | None = None, **kwargs) -> None:
        self.trial = trial_option(trial)
        super().__init__(root, **kwargs)

    @staticmethod
    def modality_of(path: str) -> str:
        """``visible`` or ``infrared``, from an image's path in this layout."""
        raise NotImplementedError
