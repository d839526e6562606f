"""FastReID's data set item, ``(path, pid, camid)``, and the one rule for labelling training items.

FastReID prefixes a training item's pid and camid with its data set's name so that several
training sets can be combined without their labels colliding; query and gallery items keep
plain ids, which the evaluator compares. Every reader of this package builds its items here.
"""
from __future__ import annotations

Item = tuple[str, "int | str", "int | str"]


def item(dataset_name: str, path: str, pid: int, camid: int, is_train: bool) -> Item:
    """``(path, pid, camid)``; for a training item ``"<dataset_name>_<pid>"`` and ``"<dataset_name>_<camid>"``."""
    if is_train:
        return path, f"{dataset_name}_{pid}", f"{dataset_name}_{camid}"
    return path, pid, camid
