"""Start-up check: SIE's camera table has a row for every camera id the run feeds it.

The ViT's SIE embedding is a table of ``MODEL.BACKBONE.SIE_CAMERAS`` rows
indexed by camera id. A test set whose ids go past the table would fail only
at the first evaluation, hours into training; this check runs before training
(on the training ids and every test set's) and before evaluating.
"""
from typing import Dict, Iterable, Set

from fastreid.config import CfgNode


class SIECameraError(ValueError):
    """A camera id has no row in SIE's camera table."""


def sie_table_size(cfg: CfgNode) -> int:
    """Rows of the SIE camera table; 0 when SIE is off."""
    backbone = cfg.MODEL.BACKBONE
    rows = int(backbone.get("SIE_CAMERAS", 0))
    return rows if rows > 0 and float(backbone.get("SIE_COE", 0.0)) != 0 else 0


def check_sie_covers(cfg: CfgNode, camera_ids: Dict[str, Iterable[int]]) -> None:
    """Raise :class:`SIECameraError` unless every id in ``camera_ids`` (per set) is a row of the table."""
    rows = sie_table_size(cfg)
    if rows == 0:
        return
    outside = {}
    for name, ids in camera_ids.items():
        ids = sorted({int(i) for i in ids})
        bad = [i for i in ids if not 0 <= i < rows]
        if bad:
            outside[name] = (bad, ids)
    if outside:
        needed = 1 + max(max(ids) for _, ids in outside.values())
        detail = "; ".join(f"{name} has camera ids {ids[0]}..{ids[-1]} ({len(ids)} cameras), "
                           f"{bad} outside the table" for name, (bad, ids) in outside.items())
        raise SIECameraError(
            f"MODEL.BACKBONE.SIE_CAMERAS = {rows} gives SIE camera ids 0..{rows - 1}, but {detail}. "
            f"Set MODEL.BACKBONE.SIE_CAMERAS to at least {needed} (or SIE_CAMERAS 0 to turn SIE off).")


def training_camera_ids(train_set) -> Set[int]:
    """The ids a training ``CommDataset`` gives its cameras (what reaches SIE)."""
    if getattr(train_set, "relabel", False):
        return set(train_set.cam_dict.values())
    return {item[2] for item in train_set.img_items}


def camera_ids_of_test_set(name: str, root: str) -> Set[int]:
    """Camera ids of the query and gallery of the registered data set ``name`` (a ``*C`` set: its base's)."""
    from fastreid.data.datasets import DATASET_REGISTRY

    data = DATASET_REGISTRY.get(name)(root=root)
    data = getattr(data, "base", data)  # a corrupted set has its base's cameras; do not corrupt anything here
    return {int(item[2]) for item in data.query + data.gallery}


def check_sie_for_run(cfg: CfgNode, train_set) -> None:
    """Before training: the training set's camera ids and those of every ``DATASETS.TESTS`` set."""
    if sie_table_size(cfg) == 0:
        return
    import fastreid.data.build as data_build

    ids = {"the training set " + "+".join(cfg.DATASETS.NAMES): training_camera_ids(train_set)}
    for name in dict.fromkeys(cfg.DATASETS.TESTS):
        ids[f"the test set {name}"] = camera_ids_of_test_set(name, data_build._root)
    check_sie_covers(cfg, ids)
