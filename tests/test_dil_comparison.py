"""The DIL comparison end to end at the tiny profile: one seed, four arms on the generated mlr-tiny set; the
shared baseline and stage I trained once, every (arm, seed) scored on low-resolution and factor-1 queries, a
rerun trains nothing, and --report-only writes the report."""
import json
import math
import os

import pytest

from conftest import record_trainings

# the baseline arm scores the shared baseline, full_res the one trained on the factor-1 twin
ARMS = ["baseline", "full_res", "dual", "stage1_init", "dil"]


@pytest.mark.slow
def test_tiny_comparison_trains_each_model_once_and_a_rerun_trains_nothing(tmp_path, monkeypatch, one_torch_thread):
    from cfat_plugin.dil import comparison

    trained = record_trainings(monkeypatch, comparison, lambda cfg: os.path.basename(cfg.OUTPUT_DIR))
    results, out = tmp_path / "dil.json", tmp_path / "out"
    argv = ["--profile", "tiny", "--seeds", "0", "--arms", *ARMS, "--root", str(tmp_path / "data"),
            "--output-dir", str(out), "--results", str(results)]
    comparison.main(argv)
    # the baseline and stage I once each, shared by the arms that start from them; each arm once
    assert trained == ["baseline", "baseline_x1", "dual", "stage1", "stage1_init", "dil"]
    data = json.loads(results.read_text())
    assert sorted(data["results"]) == sorted(ARMS)
    for arm in ARMS:
        row = data["results"][arm]["0"]
        views = ("",) if arm in ("baseline", "full_res") else ("", "inv_", "sen_")  # fused, invariant, sensitive
        expected = {f"{x1}{view}{m}" for x1 in ("", "x1_") for view in views for m in comparison.METRICS}
        assert set(row) == expected
        assert all(math.isfinite(v) and 0.0 <= v <= 100.0 for v in row.values()), row
    assert set(data["baseline_weights"]) == {"0"} and set(data["stage1_weights"]) == {"0"}
    assert set(data["baseline_x1_weights"]) == {"0"} and data["baseline_x1_weights"] != data["baseline_weights"]
    assert {"baseline/0", "stage1/0", "dil/0"} <= set(data["seconds"])
    # the factor-1 control read its own set: the same queries at full size
    folders = sorted(os.listdir(tmp_path / "data"))
    assert [f for f in folders if f.startswith("SynthReID")] == ["SynthReID-mlr-tiny-s0", "SynthReID-mlr-tiny-x1-s0"]

    def refuse(cfg, iters_per_epoch=None):
        raise AssertionError(f"trained {cfg.OUTPUT_DIR} again")

    monkeypatch.setattr(comparison, "train_arm", refuse)
    comparison.main(argv)  # everything is in the results file: nothing trains
    assert json.loads(results.read_text())["results"] == data["results"]
    for name in ("comparison.md", "comparison.csv", "comparison.png"):
        (out / name).unlink()
    comparison.main(argv + ["--report-only"])
    report = (out / "comparison.md").read_text()
    assert "Factor-1 control" in report and "+ bank replay (= DIL)" in report
    assert "What low resolution costs" in report
    assert (out / "comparison.csv").is_file() and (out / "comparison.png").is_file()
