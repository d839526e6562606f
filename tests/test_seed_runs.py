"""The comparison runner every method's benchmark uses (cfat_plugin.experiments.seed_runs): resume, refusal, reports."""
import csv
import json

import pytest

from cfat_plugin.experiments.seed_runs import SeedResults, axis_label, run_missing, write_report
from cfat_plugin.experiments.seeds import seed_tables
from cfat_plugin.utils.errors import ResultsFileError

TITLES = {"base": "base (plain)", "new": "+ new part (what it adds)"}


def fake_training(calls):
    """A 'training' whose score depends on arm and seed, recording each call."""
    def train_and_score(arm, seed):
        calls.append((arm, seed))
        return {"mAP": 10.0 + seed + (2.0 + 0.1 * seed if arm == "new" else 0.0), "rank1": 20.0 + seed}
    return train_and_score


def test_run_missing_records_each_pair_at_once_and_resumes(tmp_path):
    path = tmp_path / "results.json"
    store, calls, lines = SeedResults(str(path), {"profile": "tiny"}), [], []
    run_missing(store, [("base", 0), ("new", 0), ("base", 1)], fake_training(calls), TITLES, lines.append)
    on_disk = json.loads(path.read_text())
    assert on_disk["profile"] == "tiny"
    assert on_disk["results"] == {"base": {"0": {"mAP": 10.0, "rank1": 20.0}, "1": {"mAP": 11.0, "rank1": 21.0}},
                                  "new": {"0": {"mAP": 12.0, "rank1": 20.0}}}
    assert set(on_disk["seconds"]) == {"base/0", "new/0", "base/1"}
    assert lines[0] == "seed 0: base (plain)" and "mAP 12.00" in lines[3]
    again, more = SeedResults(str(path), {"profile": "tiny"}), []
    run_missing(again, [("base", 0), ("new", 0), ("base", 1), ("new", 1)], fake_training(more), TITLES)
    assert more == [("new", 1)]  # only the missing pair trains


def test_a_killed_run_keeps_what_finished(tmp_path):
    path = tmp_path / "results.json"
    calls = []

    def dies_on_the_second(arm, seed):
        if calls:
            raise KeyboardInterrupt
        return fake_training(calls)(arm, seed)

    with pytest.raises(KeyboardInterrupt):
        run_missing(SeedResults(str(path)), [("base", 0), ("new", 0)], dies_on_the_second, TITLES, lambda _: None)
    assert list(json.loads(path.read_text())["results"]) == ["base"]


def test_results_of_another_set_up_are_refused(tmp_path):
    path = tmp_path / "results.json"
    store = SeedResults(str(path), {"profile": "tiny", "test_seed": 0})
    store.require("teachers", "abc", seed=0)
    store.record("base", 0, {"mAP": 1.0})
    with pytest.raises(ResultsFileError, match="another profile \\('tiny', not 'default'\\)"):
        SeedResults(str(path), {"profile": "default", "test_seed": 0})
    reopened = SeedResults(str(path), {"profile": "tiny"})
    reopened.require("teachers", "abc", seed=0)  # the same teacher: fine
    reopened.require("teachers", "def", seed=1)  # another seed's teacher: fine
    with pytest.raises(ResultsFileError, match="teachers of seed 0"):
        reopened.require("teachers", "xyz", seed=0)
    path.write_text('{"results": {"base": ')  # cut short: not written by SeedResults, which writes atomically
    with pytest.raises(ResultsFileError, match="not a readable results file"):
        SeedResults(str(path))


def test_report_writes_markdown_csv_and_plot(tmp_path):
    store = SeedResults(str(tmp_path / "results.json"))
    run_missing(store, [(a, s) for s in range(3) for a in ("base", "new")], fake_training([]), TITLES, lambda _: None)
    tables = seed_tables(store.results, ["base", "new"], "previous", ["mAP"], TITLES)
    files = write_report(str(tmp_path / "out"), "comparison", "A comparison", tables, "note.\n", store,
                         ["base", "new", "absent"], TITLES, "mAP")
    md = (tmp_path / "out" / "comparison.md").read_text()
    assert md.startswith("# A comparison\n\n`python ") and md.endswith("note.\n")
    # differences 2.0, 2.1, 2.2: mean 2.1, SE 0.1 / sqrt(3); beyond 2 SE, but 3 seeds give no verdict
    assert "| + new part (what it adds) vs base | 3 | +2.10 ± 0.06 (beyond 2 SE, 3<5 seeds) |" in md
    rows = list(csv.reader(open(tmp_path / "out" / "comparison.csv")))
    assert rows[0] == ["arm", "seed", "mAP", "rank1"] and len(rows) == 7
    assert rows[4] == ["new", "0", "12.0", "20.0"]
    png = tmp_path / "out" / "comparison.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert [f.rsplit(".", 1)[1] for f in files] == ["md", "csv", "png"]


def test_axis_labels_are_short():
    assert axis_label("(c') CFAT staged: published KL") == "(c')"
    assert axis_label("+ VIMC (visible images)") == "+ VIMC"


def test_dropping_an_arms_checkpoints_keeps_its_log_and_config(tmp_path):
    from cfat_plugin.experiments import drop_checkpoints

    for name in ("model_final.pth", "model_0000009.pth", "last_checkpoint", "log.txt", "config.yaml"):
        (tmp_path / name).write_text("x")
    assert drop_checkpoints(str(tmp_path)) == ["last_checkpoint", "model_0000009.pth", "model_final.pth"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "log.txt"]
    assert drop_checkpoints(str(tmp_path)) == []  # a rerun finds nothing left to drop
