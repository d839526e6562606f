"""CUHK01 (CUHK campus, two camera views) in FastReID's DATASET_REGISTRY.

Layout read: ``<root>/cuhk01/campus/PPPPKKK.png`` (torchreid's layout), or
``<root>/campus/`` when ``root`` is the CUHK01 folder itself. ``PPPP`` is the
identity, ``KKK`` the picture: 001-002 come from camera A, 003-004 from camera B.

Split (documented and seeded, so every run and machine gets the same one): the
identities are shuffled with ``numpy.random.default_rng(split_seed)``; the first
``num_train_ids`` (default: half, rounded down) form the training set, all four
pictures each. For the remaining test identities, the camera-A pictures are the
query and the camera-B pictures the gallery, so every query has its true
matches in the gallery under the other camera.
"""
import os
import re
from typing import List, Optional, Tuple

import numpy as np
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.datasets.bases import ImageDataset

from .items import item

_NAME_PATTERN = re.compile(r"^(\d{4})(\d{3})\.png$")


def find_campus_dir(root: str) -> str:
    """The ``campus`` folder under ``root``, or a FileNotFoundError that shows the layout."""
    for candidate in (os.path.join(root, "cuhk01", "campus"), os.path.join(root, "campus")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(
        f"CUHK01 not found under {os.path.abspath(root)}. Expected layout:\n"
        f"  {root}/cuhk01/campus/00010001.png ... (PPPPKKK.png: identity PPPP, picture KKK;\n"
        f"  pictures 001-002 camera A, 003-004 camera B)\n"
        f"Set FASTREID_DATASETS (or the data set root) to the folder that holds cuhk01/.")


def list_campus_images(campus_dir: str) -> List[Tuple[str, int, int]]:
    """(path, identity, camera) for every CUHK01 picture, sorted by file name."""
    items = []
    for name in sorted(os.listdir(campus_dir)):
        match = _NAME_PATTERN.match(name)
        if match is None:
            continue
        pid, picture = int(match.group(1)), int(match.group(2))
        items.append((os.path.join(campus_dir, name), pid, 0 if picture <= 2 else 1))
    if not items:
        raise FileNotFoundError(f"No PPPPKKK.png pictures in {campus_dir}")
    return items


def split_identities(pids: List[int], split_seed: int, num_train_ids: Optional[int]) -> set:
    """The seeded set of training identities."""
    unique = sorted(set(pids))
    count = len(unique) // 2 if num_train_ids is None else num_train_ids
    if not 0 < count < len(unique):
        raise ValueError(f"num_train_ids must be between 1 and {len(unique) - 1}, got {count}")
    order = np.random.default_rng(split_seed).permutation(len(unique))
    return {unique[i] for i in order[:count]}


@DATASET_REGISTRY.register()
class CUHK01(ImageDataset):
    """CUHK01 with a seeded identity split into train / query (camera A) / gallery (camera B)."""

    dataset_name = "cuhk01"

    def __init__(self, root: str = "datasets", split_seed: int = 0,
                 num_train_ids: Optional[int] = None, **kwargs):
        self.root = root
        items = list_campus_images(find_campus_dir(root))
        train_ids = split_identities([pid for _, pid, _ in items], split_seed, num_train_ids)

        train, query, gallery = [], [], []
        for path, pid, camid in items:
            if pid in train_ids:
                train.append(item(self.dataset_name, path, pid, camid, is_train=True))
            elif camid == 0:
                query.append((path, pid, camid))
            else:
                gallery.append((path, pid, camid))
        super().__init__(train, query, gallery, **kwargs)
