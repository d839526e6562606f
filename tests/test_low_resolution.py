"""MLR-CUHK03, MLR-VIPeR and CAVIAR read in the published layout, and the low-resolution flag in batches."""
import logging
import os

import pytest

import cfat_plugin  # noqa: F401  (compat fixes and registrations before FastReID)
from fastreid.data.datasets import DATASET_REGISTRY

from cfat_plugin.data.resolution import LowResolutionDataset
from cfat_plugin.data.synthetic.layouts import mlr
from real_layouts import make_low_resolution


@pytest.mark.parametrize("reader, folder", [
    ("MLRCUHK03", "MLR-CUHK03"),  # the code's README
    ("MLRCUHK03", "MLR_CUHK03"),  # what its code reads (dataset_info)
    ("MLRVIPeR", "MLR_VIPER"),
    ("MLRVIPeR", "MLR-VIPeR"),
    ("CAVIAR", "CAVIAR"),
])
def test_readers_take_the_published_layout_and_both_spellings(tmp_path, reader, folder):
    layout = make_low_resolution(str(tmp_path), folder)
    data = DATASET_REGISTRY.get(reader)(root=str(tmp_path))
    name = data.dataset_name
    assert data.dataset_dir == os.path.join(str(tmp_path), folder) and data.test_protocol == "single_shot"
    for split, items in (("train", data.train), ("val", data.val), ("query", data.query), ("gallery", data.gallery)):
        assert sorted(os.path.basename(p) for p, _, _ in items) == layout.names(split)
        for path, pid, cam in items:
            _, true_pid, true_cam = layout.images[os.path.basename(path)]
            labelled = split in ("train", "val")  # labelled as FastReID's training items
            assert (pid, cam) == ((f"{name}_{true_pid}", f"{name}_{true_cam}") if labelled else (true_pid, true_cam))
            assert data.is_low_resolution(path) == (true_cam == 0)  # the published rule: camera c0
            assert data.factor_of(path) == 1  # no factors.csv in a published copy
    assert {pid for _, pid, _ in data.val} <= {pid for _, pid, _ in data.train}


def test_val_is_optional_and_a_missing_folder_names_both_spellings(tmp_path):
    make_low_resolution(str(tmp_path), "MLR_CUHK03", val=False)
    assert DATASET_REGISTRY.get("MLRCUHK03")(root=str(tmp_path)).val == []
    with pytest.raises(FileNotFoundError, match=r"MLR-CUHK03 or .*MLR_CUHK03 not found.*c<cam>"):
        DATASET_REGISTRY.get("MLRCUHK03")(root=str(tmp_path / "elsewhere"))


def test_factors_file_decides_where_present_and_an_old_naming_is_reported(tmp_path, caplog):
    layout = make_low_resolution(str(tmp_path), train_ids=(3,), test_ids=(5,), val=False)
    rows = [f"train/0003/{n},3,{cam},{2 if cam == 0 else 1}" for n in layout.names("train")
            for cam in [layout.images[n][2]]]
    rows[0] = rows[0].rsplit(",", 1)[0] + ",1"  # a c0 image kept at full size (the factors (1,) control set)
    (tmp_path / "MLR-CUHK03" / mlr.FACTORS_FILE).write_text("path,pid,camid,factor\n" + "\n".join(rows) + "\n")
    data = DATASET_REGISTRY.get("MLRCUHK03")(root=str(tmp_path))
    flags = {os.path.basename(p): data.is_low_resolution(p) for p, _, _ in data.train}
    assert flags == {"00003_c0_00000.jpg": False, "00003_c0_00001.jpg": True,
                     "00003_c1_00002.jpg": False, "00003_c1_00003.jpg": False}
    assert "not named c0" not in caplog.text
    rows[-1] = rows[-1].rsplit(",", 1)[0] + ",3"  # a down-sampled c1 image: generated before the published naming
    (tmp_path / "MLR-CUHK03" / mlr.FACTORS_FILE).write_text("path,pid,camid,factor\n" + "\n".join(rows) + "\n")
    with caplog.at_level(logging.WARNING):
        DATASET_REGISTRY.get("MLRCUHK03")(root=str(tmp_path))
    assert "1 low-resolution images are not named c0 (e.g. train/0003/00003_c1_00003.jpg)" in caplog.text


def test_low_resolution_flag_reaches_the_training_batch(tmp_path):
    from fastreid.config import get_cfg
    from fastreid.data.build import build_reid_train_loader
    from fastreid.data.samplers import InferenceSampler
    from fastreid.data.transforms import build_transforms

    make_low_resolution(str(tmp_path))
    data = DATASET_REGISTRY.get("MLRCUHK03")(root=str(tmp_path))
    cfg = get_cfg()
    cfg.INPUT.SIZE_TRAIN = [32, 16]
    cfg.DATALOADER.NUM_WORKERS = 0
    cfg.SOLVER.IMS_PER_BATCH = 8
    train_set = LowResolutionDataset(data.train, data.is_low_resolution, build_transforms(cfg, is_train=True))
    assert train_set.low_resolution == [int(data.is_low_resolution(p)) for p, _, _ in data.train]
    loader = build_reid_train_loader(cfg, train_set=train_set, sampler=InferenceSampler(len(train_set)))
    batch = next(iter(loader))
    assert batch["images"].shape[1:] == (3, 32, 16)  # small c0 images resized like the others
    expected = [int("_c0_" in os.path.basename(p)) for p in batch["img_paths"]]
    assert batch["low_resolution"].tolist() == expected and 0 < sum(expected) < len(expected)
