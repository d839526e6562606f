"""The demo's stage requests: typed config values cross the process boundary as JSON and merge as typed."""
import json
import os

import pytest

import cfat_plugin  # noqa: F401
from cfat_plugin.demo.stages import StageRequest, config_pairs, config_text
from cfat_plugin.engine import load_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pairs_and_text_forms():
    assert config_pairs(["A", 1, "B", [2]], ("C", "x")) == (("A", 1), ("B", [2]), ("C", "x"))
    with pytest.raises(ValueError, match="'B' has no value"):
        config_pairs(["A", 1, "B"])
    assert [config_text(v) for v in ("bnneck", True, 3, 0.5, ("SynthReID",), ["fog", "contrast"])] == [
        "bnneck", "True", "3", "0.5", "['SynthReID']", "['fog', 'contrast']"]


def test_request_survives_json_and_merges_with_its_types(tmp_path):
    config = os.path.join(REPO, "projects", "CFAT", "synthreid_r18.yml")
    request = StageRequest("eval_robustness", config, str(tmp_path), config_pairs([
        "TEST.ROBUSTNESS.GRID_TYPES", ["fog", "contrast"], "TEST.ROBUSTNESS.GRID", True,
        "DATASETS.TESTS", ("SynthReID",), "TEST.ROBUSTNESS.REPEATS", 2, "MODEL.RETRIEVAL.FEAT", "cls"]))
    request.write(str(tmp_path / "request.json"))
    command = request.command(str(tmp_path / "request.json"))
    assert command[1:3] == ["-m", "cfat_plugin.demo.stages"] and command[-1] == str(tmp_path / "request.json")
    again = StageRequest.from_json(json.load(open(tmp_path / "request.json")))
    assert again.opts() == request.opts() and again.entry == "eval_robustness"
    cfg = load_config(config, again.opts())
    assert cfg.OUTPUT_DIR == str(tmp_path)
    assert list(cfg.TEST.ROBUSTNESS.GRID_TYPES) == ["fog", "contrast"] and cfg.TEST.ROBUSTNESS.GRID is True
    assert tuple(cfg.DATASETS.TESTS) == ("SynthReID",) and cfg.TEST.ROBUSTNESS.REPEATS == 2
    assert cfg.MODEL.RETRIEVAL.FEAT == "cls"
    with pytest.raises(ValueError, match="unknown stage entry 'train'"):
        StageRequest("train", config, str(tmp_path))


def test_old_names_of_the_corrupted_test_draw_are_read_into_its_one_node(tmp_path, caplog):
    """TEST.ROBUSTNESS.{TYPES,SEVERITIES,SEED} and DATASETS.CORRUPTION.TEST.REPEATS moved; old files still load."""
    saved = tmp_path / "old_config.yaml"  # as a saved config.yaml of an earlier version: every key present
    saved.write_text("_BASE_: " + os.path.join(REPO, "projects", "CFAT", "synthreid_r18.yml") + "\n"
                     "DATASETS:\n  CORRUPTION:\n    TEST:\n      REPEATS: 10\n"
                     "TEST:\n  ROBUSTNESS:\n    TYPES: [fog, contrast]\n    SEVERITIES: []\n    SEED: 0\n    REPEATS: 3\n")
    cfg = load_config(str(saved), ["TEST.ROBUSTNESS.SEED", "5"])
    assert list(cfg.DATASETS.CORRUPTION.TEST.TYPES) == ["fog", "contrast"]  # set: moved to the one node
    assert list(cfg.DATASETS.CORRUPTION.TEST.SEVERITIES) == [1, 2, 3, 4, 5]  # at the old default: not set
    assert cfg.DATASETS.CORRUPTION.TEST.SEED == 5 and cfg.TEST.ROBUSTNESS.REPEATS == 3
    assert "TYPES" not in cfg.TEST.ROBUSTNESS and "REPEATS" not in cfg.DATASETS.CORRUPTION.TEST
    with pytest.raises(Exception, match="TEST.ROBUSTNESS.NOT_A_KEY"):
        load_config(str(saved), ["TEST.ROBUSTNESS.NOT_A_KEY", "1"])
