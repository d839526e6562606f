"""MCJA end to end: the comparison's tiny profile trains every arm a few iterations, tests it, resumes."""
import json
import math

import pytest

from cfat_plugin.mcja.comparison import ARMS, METRICS, TITLES, comparison_table, run_comparison


@pytest.mark.slow
def test_tiny_comparison_trains_tests_and_resumes(tmp_path, one_torch_thread):
    results = tmp_path / "results.json"
    lines = []
    saved = run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "tiny", echo=lines.append)
    on_disk = json.loads(results.read_text())
    assert on_disk["results"] == saved["results"]
    assert set(saved["results"]) == set(ARMS)
    for arm in ARMS:
        row = saved["results"][arm]["0"]
        assert set(row) == set(METRICS)
        assert all(0.0 <= v <= 100.0 and not math.isnan(v) for v in row.values())
    assert saved["results"]["mser"] != saved["results"]["mcja"]  # re-ranking changes the ranking
    assert (tmp_path / "out" / "seed0" / "mcja" / "model_final.pth").exists()
    table = comparison_table(saved["results"])
    assert all(TITLES[arm] in table for arm in ARMS)
    lines.clear()
    again = run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "tiny", echo=lines.append)
    assert lines == [] and again["results"] == saved["results"]  # nothing is trained twice
    with pytest.raises(ValueError, match="profile"):
        run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "default")


@pytest.mark.slow
def test_regdb_protocol_with_mser_on_the_generated_regdb(tmp_path, one_torch_thread):
    """RegDB's test of a (randomly initialised) MCJA model, both directions, MSER on: the visible side
    brings its R, G, B replicas whichever side it is on."""
    import torch
    from fastreid.modeling import build_model

    from cfat_plugin.data.datasets.regdb import SynthRegDB
    from cfat_plugin.engine import load_config
    from cfat_plugin.mcja.evaluation import evaluate_regdb_like

    cfg = load_config("projects/MCJA/regdb.yml", [
        "MODEL.DEVICE", "cpu", "MODEL.BACKBONE.DEPTH", "18x", "MODEL.BACKBONE.FEAT_DIM", "512",
        "MODEL.BACKBONE.PRETRAIN", "False", "INPUT.SIZE_TEST", "[32, 16]", "DATALOADER.NUM_WORKERS", "0",
        "MODEL.MCJA.MSER.K1", "5", "MODEL.MCJA.MSER.K2", "3", "MODEL.HEADS.NUM_CLASSES", "10"])
    torch.manual_seed(0)
    model = build_model(cfg)
    data = SynthRegDB(root=str(tmp_path), trial=1, verbose=False)
    with_mser = evaluate_regdb_like(cfg, model, data)
    cfg.defrost()
    cfg.MODEL.MCJA.MSER.ENABLED = False
    plain = evaluate_regdb_like(cfg, model, data)
    assert set(with_mser) == set(plain) == {"visible_to_thermal", "thermal_to_visible"}
    for scores in list(with_mser.values()) + list(plain.values()):
        assert 0.0 <= scores["mAP"] <= 100.0 and 0.0 <= scores["rank1"] <= scores["rank10"] <= 100.0
    assert with_mser != plain
