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


@pytest.mark.parametrize("reader", ["CUHK01", "TorchreidCUHK01"])
def test_whole_cuhk01_splits_485_train_486_test_identities(cuhk01_root, reader, tmp_path, monkeypatch):
    """The whole data set (971 identities x 4 pictures) beside the sample: the usual 485 / 486 split,
    by this plugin's adapter and by torchreid's reader alike, the same on every run."""
    from fastreid.data.datasets import DATASET_REGISTRY

    root = os.path.join(os.path.dirname(cuhk01_root), "cuhk01")
    assert os.path.isdir(os.path.join(root, "campus")), f"the whole CUHK01 belongs beside the sample, at {root}"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # torchreid's split file goes to a fresh place
    data = DATASET_REGISTRY.get(reader)(root=root)
    train_ids, test_ids = {pid for _, pid, _ in data.train}, {pid for _, pid, _ in data.query}
    assert (len(train_ids), len(data.train)) == (485, 1940)
    assert (len(test_ids), len(data.query), len(data.gallery)) == (486, 972, 972)
    assert {pid for _, pid, _ in data.gallery} == test_ids
    assert DATASET_REGISTRY.get(reader)(root=root).query == data.query
