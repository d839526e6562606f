"""RegDB for visible-thermal ReID, and its generated twin.

``RegDBVI`` reads a folder in RegDB's own layout through its index files
only (``idx/{train,test}_{visible,thermal}_<trial>.txt``, lines
``Visible/<pid>/<file> <label>``; see ``synthetic/layouts/regdb.py``). Train:
both modalities of the trial's train ids. Test: one modality is the query,
the other the gallery (``query="visible"``: visible to thermal, the direction
most papers report first; ``"thermal"``: thermal to visible). Camera ids: 0
visible, 1 thermal.

``SynthRegDB`` generates the ``regdb`` SynthReID preset into
``<root>/SynthReID-regdb-s<seed>`` on first use, then reads it the same way.
Options (kwargs, else the config, :mod:`.reader_options`): ``trial`` (``DATASETS.VISIBLE_INFRARED.TRIAL``,
default 1), ``query`` (``DATASETS.REGDB.QUERY``), ``seed`` (``DATASETS.SYNTHREID.SEED``), ``preset``
(``DATASETS.SYNTHREID.PRESET.REGDB``).
Each image's modality: :meth:`RegDBVI.modality_of` (see ``data/modality.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import regdb
from .items import item
from .layout_reader import Split
from .synthreid import GeneratedPreset
from .reader_options import reader_options
from .visible_infrared import VisibleInfraredReader

__all__ = ["RegDBVI", "SynthRegDB"]

_CAMID = {"visible": 0, "thermal": 1}


@DATASET_REGISTRY.register()
class RegDBVI(VisibleInfraredReader):
    """RegDB, one trial's train and test ids, visible and thermal (module docstring)."""

    dataset_dir, dataset_name = "RegDB", "regdbvi"

    def __init__(self, root: str = "datasets", trial: int | None = None, query: str | None = None, **kwargs) -> None:
        self.query_modality = reader_options().regdb_query if query is None else query
        if self.query_modality not in _CAMID:
            raise ValueError(f"RegDB query modality (DATASETS.REGDB.QUERY) must be 'visible' or 'thermal', got "
                             f"{self.query_modality!r}")
        super().__init__(root, trial, **kwargs)

    def read(self, folder: str) -> Split:
        trial = self.trial
        files = {(split, mod): os.path.join(folder, regdb.index_file(split, "visible" if mod == "visible" else
                                                                      "infrared", trial))
                 for split in ("train", "test") for mod in _CAMID}
        self.check_before_run([folder] + sorted(files.values()))

        def items(split: str, mod: str) -> list[tuple[str, int, int]]:
            lines = regdb.read_index(files[split, mod])
            return [(os.path.join(folder, rel), label, _CAMID[mod]) for rel, label in lines]

        train = [item(self.dataset_name, p, label, cam, is_train=True)
                 for mod in _CAMID for p, label, cam in items("train", mod)]
        query = self.query_modality
        return train, items("test", query), items("test", "thermal" if query == "visible" else "visible")

    @staticmethod
    def modality_of(path: str) -> str:
        """``infrared`` for images under ``Thermal/``, ``visible`` for those under ``Visible/``."""
        parts = Path(path).parts
        if "Thermal" in parts:
            return "infrared"
        if "Visible" in parts:
            return "visible"
        raise ValueError(f"not a RegDB image path: {path!r} (want .../Visible/... or .../Thermal/...)")


@DATASET_REGISTRY.register()
class SynthRegDB(GeneratedPreset, RegDBVI):
    """The ``regdb`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.REGDB``), generated on first use, read as
    RegDB."""

    dataset_name = "synthregdb"
    layout = "regdb"
