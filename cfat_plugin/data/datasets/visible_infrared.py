"""The base of the visible-infrared readers (SYSU-MM01, RegDB): one trial's split of a published
layout, and each image's modality read from its path (``data/modality.py`` carries it into batches).

FastReID builds a data set from ``root`` alone, so a reader's options not given as keywords come from
the config (:mod:`.reader_options`): the trial from ``DATASETS.VISIBLE_INFRARED.TRIAL`` (default 1), and
each reader's own ones likewise.
"""
from __future__ import annotations

from .layout_reader import LayoutReader
from .reader_options import reader_options


def trial_option(value: object) -> int:
    """The trial: ``value``, else ``DATASETS.VISIBLE_INFRARED.TRIAL``; a clear error if it is not an integer."""
    raw = reader_options().trial if value is None else value
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"the trial (DATASETS.VISIBLE_INFRARED.TRIAL) must be an integer, got {raw!r}") from None


class VisibleInfraredReader(LayoutReader):
    """Train: both modalities; query and gallery: the draw of trial ``self.trial``, one modality each."""

    def __init__(self, root: str = "datasets", trial: int | None = None, **kwargs) -> None:
        self.trial = trial_option(trial)
        super().__init__(root, **kwargs)

    @staticmethod
    def modality_of(path: str) -> str:
        """``visible`` or ``infrared``, from an image's path in this layout."""
        raise NotImplementedError
