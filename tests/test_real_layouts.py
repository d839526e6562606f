"""Market-1501, CUHK03 and MSMT17 in their real layouts, read through the project's CFAT configs.

The folders are generated (tests/real_layouts.py) with the real folder and file
names; what the configs' loaders return is checked against what was written:
identities, cameras (the ids SIE sees in training and at test time) and splits.
"""
import os
import re

import pytest

from cfat_plugin.engine import ReIDTrainer, apply_runtime_config, load_config
from cfat_plugin.engine.sie_check import SIECameraError
from real_layouts import CUHK03_SLOTS, MSMT17_DIRS, make_cuhk03, make_market1501, make_msmt17

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def _restore_runtime_config():
    """Each test points FastReID at its own folder and CUHK03 protocol; put the defaults back after."""
    yield
    apply_runtime_config(load_config())


def project_cfg(name: str, root, *opts: str):
    """``projects/CFAT/<name>.yml`` on the generated data, small batches, no loader processes."""
    cfg = load_config(os.path.join(REPO, "projects", "CFAT", f"{name}.yml"), [
        "DATASETS.ROOT", str(root), "SOLVER.IMS_PER_BATCH", "8", "DATALOADER.NUM_INSTANCE", "2",
        "DATALOADER.NUM_WORKERS", "0", *opts])
    apply_runtime_config(cfg)
    return cfg


def train_cameras(train_set) -> dict:
    """File name -> camera id the training loader gives it (what SIE sees)."""
    return {os.path.basename(path): train_set.cam_dict[camid] for path, _, camid in train_set.img_items}


def evaluation_sets(cfg) -> dict:
    """Name -> (query items, gallery items) of the config's clean test sets, through the test loader.

    The corrupted ``*C`` copies are left out: building them computes corruptions
    (and fills the corruption cache); their base is the clean set checked here.
    """
    out = {}
    for name in (n for n in cfg.DATASETS.TESTS if not n.endswith("C")):
        loader, num_query = ReIDTrainer.build_test_loader(cfg, name)
        items = loader.dataset.img_items
        out[name] = (items[:num_query], items[num_query:])
    return out


# ---------------------------------------------------------------- Market-1501

@pytest.mark.parametrize("config", ["market_teacher", "market"])
def test_market1501_layout_through_the_configs(tmp_path, config):
    layout = make_market1501(str(tmp_path))
    cfg = project_cfg(config, tmp_path)
    train_set = ReIDTrainer.build_train_loader(cfg).dataset
    assert train_set.num_classes == len(layout.train_ids) == 8
    assert train_cameras(train_set) == {name: cam - 1 for name, cam in layout.train_cameras.items()}
    sample = train_set[0]
    assert sample["camids"] == layout.train_cameras[os.path.basename(train_set.img_items[0][0])] - 1

    query, gallery = evaluation_sets(cfg)["Market1501"]
    assert sorted(pid for _, pid, _ in query) == sorted(layout.test_ids)
    assert sorted({pid for _, pid, _ in gallery}) == [0] + sorted(layout.test_ids)  # distractors kept, junk not
    for path, pid, camid in query + gallery:
        name_pid, name_cam = (int(v) for v in re.match(r"(-?\d+)_c(\d)", os.path.basename(path)).groups())
        assert (pid, camid) == (name_pid, name_cam - 1)
    assert len(gallery) == 3 * len(layout.test_ids) + 1


def test_market1501_sie_table_too_small_is_a_start_up_error(tmp_path):
    make_market1501(str(tmp_path))
    cfg = project_cfg("market_teacher", tmp_path, "MODEL.BACKBONE.SIE_CAMERAS", "5")
    with pytest.raises(SIECameraError, match=r"SIE_CAMERAS = 5 .*training set Market1501 has camera ids 0\.\.5.*"
                                             r"\[5\].*at least 6"):
        ReIDTrainer.build_train_loader(cfg)


# ---------------------------------------------------------------- CUHK03

@pytest.mark.parametrize("labeled", [None, False, True])
def test_cuhk03_layout_detected_or_labeled(tmp_path, labeled):
    layout = make_cuhk03(str(tmp_path))
    opts = [] if labeled is None else ["DATASETS.CUHK03.LABELED", str(labeled)]
    cfg = project_cfg("cuhk03_teacher", tmp_path, *opts)
    box = "labeled" if labeled else "detected"  # the config's default: detected, as published
    per_person = len(CUHK03_SLOTS[box])

    train_set = ReIDTrainer.build_train_loader(cfg).dataset
    assert train_set.num_classes == len(layout.train_people) == 4
    assert len(train_set) == per_person * len(layout.train_people)
    assert all(f"images_{box}" in path for path, _, _ in train_set.img_items)
    expected = {name: int(name.split("_")[2]) - 1 for person in layout.train_people
                for name in layout.files[box][person]}
    assert train_cameras(train_set) == expected  # view 1 -> 0, view 2 -> 1, as at test time
    assert train_set[0]["images"].float().mean() > 0  # the PNG extracted from cuhk-03.mat is read

    query, gallery = evaluation_sets(cfg)["CUHK03"]
    pairs_people = {person: label for label, person in enumerate(
        [(p, q) for p in range(1, 3) for q in range(1, 5)], start=1)}
    test_labels = sorted(pairs_people[p] for p in layout.test_people)
    assert sorted({pid for _, pid, _ in query}) == sorted({pid for _, pid, _ in gallery}) == test_labels
    assert len(query) == 2 * len(layout.test_people)  # one picture per view per person
    assert len(gallery) == (per_person - 2) * len(layout.test_people)
    assert {camid for _, _, camid in query} == {0, 1}
    for path, _, camid in query + gallery:
        assert f"images_{box}" in path and camid == int(os.path.basename(path).split("_")[2]) - 1


def test_cuhk03_student_config_reads_detected_boxes_in_both_test_sets(tmp_path):
    make_cuhk03(str(tmp_path))
    cfg = project_cfg("cuhk03", tmp_path)
    assert cfg.DATASETS.CUHK03.LABELED is False and cfg.DATASETS.CUHK03.CLASSIC_SPLIT is False
    train_set = ReIDTrainer.build_train_loader(cfg).dataset  # the paired clean/corrupted loader
    assert all("images_detected" in path for path, _, _ in train_set.img_items)
    from fastreid.data.datasets import DATASET_REGISTRY

    corrupted = DATASET_REGISTRY.get("CUHK03C")(root=str(tmp_path))
    assert corrupted.base.protocol.labeled is False
    assert [item[:3] for item in corrupted.base.query] == [item[:3] for item in evaluation_sets(cfg)["CUHK03"][0]]


# ---------------------------------------------------------------- MSMT17

@pytest.mark.parametrize("version", sorted(MSMT17_DIRS))
def test_msmt17_layout_cameras_equal_in_training_and_test(tmp_path, version):
    layout = make_msmt17(str(tmp_path), version)
    cfg = project_cfg("msmt17_teacher", tmp_path)
    train_dir, test_dir = MSMT17_DIRS[version]

    train_set = ReIDTrainer.build_train_loader(cfg).dataset
    assert train_set.num_classes == 15 and len(train_set) == len(layout.train)  # list_val held out
    assert all(f"{version}/{train_dir}/" in path for path, _, _ in train_set.img_items)
    by_name = {os.path.basename(path): cam - 1 for path, _, cam in layout.train}
    assert train_cameras(train_set) == by_name
    assert sorted(set(by_name.values())) == list(range(15))

    query, gallery = evaluation_sets(cfg)["MSMT17"]
    test_ids = {os.path.basename(path): camid for path, _, camid in query + gallery}
    assert test_ids == {os.path.basename(path): cam - 1 for path, _, cam in layout.query + layout.gallery}
    # the same camera has the same id in both readers: camera 11 ("_11_" in the name) is 10 in each
    train_11 = {c for name, c in train_cameras(train_set).items() if name.split("_")[2] == "11"}
    test_11 = {c for name, c in test_ids.items() if name.split("_")[2] == "11"}
    assert train_11 == test_11 == {10}
    sample = train_set[[os.path.basename(p) for p, _, _ in train_set.img_items].index(
        next(name for name in by_name if name.split("_")[2] == "11"))]
    assert sample["camids"] == 10
    # test identities come after the 15 training labels, and query and gallery share them
    assert sorted({pid for _, pid, _ in query}) == sorted({pid for _, pid, _ in gallery}) == list(range(15, 20))
    assert all(f"{version}/{test_dir}/" in path for path, _, _ in query + gallery)


def test_msmt17_sie_table_must_cover_fifteen_cameras(tmp_path):
    make_msmt17(str(tmp_path))
    ok = project_cfg("msmt17", tmp_path)
    assert ok.MODEL.BACKBONE.SIE_CAMERAS == 15
    ReIDTrainer.build_train_loader(ok)  # covers every train and test camera
    small = project_cfg("msmt17", tmp_path, "MODEL.BACKBONE.SIE_CAMERAS", "12")
    with pytest.raises(SIECameraError, match=r"test set MSMT17 has camera ids 0\.\.14 \(15 cameras\), "
                                             r"\[12, 13, 14\] outside.*at least 15"):
        ReIDTrainer.build_train_loader(small)
