"""The main job end to end at a tiny size: data, teacher, every model the demo compares, the benchmark,
one comparison (table, CSV, heat maps) whose numbers are the models' own summary files."""
import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from conftest import run_tool

from cfat_plugin.demo.compare import short_name, write_heatmaps
from cfat_plugin.demo.pipeline import all_arms
from cfat_plugin.demo.profiles import PROFILES

MODELS = PROFILES["default"].models  # what `make demo` compares: the test runs the same list
METRICS = (("mINP", "mINP"), ("mAP", "mAP"), ("R1", "Rank-1"))  # CSV / table name, summary name


def _pm(stats: dict) -> str:
    return f"{stats['mean']:.2f} ± {stats['std']:.2f}"


def _expected_table_row(title: str, s: dict) -> str:
    """The Markdown row of one model, written here from its summary file (not by the demo's code)."""
    both = s["settings"]["both"]
    cells = [title] + [f"{s['clean'][m]:.2f}" for _, m in METRICS] + [_pm(both[m]) for _, m in METRICS]
    return "| " + " | ".join(cells + [_pm(s["seen"]["mAP"]), _pm(s["held_out"]["mAP"])]) + " |"


def _check_csv_row(row: dict, s: dict) -> None:
    both = s["settings"]["both"]
    for name, metric in METRICS:
        assert float(row[f"clean_{name}"]) == s["clean"][metric]
        assert float(row[f"corrupted_{name}"]) == both[metric]["mean"]
        assert float(row[f"corrupted_{name}_std"]) == both[metric]["std"]
    for name in ("seen", "held_out"):
        assert float(row[f"{name}_mAP"]) == s[name]["mAP"]["mean"]
        assert float(row[f"{name}_mAP_std"]) == s[name]["mAP"]["std"]


def _check_heatmaps(path, summaries: dict, monkeypatch, tmp_path) -> None:
    """heatmaps.png is the drawing of every model's grid: drawn again here from the summary files, the
    figure has one panel per model, titled with its name, each cell holding that model's grid mAP, and
    its pixels are the file's."""
    from matplotlib.figure import Figure

    figures = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: (figures.append(fig), save(fig, *a, **k))[1])
    write_heatmaps(summaries, str(tmp_path / "heatmaps_again.png"))
    panels = [ax for ax in figures[0].axes if ax.get_title()]  # the colour bar has no title
    assert [ax.get_title() for ax in panels] == [short_name(title) for title, _ in summaries.values()]
    for ax, (_, s) in zip(panels, summaries.values()):
        drawn = [t.get_text() for t in ax.texts]
        assert drawn == [f"{v:.0f}" for row in s["grid"]["mAP"] for v in row if v is not None]
        assert len(drawn) == len(s["grid"]["types"]) * len(s["grid"]["severities"])
    with Image.open(path) as on_disk, Image.open(tmp_path / "heatmaps_again.png") as again:
        assert np.array_equal(np.asarray(on_disk), np.asarray(again))


@pytest.mark.slow
def test_tiny_demo_compares_every_model_and_resumes(tmp_path, monkeypatch):
    tiny = PROFILES["tiny"]
    assert tiny.models == MODELS and set(MODELS) <= set(tiny.grid_models)  # every model, every heat map
    titles = {key: arm.title for key, arm in all_arms(tiny, "").items()}
    out = tmp_path / "demo"
    env = {**os.environ, "CFAT_CORRUPTION_CACHE": str(tmp_path / "unused-cache")}
    command = [os.path.join("tools", "demo.py"), "--profile", "tiny", "--output-dir", str(out)]
    first = run_tool(command, timeout=1800, env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    steps = 2 + len(MODELS) + sum(key != "a_teacher" for key in MODELS)  # data, teacher, training, benchmarks
    for key in MODELS:
        assert f"/{steps}] robustness benchmark of {titles[key]}" in first.stdout
    assert f"[{steps}/{steps}] robustness benchmark of {titles[MODELS[-1]]}" in first.stdout
    assert "BFG pre-training stage" in first.stdout  # c' starts from a pre-trained VAE
    assert "Robustness cell 1/" in first.stdout and "Corrupted test images ready" in first.stdout  # progress

    summaries = {key: (titles[key], json.loads((out / key / "robustness" / "summary.json").read_text()))
                 for key in MODELS}
    for _, s in summaries.values():
        assert s["protocol"]["repeats"] == 2 and s["grid"]["types"]
    rows = list(csv.DictReader(open(out / "comparison.csv")))
    assert [(r["key"], r["model"]) for r in rows] == [(key, titles[key]) for key in MODELS]
    table = (out / "comparison.md").read_text()
    for row in rows:  # every number of the CSV and of the table comes from that model's summary
        _check_csv_row(row, summaries[row["key"]][1])
        expected = _expected_table_row(*summaries[row["key"]])
        assert expected in table.splitlines() and expected in first.stdout.splitlines()
    assert len([line for line in table.splitlines() if line.startswith("| (")]) == len(MODELS)
    _check_heatmaps(out / "heatmaps.png", summaries, monkeypatch, tmp_path)
    for key in MODELS:
        if key != "a_teacher":
            assert "loss_cls" in (out / "logs" / f"{key}.log").read_text()
    for term in ("loss_align", "loss_kl", "loss_recon"):  # CFAT's full set of losses trained (c')
        assert term in (out / "logs" / "c_cfat_staged.log").read_text()
    timings = json.loads((out / "demo.json").read_text())["timings_s"]
    assert timings["total"] > 0 and "teacher" in timings

    again = run_tool(command, timeout=900, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    # nothing is trained or benchmarked again: the teacher, the BFG stage, three students, four benchmarks
    assert again.stdout.count("done before") == 1 + 1 + 3 + len(MODELS)
    assert list(csv.DictReader(open(out / "comparison.csv"))) == rows
