"""The main job end to end at a tiny size: data, teacher, a CFAT student, the benchmark, one comparison.

Two of the four models keep the test within minutes (each stage is a process of its own); the other
students are the same training and evaluation path with other overrides (their wiring:
tests/test_cfat_stages.py, tests/test_seeds.py).
"""
import csv
import json
import os

import pytest

from conftest import run_tool

MODELS = ("a_teacher", "c_cfat")


@pytest.mark.slow
def test_tiny_demo_runs_end_to_end_and_resumes(tmp_path):
    out = tmp_path / "demo"
    env = {**os.environ, "CFAT_CORRUPTION_CACHE": str(tmp_path / "unused-cache")}
    command = [os.path.join("tools", "demo.py"), "--profile", "tiny", "--output-dir", str(out), "--models", *MODELS]
    first = run_tool(command, timeout=1800, env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "[5/5] robustness benchmark of (c) CFAT (coarse + fine)" in first.stdout
    assert "Robustness cell 1/" in first.stdout and "Corrupted test images ready" in first.stdout  # progress

    rows = list(csv.DictReader(open(out / "comparison.csv")))
    assert [r["key"] for r in rows] == list(MODELS)
    for row in rows:  # every number of the table comes from that model's robustness summary
        summary = json.loads((out / row["key"] / "robustness" / "summary.json").read_text())
        assert float(row["clean_mAP"]) == summary["clean"]["mAP"]
        assert float(row["corrupted_mAP"]) == summary["settings"]["both"]["mAP"]["mean"]
        assert float(row["held_out_mAP"]) == summary["held_out"]["mAP"]["mean"]
        assert summary["protocol"]["repeats"] == 2 and summary["grid"]["types"]
        assert f"| {summary['clean']['mAP']:.2f} |" in first.stdout
    for name in ("comparison.md", "heatmaps.png", "demo.json"):
        assert (out / name).stat().st_size > 0
    cfat_log = (out / "logs" / "c_cfat.log").read_text()
    for term in ("loss_align", "loss_kl", "loss_recon"):
        assert term in cfat_log
    timings = json.loads((out / "demo.json").read_text())["timings_s"]
    assert timings["total"] > 0 and "teacher" in timings

    again = run_tool(command, timeout=900, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    # the teacher and the student are not retrained, nor do the two benchmarks run again
    assert again.stdout.count("done before") == 4
    assert list(csv.DictReader(open(out / "comparison.csv"))) == rows
