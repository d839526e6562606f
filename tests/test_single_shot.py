"""The CUHK03 single-shot protocol: a hand-computed case, seeded draws, the trainer's choice, the command line."""
import itertools
import os
import re

import numpy as np
import pytest
import torch

import cfat_plugin  # noqa: F401  (compat fixes and registrations before FastReID)
from cfat_plugin.engine import ReIDTrainer, apply_runtime_config, load_config
from cfat_plugin.evaluation.single_shot import SingleShotEvaluator, evaluate_single_shot, published_line
from cfat_plugin.utils.errors import QueryWithoutMatchError
from conftest import REPO_ROOT, run_tool
from real_layouts import make_low_resolution, make_market1501

BASELINE_CFG = os.path.join("configs", "CUHK01", "baseline_R18_cpu.yml")


def _cfg(*opts: str):
    return load_config("", ["TEST.METRIC", "euclidean", *opts])


def _evaluate(cfg, feats, pids, camids, num_query: int) -> dict:
    """The evaluator on 1-d features, as FastReID's inference loop feeds it (query first)."""
    evaluator = SingleShotEvaluator(cfg, num_query, "hand-made")
    evaluator.process({"targets": torch.tensor(pids), "camids": torch.tensor(camids)},
                      torch.tensor(feats, dtype=torch.float32)[:, None])
    return evaluator.evaluate()


# Six images on a line (1-d features, euclidean distance), queries first:
#   query   q0 id 1 cam 0 at  0.0    q1 id 2 cam 0 at -0.3    q2 id 1 cam 1 at -0.6
#   gallery g0 id 1 cam 0 at  0.0    g1 id 1 cam 1 at -0.6    g2 id 2 cam 1 at  0.2
SIX = dict(feats=[0.0, -0.3, -0.6, 0.0, -0.6, 0.2], pids=[1, 2, 1, 1, 1, 2], camids=[0, 0, 1, 0, 1, 1], num_query=3)


def test_six_image_case_equals_the_hand_computed_result():
    # By hand. The gallery has two ids, so each draw ranks two images, one per id.
    # q0 (id 1, cam 0): g0 (distance 0) is its id in its camera, left out; id 1 is g1 (0.6), id 2 is g2 (0.2):
    #     g2 first, the match second, in every draw: CMC@1 0, AP 1/2.
    # q1 (id 2, cam 0): nothing left out; id 1 is g0 or g1 (both 0.3), either ahead of its match g2 (0.5):
    #     rank 2 in every draw, AP 1/2 (all images ranked, as multi-shot does: rank 3, AP 1/3).
    # q2 (id 1, cam 1): g1 (0) left out; id 1 is g0 (0.6), ahead of g2 (0.8): rank 1, AP 1.
    # Rank-1 = 1/3; Rank-5, -10, -20 = 3/3 (two gallery ids: found by rank 2); mAP = (1/2 + 1/2 + 1) / 3 = 2/3.
    expected = {"Rank-1": 100 / 3, "Rank-5": 100.0, "Rank-10": 100.0, "Rank-20": 100.0, "mAP": 200 / 3}
    results = _evaluate(_cfg("TEST.SINGLE_SHOT.DRAWS", "7"), **SIX)
    assert results == pytest.approx({**expected, "metric": (200 / 3 + 100 / 3) / 2})
    feats = np.array(SIX["feats"])
    dist = np.abs(feats[:3, None] - feats[None, 3:])
    pids, cams = np.array(SIX["pids"]), np.array(SIX["camids"])
    assert evaluate_single_shot(dist, pids[:3], pids[3:], cams[:3], cams[3:]) == pytest.approx(expected)
    assert published_line(expected) == "Rank@1=33.3  Rank@5=100.0  Rank@10=100.0  Rank@20=100.0  mAP=66.7"


# One query (id 2) whose id 1 neighbour is near in one image and far in the other: the draw decides
# whether its match comes first (gallery: id 1 at 0.1 and 0.9, id 2 at 0.5 from the query).
DRAWN = dict(feats=[0.0, 0.1, 0.9, 0.5], pids=[2, 1, 1, 2], camids=[0, 1, 1, 1], num_query=1)


def test_draws_are_seeded_by_their_own_key_and_not_by_the_training_seed():
    from fastreid.utils.env import seed_all_rng

    cfg = _cfg("TEST.SINGLE_SHOT.DRAWS", "25", "TEST.SINGLE_SHOT.SEED", "3")
    runs = []
    for training_seed in (0, 1, 12345):
        cfg.defrost()
        cfg.SEED = training_seed
        seed_all_rng(training_seed)  # what setup() does with SEED
        state = np.random.get_state()[1].copy()
        runs.append(_evaluate(cfg, **DRAWN))
        assert np.array_equal(np.random.get_state()[1], state)  # NumPy's global state is not drawn from
    assert runs[0] == runs[1] == runs[2] and 0 < runs[0]["Rank-1"] < 100
    by_seed = {_evaluate(_cfg("TEST.SINGLE_SHOT.DRAWS", "25", "TEST.SINGLE_SHOT.SEED", str(s)), **DRAWN)["Rank-1"]
               for s in range(6)}
    assert len(by_seed) > 1  # the draw seed does choose the draws


def test_many_draws_reach_the_protocol_expectation():
    """Each query's exact expectation, every combination of one allowed image per id enumerated, against
    4,000 seeded draws (the code draws per query, this per draw: the same expectation)."""
    rng = np.random.default_rng(7)
    g_pids, g_cams = np.array([1, 1, 1, 2, 2, 3, 4, 4]), np.array([0, 1, 1, 0, 1, 1, 0, 1])
    q_pids, q_cams = np.array([1, 1, 2, 3, 4, 4]), np.array([0, 1, 0, 0, 0, 1])
    dist = rng.random((len(q_pids), len(g_pids)))
    exact = {k: 0.0 for k in ("Rank-1", "Rank-5", "mAP")}
    for q, (pid, cam) in enumerate(zip(q_pids, q_cams)):
        allowed = [[g for g in range(len(g_pids)) if g_pids[g] == p and not (p == pid and g_cams[g] == cam)]
                   for p in (1, 2, 3, 4)]
        combos = list(itertools.product(*allowed))
        for combo in combos:
            match = dist[q, combo[pid - 1]]
            rank = 1 + sum(dist[q, g] < match for g in combo)
            exact["Rank-1"] += (rank == 1) / len(combos) / len(q_pids) * 100
            exact["Rank-5"] += (rank <= 5) / len(combos) / len(q_pids) * 100
            exact["mAP"] += 1 / rank / len(combos) / len(q_pids) * 100
    drawn = evaluate_single_shot(dist, q_pids, g_pids, q_cams, g_cams, draws=4000, seed=0)
    assert abs(drawn["Rank-1"] - exact["Rank-1"]) < 1.5 and abs(drawn["mAP"] - exact["mAP"]) < 1.0
    assert drawn["Rank-5"] == pytest.approx(exact["Rank-5"]) == 100.0  # four gallery ids: always found by rank 5


def test_a_query_id_without_a_gallery_match_is_named():
    dist = np.zeros((3, 2))
    with pytest.raises(QueryWithoutMatchError, match=r"of MLRCUHK03: query ids 7, 9 have no gallery image in another"):
        evaluate_single_shot(dist, [1, 7, 9], [1, 2], [0, 0, 0], [1, 1], dataset="MLRCUHK03")
    with pytest.raises(QueryWithoutMatchError, match=r"query id 1 has no gallery image"):  # only in its own camera
        evaluate_single_shot(dist[:1], [1], [1, 2], [0], [0, 1])


def test_trainer_builds_the_single_shot_evaluator_for_the_sets_that_ask(tmp_path):
    make_low_resolution(str(tmp_path))
    make_market1501(str(tmp_path))
    cfg = load_config("", ["DATASETS.ROOT", str(tmp_path), "DATALOADER.NUM_WORKERS", "0"])
    apply_runtime_config(cfg)
    try:
        loader, evaluator = ReIDTrainer.build_evaluator(cfg, "MLRCUHK03")
        assert isinstance(evaluator, SingleShotEvaluator) and evaluator._num_query == 3
        assert len(loader.dataset) == 3 + 6
        from fastreid.evaluation import ReidEvaluator

        assert type(ReIDTrainer.build_evaluator(cfg, "Market1501")[1]) is ReidEvaluator
    finally:
        apply_runtime_config(load_config())


@pytest.fixture(scope="module")
def mlr_run(tmp_path_factory):
    """A hand-made MLR-CUHK03 folder, one whose gallery lacks query id 41, and an untrained model's weights."""
    from fastreid.utils.checkpoint import Checkpointer

    root = tmp_path_factory.mktemp("mlr-eval")
    make_low_resolution(str(root / "complete"))
    make_low_resolution(str(root / "incomplete"))
    for name in os.listdir(root / "incomplete" / "MLR-CUHK03" / "gallery" / "0041"):
        os.remove(root / "incomplete" / "MLR-CUHK03" / "gallery" / "0041" / name)
    cfg = load_config(os.path.join(REPO_ROOT, BASELINE_CFG), ["MODEL.BACKBONE.PRETRAIN", "False"])
    torch.manual_seed(0)
    Checkpointer(ReIDTrainer.build_model(cfg), save_dir=str(root)).save("weights")
    return root


def _eval_only(root, data: str, *opts: str):
    return run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG, "--eval-only",
                     "MODEL.WEIGHTS", str(root / "weights.pth"), "DATASETS.ROOT", str(root / data),
                     "DATASETS.TESTS", "('MLRCUHK03',)", "OUTPUT_DIR", str(root / f"out-{data}"),
                     "INPUT.SIZE_TEST", "[64,32]", "DATALOADER.NUM_WORKERS", "0", *opts])


def test_eval_only_on_an_mlr_config_reports_the_single_shot_scores(mlr_run):
    result = _eval_only(mlr_run, "complete", "TEST.SINGLE_SHOT.DRAWS", "10")
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    line = re.search(r"MLRCUHK03 single-shot \(10 draws, seed 0\): Rank@1=([\d.]+)  Rank@5=([\d.]+)  "
                     r"Rank@10=([\d.]+)  Rank@20=([\d.]+)  mAP=([\d.]+)", log)
    assert line, log[-3000:]
    assert re.search(r"\| Dataset +\| Rank-1 +\| Rank-5 +\| Rank-10 +\| Rank-20 +\| mAP +\| metric +\|", log)
    table = re.search(r"\| MLRCUHK03 +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+)", log)
    assert [float(v) for v in table.groups()] == pytest.approx([float(v) for v in line.groups()], abs=0.051)


def test_eval_only_names_a_query_id_missing_from_the_gallery_exit_2(mlr_run):
    result = _eval_only(mlr_run, "incomplete")
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: single-shot evaluation of MLRCUHK03: query id 41 has no gallery image in another camera; the "
        "protocol ranks each query's id among one gallery image per id, so the gallery must hold every query id"]
