"""Comparing arms over training seeds (cfat_plugin.experiments.seeds) and how the demo wires CFAT's stages."""
import json
import math
import os

import pytest

from cfat_plugin.demo import Demo, get_profile
from cfat_plugin.demo.pipeline import all_arms
from cfat_plugin.experiments.seeds import mean_std, paired_difference, seed_tables, verdict


def test_mean_std_is_the_sample_standard_deviation():
    mean, std = mean_std([1.0, 2.0, 4.0])
    assert mean == pytest.approx(7 / 3)
    assert std == pytest.approx(math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2))
    assert math.isnan(mean_std([5.0])[1])


def test_paired_difference_uses_the_seeds_both_arms_have():
    a = {"0": 10.0, "1": 12.0, "2": 11.0, "3": 99.0}
    b = {"0": 9.0, "1": 10.0, "2": 11.0}
    mean, se, n = paired_difference(a, b)  # diffs 1, 2, 0
    assert n == 3 and mean == pytest.approx(1.0)
    assert se == pytest.approx(1.0 / math.sqrt(3))  # std of (1, 2, 0) is 1


def test_verdict_needs_twice_the_standard_error():
    assert verdict(1.0, 0.49) == "better"
    assert verdict(-1.0, 0.49) == "worse"
    assert verdict(1.0, 0.5) == "tie"
    assert verdict(3.0, float("nan")) == "tie"  # no spread, no claim
    # an SE of 2 differences means little: beyond 2 SE is said, but no verdict; within it is a tie
    assert verdict(1.0, 0.1, n=2) == "beyond 2 SE, 2<5 seeds"
    assert verdict(0.1, 0.1, n=2) == "tie"


def test_seed_tables_show_every_arm_and_the_paired_differences():
    results = {"base": {"0": {"m": 1.0}, "1": {"m": 2.0}}, "new": {"0": {"m": 3.0}, "1": {"m": 4.5}}}
    text = seed_tables(results, ["base", "new"], ["base"], ["m"], {"base": "B", "new": "N"})
    assert "| B | 2 | 1.50 ± 0.71 |" in text
    assert "| N | 2 | +2.25 ± 0.25 (beyond 2 SE, 2<5 seeds) |" in text  # too few seeds for a claim
    five = {arm: {str(s): {"m": v + s % 2} for s in range(5)} for arm, v in (("base", 1.0), ("new", 3.0))}
    five["new"]["4"]["m"] += 0.5  # differences 2, 2, 2, 2, 2.5: mean 2.1, SE 0.1
    assert "| N | 5 | +2.10 ± 0.10 (better) |" in seed_tables(five, ["base", "new"], ["base"], ["m"],
                                                              {"base": "B", "new": "N"})


# ------------------------------------------------------------------ the demo's CFAT stages
class RecordingDemo(Demo):
    """Records each training call instead of running it (a file stands in for the weights)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def train(self, step, config, out, overrides):
        final = os.path.join(out, "model_final.pth")
        if os.path.exists(final):  # as Demo.train: a model with its final weights is not trained again
            return final
        self.calls.append((step, config, list(overrides)))
        os.makedirs(out, exist_ok=True)
        open(final, "w").close()
        return final


def _value(overrides, key):
    return overrides[overrides.index(key) + 1] if key in overrides else None


def test_staged_students_start_from_b_and_share_one_bfg_stage(tmp_path):
    profile = get_profile("tiny", train_seed=3)
    demo = RecordingDemo(profile, str(tmp_path / "seed3"), echo=lambda line: None, shared_dir=str(tmp_path))
    arms = all_arms(profile, demo.teacher_dir)
    demo.train_student(arms["c_cfat_staged"])
    demo.train_student(arms["c_cfat_staged_nokl"])
    demo.train_student(arms["c_cfat_staged_klstudent"])
    steps = [c[0] for c in demo.calls]
    # the start first (b), then one BFG stage from it, then the students (the stage is not repeated)
    assert steps == ["b_augmented", "bfg_from_b_augmented", "c_cfat_staged", "c_cfat_staged_nokl",
                     "c_cfat_staged_klstudent"]
    start = os.path.join(demo.output_dir, "b_augmented", "model_final.pth")
    bfg = os.path.join(demo.output_dir, "bfg_from_b_augmented", "model_final.pth")
    stage, cfat, nokl, klstudent = demo.calls[1:]
    assert stage[1] == profile.bfg_config and _value(stage[2], "MODEL.CFAT.STUDENT_WEIGHTS") == start
    assert _value(klstudent[2], "MODEL.CFAT.LOSS.KL.TRAINS_VAE") == "False"
    for call in (cfat, nokl, klstudent):
        assert call[1] == profile.cfat_staged_config  # the KL weighted as the alignment
        assert _value(call[2], "MODEL.CFAT.STUDENT_WEIGHTS") == start
        assert _value(call[2], "MODEL.CFAT.BFG_WEIGHTS") == bfg
        assert _value(call[2], "MODEL.TEACHER.WEIGHTS") == os.path.join(str(tmp_path), "a_teacher", "model_final.pth")
    assert _value(nokl[2], "MODEL.CFAT.LOSS.KL.SCALE") == "0.0" and _value(cfat[2], "MODEL.CFAT.LOSS.KL.SCALE") is None
    # the demo's own (c) uses the raw KL; its seeds: data/test draws vs training, both in every stage's config
    assert _value(list(arms["c_cfat"].overrides), "MODEL.CFAT.LOSS.KL.FORM") == "raw"
    common = dict(demo.common_overrides())
    assert common["SEED"] == 3 and common["DATASETS.SYNTHREID.SEED"] == profile.seed
    assert common["DATASETS.SYNTHREID.PRESET.MARKET"] == profile.synthreid_preset
    assert not {"SYNTHREID_PRESET", "SYNTHREID_SEED"} & set(demo.env)  # options travel in the config only


def test_coarse_only_staged_arm_has_no_bfg_stage(tmp_path):
    profile = get_profile("tiny")
    demo = RecordingDemo(profile, str(tmp_path), echo=lambda line: None)
    demo.train_student(all_arms(profile, demo.teacher_dir)["d_cfat_coarse_staged"])
    assert [c[0] for c in demo.calls] == ["b_augmented", "d_cfat_coarse_staged"]
    assert _value(demo.calls[1][2], "MODEL.CFAT.BFG_WEIGHTS") is None
    assert _value(demo.calls[1][2], "MODEL.CFAT.LOSS.KL.SCALE") == "0.0"


def test_every_stage_says_which_backend_corrupts_its_views_the_profiles_unless_the_arm_names_one(tmp_path):
    profile = get_profile("tiny")
    demo = RecordingDemo(profile, str(tmp_path), echo=lambda line: None)
    arms = all_arms(profile, demo.teacher_dir)
    demo.train_student(arms["c_cfat_staged_torch"])
    demo.train_student(arms["c_cfat_staged"])
    steps = [c[0] for c in demo.calls]
    # the torch chain has its own start and BFG stage: nothing is shared with the reference chain
    assert steps == ["b_augmented_torch", "bfg_from_b_augmented_torch_torch", "c_cfat_staged_torch",
                     "b_augmented", "bfg_from_b_augmented", "c_cfat_staged"]
    for step, _, overrides in demo.calls:
        torch_chain = step.endswith("torch")
        assert _value(overrides, "DATASETS.CORRUPTION.TRAIN.BACKEND") == ("torch" if torch_chain else "reference")
        assert _value(overrides, "DATASETS.CORRUPTION.TRAIN.TORCH_SIZE") == ("[128,64]" if torch_chain else None)
    student = demo.calls[2][2]
    assert _value(student, "MODEL.CFAT.STUDENT_WEIGHTS").endswith(os.path.join("b_augmented_torch", "model_final.pth"))
    # a profile on the torch backend: its own arms corrupt with torch, and their BFG stage has the plain name
    demo = RecordingDemo(get_profile("tiny", training_backend="torch"), str(tmp_path / "torch"), echo=lambda line: None)
    demo.train_student(all_arms(demo.profile, demo.teacher_dir)["c_cfat_staged"])
    assert [c[0] for c in demo.calls] == ["b_augmented", "bfg_from_b_augmented", "c_cfat_staged"]
    assert all(_value(c[2], "DATASETS.CORRUPTION.TRAIN.BACKEND") == "torch" for c in demo.calls)


def test_the_demo_table_names_every_stage_behind_each_model():
    from cfat_plugin.demo.pipeline import stage_chain

    profile = get_profile("default", teacher_epochs=5, bfg_epochs=2, student_epochs=3)
    arms = all_arms(profile, "")
    assert stage_chain(arms["a_teacher"], profile, arms) == "teacher 5 ep (clean)"
    staged = stage_chain(arms["c_cfat_staged"], profile, arms)
    assert staged == "teacher 5 ep (clean) -> (b) 3 ep -> BFG pre-training 2 ep (VAE only) -> (c') 3 ep"
    assert "BFG" not in stage_chain(arms["d_cfat_coarse_staged"], profile, arms)
    assert stage_chain(arms["c_cfat"], profile, arms) == "teacher 5 ep (clean) -> (c) 3 ep"


def test_seed_spread_note_reads_the_benchmarks_file(tmp_path):
    from cfat_plugin.demo.compare import seed_spread_note

    path = tmp_path / "ablation.json"
    path.write_text(json.dumps({"results": {
        "c_cfat_staged": {"0": {"corrupted_mAP": 24.0}, "1": {"corrupted_mAP": 26.0}},
        "b_augmented": {"0": {"corrupted_mAP": 20.0}}}}))  # one seed: no spread to report
    note = seed_spread_note(["a_teacher", "b_augmented", "c_cfat_staged"], str(path))
    assert "c_cfat_staged 25.00 ± 1.41 (2 seeds)" in note and "b_augmented" not in note
    assert seed_spread_note(["c_cfat_staged"], str(tmp_path / "missing.json")) == ""
    # a table key read under another arm of the file (the torch twin of the demo's model)
    twin = seed_spread_note(["b_augmented", "c_cfat_staged"], str(path), {"b_augmented": "c_cfat_staged"})
    assert "b_augmented 25.00 ± 1.41 (2 seeds)" in twin and "benchmarks/results/ablation.json" in twin


def test_the_demo_quotes_the_seeds_of_its_own_training_backend():
    from cfat_plugin.demo.compare import seed_spread_note
    from cfat_plugin.demo.pipeline import SEED_SPREAD_FILES, backend_twins

    profile = get_profile("default")
    path, arms = SEED_SPREAD_FILES[profile.training_backend], backend_twins(profile.training_backend,
                                                                            all_arms(profile, ""))
    with open(path) as f:
        saved = json.load(f)
    assert all(saved["results"].get(arm) for arm in arms.values())
    assert {s.backend for s in all_arms(profile, "").values() if s.key in arms.values()} == {profile.training_backend}
    note = seed_spread_note(["a_teacher", "b_augmented", "c_cfat_staged", "d_cfat_coarse_staged"], path, arms)
    assert "b_augmented" in note and "c_cfat_staged" in note and "d_cfat_coarse_staged" not in note


def test_a_profile_on_a_real_data_set_reads_it_from_its_root(tmp_path, cuhk01_root):
    """The CUHK01 profile trains and tests on CUHK01 read from data_root, never generates SynthReID."""
    profile = get_profile("cuhk01_mnv2", data_root=cuhk01_root)
    demo = Demo(profile, str(tmp_path / "out"))
    overrides = dict(demo.common_overrides())
    assert overrides["DATASETS.NAMES"] == ("CUHK01",) and overrides["DATASETS.TESTS"] == ("CUHK01",)
    assert overrides["DATASETS.ROOT"] == os.path.abspath(cuhk01_root)
    demo.prepare_data()
    assert not (tmp_path / "out" / "datasets").exists()
    missing = Demo(get_profile("cuhk01_mnv2", data_root=str(tmp_path / "nowhere")), str(tmp_path / "o2"))
    with pytest.raises(FileNotFoundError, match="CUHK01 not found"):
        missing.prepare_data()


def test_difference_table_pairs_each_arm_with_its_own_reference_and_skips_missing_arms():
    from cfat_plugin.experiments import difference_table

    results = {"a": {"0": {"m": 3.0}, "1": {"m": 5.0}}, "b": {"0": {"m": 1.0}, "1": {"m": 2.0}},
               "c": {"0": {"m": 1.0}, "1": {"m": 3.0}}}
    table = difference_table(results, [("a over b", "a", "b"), ("c over b", "c", "b"), ("gone", "d", "b")], ["m"])
    rows = table.strip().splitlines()
    # a - b: 2 and 3 -> mean 2.5, std 0.707, SE 0.5 -> beyond 2 SE with 2 seeds; c - b: 0 and 1 -> +0.50 ± 0.50, tie
    assert rows[2] == "| a over b | 2 | +2.50 ± 0.50 (beyond 2 SE, 2<5 seeds) |"
    assert rows[3] == "| c over b | 2 | +0.50 ± 0.50 (tie) |"
    assert len(rows) == 4 and rows[0] == "| effect | seeds | m |"
