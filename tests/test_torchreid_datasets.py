"""CUHK01 through torchreid's reader: the same photos as the foundation's adapter, a CFAT model trained
and evaluated on it, and FastReID's Cython evaluator against torchreid's on that model's features."""
import os
from collections import defaultdict

import numpy as np
import pytest
import torch

from test_cfat_model import save_teacher

from cfat_plugin.data.datasets import CUHK01, TorchreidCUHK01

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def work_dir(tmp_path, monkeypatch):
    """torchreid's split files go here, never into the shared data folder."""
    monkeypatch.setenv("CFAT_TORCHREID_DATA", str(tmp_path / "torchreid-work"))
    return tmp_path / "torchreid-work"


def identity_groups(data):
    """The photos of each identity as sets (train labels and test ids both name identities)."""
    groups = defaultdict(set)
    for split in (data.train, data.query, data.gallery):
        for path, pid, _ in split:
            groups[pid].add(path)
    return {frozenset(paths) for paths in groups.values()}


def camera_of(data):
    """path -> camera number (train cameras carry the data set prefix)."""
    return {path: int(str(cam).rsplit("_", 1)[-1]) for split in (data.train, data.query, data.gallery)
            for path, _, cam in split}


def test_same_photos_identities_and_cameras_as_the_foundation_adapter(cuhk01_root, work_dir):
    shared_before = sorted(os.listdir(cuhk01_root))
    ours, foundation = TorchreidCUHK01(root=cuhk01_root), CUHK01(root=cuhk01_root)

    # the same 480 files, each once, on the same cameras, grouped into the same 120 identities
    assert camera_of(ours) == camera_of(foundation) and len(camera_of(ours)) == 480
    assert sum(len(s) for s in (ours.train, ours.query, ours.gallery)) == 480
    assert identity_groups(ours) == identity_groups(foundation) and len(identity_groups(ours)) == 120
    # test identities keep torchreid's numbering: the file's PPPP minus 1 (the foundation keeps PPPP)
    assert all(pid == int(os.path.basename(p)[:4]) - 1 for p, pid, _ in ours.query + ours.gallery)
    # same protocol, torchreid's own split: 60 train ids, camera A query / camera B gallery of the other 60
    train_paths = {p for p, _, _ in ours.train}
    assert len({pid for _, pid, _ in ours.train}) == 60 and len(train_paths) == 240
    assert {pid for _, pid, _ in ours.query} == {pid for _, pid, _ in ours.gallery}
    assert {cam for _, _, cam in ours.query} == {0} and {cam for _, _, cam in ours.gallery} == {1}
    assert train_paths.isdisjoint(p for p, _, _ in ours.query + ours.gallery)

    assert sorted(os.listdir(cuhk01_root)) == shared_before  # nothing written into the data folder
    assert list(work_dir.glob("cuhk01-*-seed0/cuhk01/splits.json"))
    assert TorchreidCUHK01(root=cuhk01_root).query == ours.query  # the split file is reused
    assert TorchreidCUHK01(root=cuhk01_root, split_seed=1).query != ours.query


def test_split_is_seeded_not_left_to_numpys_global_state(cuhk01_root, tmp_path, monkeypatch):
    queries = []
    for run in range(2):
        monkeypatch.setenv("CFAT_TORCHREID_DATA", str(tmp_path / f"fresh{run}"))  # a new splits.json each time
        np.random.seed(run)
        queries.append(TorchreidCUHK01(root=cuhk01_root).query)
    assert queries[0] == queries[1]


def test_missing_folder_shows_the_layout(tmp_path, work_dir):
    with pytest.raises(FileNotFoundError, match=r"cuhk01/campus/PPPPKKK.png"):
        TorchreidCUHK01(root=str(tmp_path / "nowhere"))


def test_cfat_trained_on_torchreid_cuhk01_scores_the_same_under_both_evaluators(tiny_baseline_cfg, work_dir,
                                                                                 tmp_path):
    """ViT teacher + OSNet student, trained a few steps on paired views of CUHK01 read by torchreid's reader."""
    import fastreid.evaluation.rank as fastreid_rank
    from cfat_plugin.engine import ReIDTrainer
    from fastreid.evaluation import inference_on_dataset
    from fastreid.utils.compute_dist import build_dist
    from fastreid.utils.events import EventStorage
    from torchreid.reid.metrics.rank import evaluate_rank as torchreid_evaluate_rank

    teacher_file, teacher_weights = save_teacher(tmp_path, "vit")
    cfg = tiny_baseline_cfg
    cfg.merge_from_list([
        "DATASETS.NAMES", '("TorchreidCUHK01",)', "DATASETS.TESTS", '("TorchreidCUHK01",)',
        "DATASETS.CORRUPTION.TRAIN.ENABLED", "True",
        "DATASETS.CORRUPTION.TRAIN.TYPES", "['gaussian_noise', 'brightness']",
        "MODEL.META_ARCHITECTURE", "CFAT", "MODEL.HEADS.NAME", "BFGHead",
        "MODEL.BACKBONE.NAME", "build_torchreid_backbone", "MODEL.BACKBONE.TORCHREID.NAME", "osnet_x0_25",
        "MODEL.BACKBONE.FEAT_DIM", "128", "MODEL.CFAT.TEACHER_PROJECTION", "linear",
        "MODEL.TEACHER.CONFIG_FILE", teacher_file, "MODEL.TEACHER.WEIGHTS", teacher_weights,
        "SOLVER.BASE_LR", "0.001",
    ])
    torch.manual_seed(0)
    trainer = ReIDTrainer(cfg)
    with EventStorage(0) as storage:
        for step in range(6):
            trainer.iter = storage.iter = step
            trainer.run_step()
            assert np.isfinite(storage.history("total_loss").latest())

    loader, evaluator = ReIDTrainer.build_evaluator(cfg, "TorchreidCUHK01")
    results = inference_on_dataset(trainer.model, loader, evaluator)  # FastReID's ReidEvaluator, Cython ranks
    assert fastreid_rank.IS_CYTHON_AVAI
    feats = torch.cat([p["feats"] for p in evaluator._predictions])
    pids = torch.cat([p["pids"] for p in evaluator._predictions]).numpy()
    camids = torch.cat([p["camids"] for p in evaluator._predictions]).numpy()
    n = evaluator._num_query
    assert n == 120 and len(pids) == 240
    dist = build_dist(feats[:n], feats[n:], cfg.TEST.METRIC)  # the distances the evaluator ranked

    cmc, aps, _ = fastreid_rank.evaluate_rank(dist, pids[:n], pids[n:], camids[:n], camids[n:])
    ref_cmc, ref_map = torchreid_evaluate_rank(dist, pids[:n], pids[n:], camids[:n], camids[n:],
                                               use_metric_cuhk03=False, use_cython=False)
    np.testing.assert_allclose(cmc, ref_cmc, atol=1e-6)
    assert np.mean(aps) == pytest.approx(ref_map, abs=1e-6)
    for k in (1, 5, 10):
        assert results[f"Rank-{k}"] == pytest.approx(100 * ref_cmc[k - 1], abs=1e-4)
    assert results["mAP"] == pytest.approx(100 * ref_map, abs=1e-4)
    assert 0 < results["mAP"] < 100
