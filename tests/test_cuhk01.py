"""The CUHK01 adapter on the real photos: layout, split, and FastReID's loaders."""
import os

import pytest

from cfat_plugin.data.datasets.cuhk01 import CUHK01


def test_split_is_seeded_disjoint_and_camera_separated(cuhk01_root):
    data = CUHK01(root=cuhk01_root)
    train_ids = {pid for _, pid, _ in data.train}
    test_ids = {pid for _, pid, _ in data.query}
    assert len(train_ids) == 60 and len(test_ids) == 60 and len(data.train) == 240
    assert {pid for _, pid, _ in data.gallery} == test_ids
    assert {int(p.split("_")[1]) for p in train_ids}.isdisjoint(test_ids)
    assert all(os.path.basename(path)[4:7] in ("001", "002") and cam == 0 for path, _, cam in data.query)
    assert all(os.path.basename(path)[4:7] in ("003", "004") and cam == 1 for path, _, cam in data.gallery)
    assert CUHK01(root=cuhk01_root).query == data.query
    assert CUHK01(root=cuhk01_root, split_seed=1).query != data.query


def test_reads_torchreid_layout_and_explains_a_missing_folder(cuhk01_root, tmp_path):
    os.symlink(cuhk01_root, tmp_path / "cuhk01")
    assert len(CUHK01(root=str(tmp_path)).gallery) == 120
    with pytest.raises(FileNotFoundError, match=r"cuhk01/campus/.*PPPPKKK"):
        CUHK01(root=str(tmp_path / "missing"))
