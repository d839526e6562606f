"""The robustness benchmark: metrics against hand-computed and independent evaluators, files, seeds, resume."""
import json
import math
import os

import numpy as np
import pytest
import torch

from cfat_plugin.evaluation import RobustnessEvaluator, robustness
from cfat_plugin.evaluation.features import Features

CHEAP_TYPES = "['gaussian_noise', 'brightness', 'contrast']"


def _unit(degrees):
    radians = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    return torch.tensor(np.stack([np.cos(radians), np.sin(radians)], 1), dtype=torch.float32)


def test_metrics_match_a_hand_computed_three_query_case(tiny_baseline_cfg):
    # Gallery on a circle (cosine distance ranks by angle); g5 shares q0's identity AND camera,
    # so the Market protocol must drop it for q0 (it would otherwise be q0's rank-2 match).
    # g6-g10 are distractors far from every query (FastReID's table needs >= 10 gallery images).
    gallery = Features(_unit([0, 20, 40, 60, 80, 1, 150, 160, 170, 180, 190]),
                       torch.tensor([1, 2, 1, 3, 2, 1, 9, 9, 9, 9, 9]),
                       torch.tensor([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]))
    query = Features(_unit([0, 80, 35]), torch.tensor([1, 2, 3]), torch.tensor([0, 0, 0]))
    # q0: matches at ranks 1, 3 -> AP (1 + 2/3)/2, INP 2/3;  q1: ranks 1, 4 -> AP (1 + 2/4)/2, INP 2/4;
    # q2: rank 3 -> AP 1/3, INP 1/3; Rank-1 hits: q0, q1.
    expected_map = 100 * ((1 + 2 / 3) / 2 + (1 + 2 / 4) / 2 + 1 / 3) / 3
    expected_minp = 100 * (2 / 3 + 2 / 4 + 1 / 3) / 3
    evaluator = RobustnessEvaluator.__new__(RobustnessEvaluator)
    evaluator.cfg = tiny_baseline_cfg
    metrics = evaluator._evaluate_cell(query, gallery)
    assert metrics["mAP"] == pytest.approx(expected_map, abs=1e-3)
    assert metrics["mINP"] == pytest.approx(expected_minp, abs=1e-3)
    assert metrics["Rank-1"] == pytest.approx(200 / 3, abs=1e-3)


def test_cython_evaluator_agrees_with_torchreids_on_random_features():
    from fastreid.evaluation.rank import evaluate_rank
    from torchreid.reid.metrics.rank import evaluate_rank as torchreid_evaluate_rank

    rng = np.random.default_rng(0)
    q, g = rng.normal(size=(60, 16)), rng.normal(size=(400, 16))
    dist = ((q[:, None] - g[None]) ** 2).sum(-1).astype(np.float32)
    q_pids, g_pids = rng.integers(0, 30, 60), rng.integers(0, 30, 400)
    q_cams, g_cams = rng.integers(0, 4, 60), rng.integers(0, 4, 400)
    cmc, aps, _ = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=20)
    ref_cmc, ref_map = torchreid_evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=20)
    np.testing.assert_allclose(cmc, ref_cmc, atol=1e-6)
    assert np.mean(aps) == pytest.approx(ref_map, abs=1e-6)


@pytest.fixture
def robustness_cfg(tiny_baseline_cfg, tmp_path_factory):
    cfg = tiny_baseline_cfg
    cfg.DATASETS.CORRUPTION.TEST.TYPES = eval(CHEAP_TYPES)
    cfg.DATASETS.CORRUPTION.TEST.SEVERITIES = [1, 5]
    cfg.TEST.ROBUSTNESS.REPEATS = 2
    cfg.TEST.ROBUSTNESS.GRID = True
    cfg.DATASETS.CORRUPTION.TEST.NUM_WORKERS = 2
    cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR = str(tmp_path_factory.getbasetemp() / "corruption-cache")
    return cfg


@pytest.fixture
def tiny_model(robustness_cfg):
    from cfat_plugin.engine import ReIDTrainer

    torch.manual_seed(0)
    robustness_cfg.MODEL.HEADS.NUM_CLASSES = 60
    return ReIDTrainer.build_model(robustness_cfg).eval()


@pytest.mark.slow
def test_report_files_cells_and_clean_numbers_equal_fastreids(robustness_cfg, tiny_model, tmp_path):
    from cfat_plugin.engine import ReIDTrainer

    out = tmp_path / "rob"
    summary = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(out), progress=False).run()
    stock = ReIDTrainer.__mro__[1].test(robustness_cfg, tiny_model)  # FastReID's DefaultTrainer.test
    for metric in ("mAP", "Rank-1", "mINP"):
        assert summary["clean"][metric] == pytest.approx(stock[metric], abs=1e-4)

    for name in ("results.json", "summary.json", "summary.csv", "report.md", "heatmap_mAP.png",
                 "relative_robustness.csv"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    # clean + 2 repeats x 3 settings + 3 types x 2 severities
    assert len(results["cells"]) == 1 + 6 + 6
    assert results["protocol"]["seed"] == 0 and "MODEL" in results["config"]
    assert len(summary["grid"]["mAP"]) == 3 and all(len(r) == 2 and None not in r for r in summary["grid"]["mAP"])
    assert summary["settings"]["both"]["mAP"]["n"] == 2
    assert "corrupted mAP" in (out / "report.md").read_text()
    assert 0 < summary["relative"]["overall"] < 1.5


def test_same_seed_repeats_exactly_and_draws_differ(robustness_cfg, tiny_model, tmp_path):
    robustness_cfg.TEST.ROBUSTNESS.GRID = False
    robustness_cfg.TEST.ROBUSTNESS.SETTINGS = ["clean", "both"]
    first = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(tmp_path / "a"), False).run()
    again = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(tmp_path / "b"), False).run()
    assert first["settings"] == again["settings"]
    assert first["settings"]["both"]["mAP"]["std"] > 0  # two draws of one seed differ
    robustness_cfg.DATASETS.CORRUPTION.TEST.SEED = 7
    other = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(tmp_path / "c"), False).run()
    assert other["settings"]["both"]["mAP"]["mean"] != first["settings"]["both"]["mAP"]["mean"]


@pytest.mark.slow
def test_interrupted_run_resumes_only_missing_cells(robustness_cfg, tiny_model, tmp_path, monkeypatch):
    out = str(tmp_path / "rob")
    calls = []
    original = RobustnessEvaluator._evaluate_cell

    def interrupted(self, query, gallery):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(1)
        return original(self, query, gallery)

    monkeypatch.setattr(RobustnessEvaluator, "_evaluate_cell", interrupted)
    with pytest.raises(KeyboardInterrupt):
        RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", out, False).run()
    assert len(json.load(open(os.path.join(out, "results.json")))["cells"]) == 5

    calls.clear()
    monkeypatch.setattr(RobustnessEvaluator, "_evaluate_cell", lambda self, q, g: calls.append(1) or
                        original(self, q, g))
    summary = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", out, False).run()
    assert len(calls) == 13 - 5
    assert len(json.load(open(os.path.join(out, "results.json")))["cells"]) == 13
    assert not math.isnan(summary["settings"]["both"]["mAP"]["mean"])

    with torch.no_grad():  # other weights: nothing is resumed
        next(tiny_model.parameters()).add_(1.0)
    calls.clear()
    RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", out, False).run()
    assert len(calls) == 13


def test_grid_types_slice_the_grid_and_leave_the_random_draws_alone():
    from cfat_plugin.data.corruptions import CORRUPTION_TYPES
    from cfat_plugin.evaluation.cells import plan_cells

    plan = plan_cells(["both"], repeats=1, seed=0, grid=True, grid_types=("fog", "rain"), grid_severities=(3,))
    assert [c.cell_id for c in plan.by_kind("grid")] == ["grid/fog/3", "grid/rain/3"]
    assert plan.by_kind("random")[0].query.types == tuple(CORRUPTION_TYPES)


def test_one_pool_corrupts_every_version_before_the_first_cell(robustness_cfg, tiny_model, tmp_path, monkeypatch):
    from cfat_plugin.data.corruptions import CorruptionCache

    robustness_cfg.TEST.ROBUSTNESS.GRID = False
    robustness_cfg.TEST.ROBUSTNESS.SETTINGS = ["clean", "both", "query"]
    robustness_cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR = str(tmp_path / "fresh-cache")
    fills = []
    original = CorruptionCache.fill

    def recorded(self, jobs, *args, **kwargs):
        stats = original(self, jobs, *args, **kwargs)
        fills.append((len(jobs), stats.computed))
        return stats

    monkeypatch.setattr(CorruptionCache, "fill", recorded)
    summary = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(tmp_path / "rob"), False).run()
    sizes = summary["protocol"]["num_query"], summary["protocol"]["num_gallery"]
    # 2 draws x (query + gallery) versions, all in the first fill; "query" reuses "both"'s corrupted query
    assert fills[0] == (2 * sum(sizes), 2 * sum(sizes))
    assert all(computed == 0 for _, computed in fills[1:]) and len(fills) > 1


def test_prefilled_cache_leaves_a_grid_run_nothing_to_compute(robustness_cfg, tiny_model, tmp_path):
    """The cache tool plans through the evaluator: after it, the benchmark (grid included) computes nothing."""
    from cfat_plugin.engine import prefill_cache

    cache = tmp_path / "cache"
    robustness_cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR = str(cache)
    robustness_cfg.TEST.ROBUSTNESS.GRID = False  # the tool's --grid asks for it
    robustness_cfg.TEST.ROBUSTNESS.GRID_TYPES = ["contrast"]  # a grid narrower than the random draws
    saved = tmp_path / "config.yaml"
    saved.write_text(robustness_cfg.dump())
    stats = prefill_cache.main(["--config-file", str(saved), "--grid", "--num-workers", "1"])
    files = sorted(str(p.relative_to(cache)) for p in cache.rglob("*.png"))
    assert stats.computed == len(files) > 240 * 2  # CUHK01-mini's 240 test images: 2 random draws + the grid
    for severity in (1, 5):  # the grid's row: every test image at both severities
        assert len([f for f in files if f"{os.sep}contrast{os.sep}s{severity}{os.sep}" in os.sep + f]) >= 240
    robustness_cfg.TEST.ROBUSTNESS.GRID = True
    summary = RobustnessEvaluator(robustness_cfg, tiny_model, "CUHK01", str(tmp_path / "rob"), False).run()
    assert summary["grid"]["types"] == ["contrast"] and None not in summary["grid"]["mAP"][0]
    assert sorted(str(p.relative_to(cache)) for p in cache.rglob("*.png")) == files  # nothing computed by the run
