"""DIL's bad input: one line naming the key, exit 2, before anything trains."""
import os

import pytest
import torch

import cfat_plugin  # noqa: F401
from cfat_plugin.engine import apply_runtime_config, load_config
from cfat_plugin.engine.validate import SettingsError, check_settings
from cfat_plugin.utils.errors import QueryWithoutMatchError, StageWeightsError, TrainingDataError
from conftest import run_tool
from real_layouts import make_low_resolution, make_market1501

STAGE1 = "projects/DIL/synth_mlr_r18_stage1.yml"
STAGE2 = "projects/DIL/synth_mlr_r18.yml"


def _problems(path: str, *opts: str, training: bool = True) -> list:
    try:
        check_settings(load_config(path, list(opts)), training=training)
    except SettingsError as error:
        return error.problems
    return []


@pytest.mark.parametrize("low_high", ["[1.0, 3.0]", "[5.0, 3.0]", "[0.5, 2.0]"])
def test_a_downsampling_range_outside_one_below_low_below_high_is_named(low_high):
    problems = _problems(STAGE1, "MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.DIL.DEGRADATION.DOWNSAMPLE", low_high)
    assert problems == [f"MODEL.DIL.DEGRADATION.DOWNSAMPLE: {low_high.replace(' ', ' ')} is not a down-sampling "
                        f"range: it needs 1 < low <= high (published [3, 5])"]


def test_stage2_without_stage1_weights_stops_before_anything_is_read(tmp_path):
    base = ["MODEL.DIL.BASELINE_WEIGHTS", ""]
    assert _problems(STAGE2, *base, "MODEL.DIL.STAGE1_WEIGHTS", "") == [
        "MODEL.DIL.STAGE1_WEIGHTS: empty; stage II starts from stage I: train it first (its config's "
        "OUTPUT_DIR/model_final.pth)"]
    missing = str(tmp_path / "stage1.pth")
    assert _problems(STAGE2, *base, "MODEL.DIL.STAGE1_WEIGHTS", missing) == [
        f"MODEL.DIL.STAGE1_WEIGHTS: file not found: {missing}; train stage I first"]
    assert _problems(STAGE2, *base, "MODEL.DIL.STAGE1_WEIGHTS", "", training=False) == []  # --eval-only needs none
    assert _problems(STAGE2, *base, "MODEL.DIL.STAGE1_WEIGHTS", missing, "MODEL.DIL.REPLAY.MODE", "banks")[0] == \
        "MODEL.DIL.REPLAY.MODE: 'banks'; valid: bank, shuffle, synthetic"


def test_stage2_without_stage1_start_reads_stage1_only_for_a_replay_through_its_networks():
    base = ["MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.DIL.STAGE1_WEIGHTS", "", "MODEL.DIL.STAGE1_INIT", "False"]
    assert _problems(STAGE2, *base, "MODEL.DIL.REPLAY.KL", "0.0") == []  # the dual branch alone
    assert _problems(STAGE2, *base, "MODEL.DIL.REPLAY.MODE", "synthetic") == []  # deg(x): no generator
    assert _problems(STAGE2, *base) == [  # the bank replay draws through stage I's networks
        "MODEL.DIL.STAGE1_WEIGHTS: empty; stage II starts from stage I: train it first (its config's "
        "OUTPUT_DIR/model_final.pth)"]


def test_stage1_weights_of_another_shape_name_the_keys(tmp_path, one_torch_thread):
    from fastreid.modeling import build_model
    from fastreid.utils.checkpoint import Checkpointer

    opts = ["MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.HEADS.NUM_CLASSES", "5", "MODEL.DIL.INV_DIM", "64"]
    torch.manual_seed(0)
    Checkpointer(build_model(load_config(STAGE1, opts)), save_dir=str(tmp_path)).save("stage1")
    weights = str(tmp_path / "stage1.pth")
    stage2 = load_config(STAGE2, opts + ["MODEL.DIL.STAGE1_WEIGHTS", weights, "MODEL.DIL.REPLAY.KL", "0.0"])
    build_model(stage2)  # the same sizes: loads
    stage2.MODEL.DIL.INV_DIM = 128
    with pytest.raises(StageWeightsError) as raised:
        build_model(stage2)
    message = str(raised.value)
    assert message.startswith(f"MODEL.DIL.STAGE1_WEIGHTS: {weights} does not fit this model (")
    assert "content_encoder.head.identity_fuse.0.weight (64, " in message and "in the file, (128, " in message
    stage2.MODEL.DIL.INV_DIM, stage2.MODEL.DIL.STAGE1_WEIGHTS = 64, str(tmp_path / "other.pth")
    torch.save({"model": {"backbone.conv1.weight": torch.zeros(1)}}, stage2.MODEL.DIL.STAGE1_WEIGHTS)
    with pytest.raises(StageWeightsError, match=r"holds no content_encoder.classifier., content_encoder.head., "
                                                r"content_encoder.trunk.\* tensors"):
        build_model(stage2)


def test_a_training_split_without_low_resolution_images_is_refused(tmp_path):
    from cfat_plugin.dil.data import DegradationPairs, stage1_train_set

    make_low_resolution(str(tmp_path))
    cfg = load_config(STAGE1, ["DATASETS.ROOT", str(tmp_path), "DATASETS.NAMES", "('MLRCUHK03',)"])
    apply_runtime_config(cfg)
    pairs = stage1_train_set(cfg)
    assert len(pairs) == 4 and len(pairs.low) == 4  # train ids 3 and 20: two c1 and two c0 images each
    partners = {pairs.low_pids[list(pairs.low).index(pairs.partner(0))] for _ in range(20)}
    assert pairs.pid_dict[pairs.img_items[pairs.full[0]][1]] not in partners  # another identity's image
    with pytest.raises(TrainingDataError, match=r"has no low-resolution image \(8 full-, 0 low-resolution\)"):
        DegradationPairs(pairs.img_items, lambda path: False)
    make_market1501(str(tmp_path))
    cfg.DATASETS.NAMES = ("Market1501",)
    with pytest.raises(TrainingDataError, match="Market1501 does not say which images are low resolution"):
        stage1_train_set(cfg)


def test_a_query_id_absent_from_the_gallery_stops_before_training(tmp_path):
    from cfat_plugin.dil.trainer import check_test_sets

    make_low_resolution(str(tmp_path))
    for name in os.listdir(tmp_path / "MLR-CUHK03" / "gallery" / "0041"):
        os.remove(tmp_path / "MLR-CUHK03" / "gallery" / "0041" / name)
    cfg = load_config(STAGE1, ["DATASETS.ROOT", str(tmp_path), "DATASETS.TESTS", "('MLRCUHK03',)"])
    apply_runtime_config(cfg)
    with pytest.raises(QueryWithoutMatchError, match="of MLRCUHK03: query id 41 has no gallery image"):
        check_test_sets(cfg)


@pytest.mark.slow
def test_the_command_line_says_one_line_and_exits_2(tmp_path):
    """Two runs through tools/train_net.py: stage I on a split without c0 images, stage II without stage I."""
    make_low_resolution(str(tmp_path))
    for folder in (tmp_path / "MLR-CUHK03" / "train").iterdir():
        for image in folder.glob("*_c0_*"):
            image.unlink()
    common = ["DATASETS.ROOT", str(tmp_path), "DATASETS.NAMES", "('MLRCUHK03',)", "DATASETS.TESTS", "('MLRCUHK03',)",
              "MODEL.DIL.BASELINE_WEIGHTS", "", "OUTPUT_DIR", str(tmp_path / "out")]
    for config, opts, line in (
            (STAGE1, [], "error: the training split of MLRCUHK03 has no low-resolution image (4 full-, 0 "
                         "low-resolution): DIL's real pairs need both"),
            (STAGE2, ["MODEL.DIL.STAGE1_WEIGHTS", ""], "error: MODEL.DIL.STAGE1_WEIGHTS: empty; stage II starts "
                                                       "from stage I")):
        result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", config] + common + opts)
        errors = [text for text in result.stderr.splitlines() if text.startswith("error:")]
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert len(errors) == 1 and errors[0].startswith(line), errors
    assert not (tmp_path / "out" / "model_final.pth").exists()
