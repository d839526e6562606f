"""MCJA's test on folders in the real SYSU-MM01 and RegDB layouts, with made-up features (no model runs):
MSER's neighbour set per protocol, the published gallery draws or the warning and report line without
them, the cost lines, and the reports (printed JSON, trainer log) carrying the notes."""
import json
import logging
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from real_layouts import make_regdb, make_sysu_mm01

from cfat_plugin.data.datasets.regdb import RegDBVI
from cfat_plugin.data.datasets.sysu_mm01 import SYSUMM01VI
from cfat_plugin.data.synthetic.layouts import sysu
from cfat_plugin.mcja import evaluation
from cfat_plugin.mcja.k_reciprocal_dense import k_reciprocal_dense, squared_euclidean

K1, K2, LAMBDA = 3, 2, 0.3


def feature(path: str, channel=None) -> torch.Tensor:
    """A fixed 16-d feature per image path (and per channel replica: its own offset)."""
    g = torch.Generator().manual_seed(zlib.crc32(path.encode()))
    f = torch.randn(16, generator=g)
    return f if channel is None else f + 0.5 * torch.randn(16, generator=torch.Generator().manual_seed(channel))


@pytest.fixture
def fake_features(monkeypatch):
    """``extract_features`` replaced: each image's made-up feature, the replica's when the model is one."""
    def extract(cfg, model, items):
        return SimpleNamespace(feats=torch.stack([feature(it[0], getattr(model, "channel", None)) for it in items]))
    monkeypatch.setattr(evaluation, "extract_features", extract)


@pytest.fixture
def mser_cfg():
    from cfat_plugin.engine import load_config

    return load_config("projects/MCJA/synthsysu_r18.yml", [
        "MODEL.DEVICE", "cpu", "MODEL.MCJA.MSER.ENABLED", "True", "MODEL.MCJA.MSER.K1", str(K1),
        "MODEL.MCJA.MSER.K2", str(K2), "MODEL.MCJA.MSER.LAMBDA", str(LAMBDA)])


def captured_distances(monkeypatch, protocol: str) -> dict:
    """The protocol function replaced by one that keeps each (query, gallery) distance it is given."""
    seen = {}

    def run(*args, **kwargs):
        visible, thermal, distance = args if protocol == "regdb_protocol" else (None, None, args[1])
        if protocol == "regdb_protocol":
            seen["thermal_to_visible"] = (thermal, visible, distance(thermal, visible))
        else:
            infrared, gallery = sysu.split_query_gallery(args[0], "all", 1, 1, kwargs.get("perm"))
            seen["ir_to_rgb"] = (infrared, gallery, distance(infrared, gallery))
        return {}
    monkeypatch.setattr(evaluation, protocol, run)
    return seen


def expected_mser(queries, gallery, neighbours_only_queries: bool) -> np.ndarray:
    """Infrared queries against the four variants of a visible gallery, by the dense reference."""
    q = torch.stack([feature(it[0]) for it in queries])
    variants = [torch.stack([feature(it[0], c) for it in gallery]) for c in (None, 0, 1, 2)]
    feats = F.normalize(torch.cat([q] + variants), dim=1)
    dense = k_reciprocal_dense(squared_euclidean(feats, feats), len(q), K1, K2, LAMBDA,
                               query_neighbours_only=neighbours_only_queries)
    return dense.reshape(len(q), 4, len(gallery)).mean(axis=1)


def test_regdb_mser_draws_neighbours_from_the_whole_set(tmp_path, monkeypatch, fake_features, mser_cfg):
    """The published RegDB call passes ``eval_type=False``: neighbour lists from the whole stacked set."""
    make_regdb(str(tmp_path))
    seen = captured_distances(monkeypatch, "regdb_protocol")
    evaluation.evaluate_regdb_like(mser_cfg, torch.nn.Identity(), RegDBVI(root=str(tmp_path), trial=1, verbose=False))
    thermal, visible, dist = seen["thermal_to_visible"]
    assert np.allclose(dist, expected_mser(thermal, visible, neighbours_only_queries=False), atol=2e-6)
    assert not np.allclose(dist, expected_mser(thermal, visible, neighbours_only_queries=True), atol=1e-3)


def test_sysu_mser_draws_neighbours_from_the_queries(tmp_path, monkeypatch, fake_features, mser_cfg):
    """SYSU-MM01's published call keeps the default ``eval_type=True``: neighbour lists among the queries."""
    make_sysu_mm01(str(tmp_path))
    seen = captured_distances(monkeypatch, "sysu_protocol")
    evaluation.evaluate_sysu_like(mser_cfg, torch.nn.Identity(), SYSUMM01VI(root=str(tmp_path), verbose=False))
    infrared, gallery, dist = seen["ir_to_rgb"]
    assert np.allclose(dist, expected_mser(infrared, gallery, neighbours_only_queries=True), atol=2e-6)
    assert not np.allclose(dist, expected_mser(infrared, gallery, neighbours_only_queries=False), atol=1e-3)


def test_sysu_without_rand_perm_warns_first_and_its_report_says_so(tmp_path, caplog, fake_features, mser_cfg):
    make_sysu_mm01(str(tmp_path))
    data = SYSUMM01VI(root=str(tmp_path), verbose=False)
    with caplog.at_level(logging.INFO):
        cells = evaluation.evaluate_sysu_like(mser_cfg, torch.nn.Identity(), data, modes=("all",), shots=(1,), trials=2)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "NOT the published" in r.getMessage()]
    assert len(warnings) == 1 and caplog.records.index(warnings[0]) == 0  # one line, before anything runs
    assert cells.notes == [sysu.SEEDED_DRAWS] and set(cells) == {"all_1shot_ir_to_rgb", "all_1shot_rgb_to_ir"}


def test_sysu_with_rand_perm_uses_the_published_draws_and_says_so(tmp_path, monkeypatch, caplog, fake_features,
                                                                     mser_cfg):
    """A hand-made ``rand_perm_cam.mat``: trial 1 takes image 3 of each (visible camera, id), trial 2 image 2."""
    table = {(cam, pid): [[3, 1, 2], [2, 3, 1]] for cam in (1, 2, 4, 5) for pid in range(4, 10)}
    make_sysu_mm01(str(tmp_path), perm=table)
    data = SYSUMM01VI(root=str(tmp_path), verbose=False)
    galleries = []
    real_distance = evaluation.distance_function

    def keep_galleries(*args):
        distance = real_distance(*args)

        def recorded(q, g):
            galleries.append(g)
            return distance(q, g)
        return recorded
    monkeypatch.setattr(evaluation, "distance_function", keep_galleries)
    with caplog.at_level(logging.INFO):
        cells = evaluation.evaluate_sysu_like(mser_cfg, torch.nn.Identity(), data, modes=("all",), shots=(1,),
                                              trials=2)
    numbers = [{sysu.parse_path(g[0])[2] for g in gallery} for gallery in galleries[::2]]  # ir_to_rgb of each trial
    assert numbers == [{3}, {2}]
    assert cells.notes == [sysu.PUBLISHED_DRAWS]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_every_evaluation_mode_logs_its_cost(tmp_path, caplog, fake_features, mser_cfg):
    make_sysu_mm01(str(tmp_path))
    data = SYSUMM01VI(root=str(tmp_path), verbose=False)
    with caplog.at_level(logging.INFO):
        evaluation.evaluate_sysu_like(mser_cfg, torch.nn.Identity(), data, modes=("all", "indoor"), shots=(1, 10),
                                      trials=2)
    lines = [r.getMessage() for r in caplog.records]
    for mode in ("all", "indoor"):
        for shots in (1, 10):
            assert sum(f"SYSU-MM01 {mode}-search {shots}-shot: " in m and " s per trial (" in m for m in lines) == 1
    assert sum(m.startswith("MCJA test features: ") for m in lines) == 1


def test_printed_report_and_trainer_log_carry_the_notes(monkeypatch, capsys, caplog):
    from cfat_plugin.evaluation.cross_modality import Cells

    cells = Cells({"all_1shot_ir_to_rgb": {"rank1": 1.0, "mAP": 2.0, "mINP": 3.0}}, [sysu.SEEDED_DRAWS])
    cfg = SimpleNamespace(DATASETS=SimpleNamespace(TESTS=("sysumm01vi",)))
    monkeypatch.setattr("cfat_plugin.engine.setup", lambda args: cfg)
    monkeypatch.setattr("cfat_plugin.engine.entry_points.build_eval_model", lambda cfg: None)
    monkeypatch.setattr(evaluation, "evaluate_mcja", lambda cfg, model, name, root: cells)
    evaluation.main([])
    printed = json.loads(capsys.readouterr().out)
    assert printed["sysumm01vi"]["notes"] == [sysu.SEEDED_DRAWS]
    assert printed["sysumm01vi"]["cells"]["all_1shot_ir_to_rgb"]["mAP"] == 2.0


def test_test_set_selection_is_reported_beside_the_evaluated_model_only_when_asked(tmp_path, monkeypatch, caplog):
    """Three evaluations during a training (rank-1 30, 50, 40): the plain keys are the evaluated model's
    (at the end: the final one), ``test_selected/...`` the best test-set rank-1's, labelled as such; off by
    default, and never outside a training."""
    from fastreid.utils.events import EventStorage

    from cfat_plugin.engine import load_config
    from cfat_plugin.mcja import test_selection, trainer

    cfg = load_config("projects/MCJA/synthsysu_r18.yml", ["MODEL.DEVICE", "cpu", "OUTPUT_DIR", str(tmp_path)])
    name = cfg.DATASETS.TESTS[0]
    rank1 = iter([30.0, 30.0, 50.0, 40.0, 20.0, 10.0])
    monkeypatch.setattr(evaluation, "evaluate_mcja", lambda cfg, model, name, root: {
        "all_1shot_ir_to_rgb": {"rank1": next(rank1), "mAP": 5.0, "mINP": 1.0}})
    monkeypatch.setattr("cfat_plugin.evaluation.precision.inference_model", lambda cfg, model: model)
    model = torch.nn.Linear(1, 1)

    def test_at(iteration):
        with EventStorage(iteration):
            return trainer.MCJATrainer.test(cfg, model)[name]

    assert all(k.startswith("all_1shot_ir_to_rgb/") for k in test_at(100))  # off: the default
    assert not (tmp_path / test_selection.FILE).exists()
    cfg.defrost()
    cfg.MODEL.MCJA.TEST.SELECTION = True
    test_at(100), test_at(200)
    with caplog.at_level(logging.INFO):
        last = test_at(300)
    assert last["all_1shot_ir_to_rgb/rank1"] == 40.0 and last["test_selected/all_1shot_ir_to_rgb/rank1"] == 50.0
    said = [r.getMessage() for r in caplog.records if "TEST-SET SELECTION" in r.getMessage()]
    assert len(said) == 1 and "at iteration 200 of 3 evaluations" in said[0]
    assert test_at(100)["test_selected/all_1shot_ir_to_rgb/rank1"] == 20.0  # a new training: the old ones go
    assert [run["iteration"] for run in json.loads((tmp_path / test_selection.FILE).read_text())[name]] == [100]
    assert not any(k.startswith("test_selected/") for k in trainer.MCJATrainer.test(cfg, model)[name])
