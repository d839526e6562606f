"""The main job end to end at a tiny size: data, teacher, three students, the benchmark, one comparison."""
import csv
import json
import os

from conftest import run_tool

MODELS = ("a_teacher", "b_augmented", "c_cfat", "d_cfat_coarse")


def test_tiny_demo_runs_end_to_end_and_resumes(tmp_path):
    out = tmp_path / "demo"
    env = {**os.environ, "CFAT_CORRUPTION_CACHE": str(tmp_path / "unused-cache")}
    first = run_tool([os.path.join("tools", "demo.py"), "--profile", "tiny", "--output-dir", str(out)],
                     timeout=1800, env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "[9/9] robustness benchmark of (d) CFAT without BFG" in first.stdout
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

    again = run_tool([os.path.join("tools", "demo.py"), "--profile", "tiny", "--output-dir", str(out)],
                     timeout=900, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("done before") == 4  # the teacher and three students are not retrained
    for model in MODELS:
        assert "Resuming robustness run" in (out / "logs" / f"evaluate_{model}.log").read_text()
