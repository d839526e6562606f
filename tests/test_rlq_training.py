"""RLQ end to end at a tiny size: a base teacher, then TAD and CAP epochs alternating, evaluation on
high- and low-quality queries. Uses ltcc-tiny as target and as the 'external' set (its
labels are never read by TAD)."""
import os

import pytest
import torch
from fastreid.engine import HookBase

import cfat_plugin  # noqa: F401
from cfat_plugin.data.synthetic.__main__ import main as synth_main
from cfat_plugin.engine import apply_runtime_config, load_config
from cfat_plugin.engine.trainer import trainer_for
from cfat_plugin.rlq.trainer import RLQTrainer

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join(REPO_ROOT, "projects", "RLQ")
TINY = ["SOLVER.IMS_PER_BATCH", "16", "SOLVER.MAX_EPOCH", "2", "MODEL.RLQ.CAL.START_EPOCH", "1",
        "TEST.EVAL_PERIOD", "2", "SOLVER.CHECKPOINT_PERIOD", "2", "INPUT.SIZE_TRAIN", "[64, 32]",
        "INPUT.SIZE_TEST", "[64, 32]", "TEST.IMS_PER_BATCH", "64", "SEED", "0"]


class ClothesClassifierSnapshots(HookBase):
    """The clothes classifier's weights before training and after every epoch."""

    def __init__(self):
        self.snapshots = []

    def before_train(self):
        self.snapshots.append(self.trainer.model.clothes_classifier.weight.detach().clone())

    def after_epoch(self):
        self.snapshots.append(self.trainer.model.clothes_classifier.weight.detach().clone())


def _train(config: str, root, out, extra=()):
    cfg = load_config(os.path.join(PROJECT, config), ["DATASETS.ROOT", str(root), "OUTPUT_DIR", str(out),
                                                      "DATASETS.SYNTHREID.PRESET.LTCC", "ltcc-tiny"]
                      + TINY + list(extra))
    apply_runtime_config(cfg)
    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    trainer = trainer_for(cfg)(cfg)
    trainer.resume_or_load(resume=False)
    return trainer


@pytest.mark.slow
def test_rlq_tiny_profile_alternates_distils_and_evaluates(tmp_path, monkeypatch, one_torch_thread):
    monkeypatch.setenv("CFAT_CORRUPTION_CACHE", str(tmp_path / "cache"))
    assert synth_main(["--out", str(tmp_path), "--preset", "ltcc-tiny", "--workers", "1"]) == 0
    teacher = _train("synth_ltcc_r18_base.yml", tmp_path, tmp_path / "base")
    assert isinstance(teacher, RLQTrainer) and teacher.tad_iters == 0
    teacher.train()
    assert [p for _, p, _ in teacher.phase_log] == ["CAP", "CAP"]

    student = _train("synth_ltcc_r18.yml", tmp_path, tmp_path / "rlq", [
        "MODEL.RLQ.TAD.ENABLED", "True", "MODEL.RLQ.TAD.DATASET", "SynthLTCC", "MODEL.RLQ.TAD.SAMPLING", "0.5",
        "MODEL.TEACHER.ENABLED", "True", "MODEL.TEACHER.CONFIG_FILE", os.path.join(PROJECT, "synth_ltcc_r18_base.yml"),
        "MODEL.TEACHER.WEIGHTS", str(tmp_path / "base" / "model_final.pth"), "MODEL.RLQ.RECOLOUR.ENABLED", "True"])
    dataset = student.data_loader.dataset
    assert dataset.num_clothes == dataset.num_original_clothes + 81 * len(dataset.pids)  # replicas' classes
    assert student.model.clothes_classifier.weight.shape[0] == dataset.num_clothes
    frozen = {k: v.clone() for k, v in student.model.teacher.state_dict().items()}
    snapshots = ClothesClassifierSnapshots()
    student.register_hooks([snapshots])
    results = student.train()

    n_tad, n_cap = student.tad_iters, student.cap_iters
    assert n_tad >= 1 and n_cap >= 1
    assert student.phase_log == [(0, "TAD", n_tad), (0, "CAP", n_cap), (1, "TAD", n_tad), (1, "CAP", n_cap)]
    per_epoch = n_tad + n_cap
    tad_iters = [it for _, it in student.storage.history("loss_tad_mse").values()]
    cap_iters = [it for _, it in student.storage.history("loss_id_f1").values()]
    assert tad_iters == [e * per_epoch + i for e in range(2) for i in range(n_tad)]
    assert cap_iters == [e * per_epoch + n_tad + i for e in range(2) for i in range(n_cap)]
    cal_iters = [it for _, it in student.storage.history("loss_cal").values()]
    assert cal_iters == cap_iters[n_cap:]  # CAL from epoch 1 only
    before, after_epoch0, after_epoch1 = snapshots.snapshots
    assert torch.equal(before, after_epoch0) and not torch.equal(after_epoch0, after_epoch1)
    assert all(torch.equal(frozen[k], v) for k, v in student.model.teacher.state_dict().items())
    saved = torch.load(tmp_path / "rlq" / "model_final.pth", map_location="cpu", weights_only=False)
    assert "clothes_optimizer" in saved and not any(k.startswith("teacher") for k in saved["model"])

    scores = results["SynthLTCC"]
    assert [e["epoch"] for e in student.evaluations] == [2]  # every evaluation kept, the best one labelled
    report = __import__("json").load(open(tmp_path / "rlq" / "evaluations.json"))
    assert report["final"]["results"]["SynthLTCC"]["cc_mAP"] == pytest.approx(scores["cc_mAP"])
    assert report["best_epoch_selected_on_test"]["SynthLTCC"]["epoch"] == 2 and "test set" in report["selection"]
    for key in ("mAP", "cc_mAP", "sc_mAP", "Rank-1", "lq_mAP", "lq_cc_mAP", "lq_sc_mAP", "lq_cc_Rank-1"):
        assert 0 <= scores[key] <= 100
    assert scores["lq_mAP"] != scores["mAP"]  # the queries really changed
    cached = [f for _, _, files in os.walk(tmp_path / "cache") for f in files if f.endswith(".png")]
    assert len(cached) == scores["lq_num_query"]


@pytest.mark.slow
def test_comparison_tiny_profile_writes_a_table_and_resumes(tmp_path):
    from conftest import run_tool

    args = [os.path.join("benchmarks", "rlq_comparison.py"), "--profile", "tiny", "--seeds", "0", "--arms", "base",
            "tad", "--output-dir", str(tmp_path / "out"), "--results", str(tmp_path / "results.json")]
    env = {**os.environ, "CFAT_CORRUPTION_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    first = run_tool(args, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "seed 0: base" in first.stdout and "seed 0: +TAD" in first.stdout
    saved = __import__("json").load(open(tmp_path / "results.json"))
    assert set(saved["results"]) == {"base", "tad"} and set(saved["seconds"]) == {"base/0", "tad/0"}
    assert {"cc_mAP", "lq_cc_mAP", "sc_Rank-1", "lq_mAP"} <= set(saved["results"]["tad"]["0"])
    table = (tmp_path / "out" / "comparison.md").read_text()
    assert "| +TAD | 1 |" in table and "Low-quality queries" in table
    rows = (tmp_path / "out" / "comparison.csv").read_text().splitlines()
    assert rows[0].startswith("arm,seed,") and sorted(r.split(",")[0] for r in rows[1:]) == ["base", "tad"]
    assert (tmp_path / "out" / "comparison.png").stat().st_size > 0
    again = run_tool(args, env=env)  # everything is in the results file: nothing trains
    assert again.returncode == 0 and "seed 0:" not in again.stdout, again.stdout[-2000:]


def test_comparison_profiles_pick_their_configs_and_the_replicas_arm_turns_them_off():
    from cfat_plugin.engine import load_config
    from cfat_plugin.rlq.comparison import ARMS, PROFILES, PROJECT, arm_options

    def opts(profile, arm):
        values = arm_options(PROFILES[profile], "/data", "/out", 0, 0, ARMS[arm][2], "/t.pth", ARMS[arm][3])
        return dict(zip(values[::2], values[1::2]))

    assert opts("imagenet", "rlq")["MODEL.RLQ.RECOLOUR.ENABLED"] == "True"  # as published
    assert opts("imagenet", "rlq_noreplicas")["MODEL.RLQ.RECOLOUR.ENABLED"] == "False"
    assert opts("default", "rlq")["MODEL.RLQ.RECOLOUR.ENABLED"] == "False"  # the committed table's recipe
    assert opts("imagenet", "tad")["MODEL.TEACHER.CONFIG_FILE"].endswith("synth_ltcc_mnv2_base.yml")
    assert "MODEL.TEACHER.CONFIG_FILE" not in opts("imagenet", "cap")
    for name in ("base", "cap"):  # the base config has CAP off, the other on, on the same trunk
        cfg = load_config(os.path.join(PROJECT, PROFILES["imagenet"][name]), [])
        assert cfg.MODEL.BACKBONE.NAME == "build_rlq_multi_branch_mobilenetv2_backbone"
        assert cfg.MODEL.RLQ.CAP.ENABLED == (name == "cap")


def test_epochs_option_moves_the_step_and_cal_start_and_leaves_the_profile_as_it_is_otherwise():
    from cfat_plugin.rlq.comparison import PROFILES, with_epochs

    imagenet = PROFILES["imagenet"]
    longer = with_epochs(imagenet, 8)
    assert (longer["epochs"], longer["steps"], longer["cal_start"]) == (8, "[6]", 4)
    assert with_epochs(PROFILES["default"], 3) is PROFILES["default"]  # its own count: its own step and CAL start
    assert with_epochs(imagenet, None) is imagenet
    with pytest.raises(SystemExit, match="at least 2"):
        with_epochs(imagenet, 1)


def test_the_teacher_trains_first_only_where_a_tad_arm_runs(monkeypatch, tmp_path):
    import argparse

    from cfat_plugin.experiments import SeedResults
    from cfat_plugin.rlq import comparison

    planned = []
    monkeypatch.setenv("CFAT_CORRUPTION_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(comparison, "run_missing", lambda store, pairs, *rest, **kw: planned.append(pairs))
    for arms in (["base", "cap"], ["base", "rlq"]):
        args = argparse.Namespace(profile="persistent", epochs=None, seeds=[3, 4], arms=arms, test_seed=0)
        comparison.train_all(SeedResults(str(tmp_path / "results.json")), args, str(tmp_path / "out"))
    assert planned[0] == [("base", 3), ("cap", 3), ("base", 4), ("cap", 4)]  # no teacher: base seed 0 not trained
    assert planned[1] == [("base", 0), ("base", 3), ("rlq", 3), ("base", 4), ("rlq", 4)]
    assert comparison.PROFILES["persistent"]["preset"] == "ltcc-persistent"


def test_each_parts_effect_pairs_the_arms_that_isolate_it_and_scores_how_queries_hold_up():
    from cfat_plugin.rlq.comparison import tables

    def run(cc, lq):  # one (arm, seed)'s scores: every metric the tables read
        from cfat_plugin.rlq.comparison import METRICS
        return {m: (lq if m.startswith("lq_") else cc) for m in METRICS}

    results = {"base": {str(s): run(20.0 + s, 14.0 + s) for s in range(5)},
               "tad": {str(s): run(22.0 + s + 0.1 * s, 19.0 + s) for s in range(5)}}
    text = tables(results, ["base", "tad"])
    row = next(line for line in text.splitlines() if line.startswith("| TAD (+TAD vs base) |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # cc +2.2 on average (2 + 0.1 s), lq cc +5: low quality costs TAD 3 - 0.1 s against the base's 6
    assert cells[1] == "5" and cells[2].startswith("+2.20 ± 0.07 (better)") and cells[3].startswith("+5.00 ± 0.00")
    assert cells[4].startswith("+2.80 ± 0.07 (better)")
    assert "CAP (+CAP vs base)" not in text  # no +CAP arm: no row
