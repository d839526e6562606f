"""MCJA end to end: the comparison's tiny profile trains every arm a few iterations, tests it, resumes."""
import json
import math

import pytest

from cfat_plugin.demo.mcja_comparison import ARMS, METRICS, TITLES, comparison_table, run_comparison


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
