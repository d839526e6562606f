"""SYSU-MM01's protocol (camera rule, trials, single/multi-shot) and RegDB's directions, on hand-made cases."""
import numpy as np
import pytest
from real_layouts import write_rand_perm

from cfat_plugin.data.synthetic.layouts import sysu
from cfat_plugin.evaluation.cross_modality import regdb_protocol, sysu_protocol

A1, A2 = "cam1/0001/0001.jpg", "cam1/0001/0002.jpg"  # id 1's two camera-1 images
C2 = "cam2/0001/0001.jpg"  # id 1 in camera 2: same place as camera 3, never a match for a camera-3 query
N1, N4 = "cam1/0002/0001.jpg", "cam4/0002/0001.jpg"  # id 2, cameras 1 and 4 (camera 4: all-search only)
Q1, Q2 = "cam3/0001/0001.jpg", "cam6/0002/0001.jpg"  # infrared queries of ids 1 and 2
ITEMS = [(p, pid, cam) for p, (cam, pid, _) in ((p, sysu.parse_path(p)) for p in (A1, A2, C2, N1, N4, Q1, Q2))]
DIST = {(Q1, A1): 0.1, (Q1, A2): 0.9, (Q1, C2): 0.05, (Q1, N1): 0.5, (Q1, N4): 0.6, (Q2, N1): 0.2, (Q2, N4): 0.3}


def distance(query, gallery):
    return np.array([[DIST.get((q[0], g[0]), 0.5) for g in gallery] for q in query])


def test_sysu_single_shot_camera_rule_and_trials():
    """Query 1: camera 2 is left out (else it would rank first). With A1 in the trial's gallery query 1
    is right at rank 1 (AP 1); with A2 its match comes after the two id-2 images (rank 3, AP 1/3).
    Query 2 is always right (AP 1). The result is the mean over the trials' draws."""
    trials = 10
    has_a1 = [A1 in {g[0] for g in sysu.split_query_gallery(ITEMS, "all", t)[1]} for t in range(1, trials + 1)]
    assert 0 < sum(has_a1) < trials  # the draws differ between trials
    out = sysu_protocol(ITEMS, distance, modes=("all",), shots=(1,), trials=trials, directions=("ir_to_rgb",))
    cell = out["all_1shot_ir_to_rgb"]
    assert out.notes == [sysu.SEEDED_DRAWS]
    assert cell["mAP"] == pytest.approx(100 * np.mean([(1.0 + (1 if a else 1 / 3)) / 2 for a in has_a1]))
    assert cell["rank1"] == pytest.approx(100 * np.mean([(1.0 + (1 if a else 0)) / 2 for a in has_a1]))


def test_sysu_multi_shot_and_indoor():
    """Multi-shot: both id-1 images are in every gallery: query 1's matches at ranks 1 and 4 (after N1,
    N4), AP (1 + 2/4) / 2 = 0.75, INP 2/4; query 2's at ranks 1 and 2, AP 1, INP 1. Indoor (cameras 1, 2)
    drops N4: query 1's matches at ranks 1 and 3, AP (1 + 2/3) / 2."""
    out = sysu_protocol(ITEMS, distance, modes=("all", "indoor"), shots=(10,), trials=3, directions=("ir_to_rgb",))
    assert out["all_10shot_ir_to_rgb"]["mAP"] == pytest.approx(100 * (0.75 + 1) / 2)
    assert out["all_10shot_ir_to_rgb"]["mINP"] == pytest.approx(100 * (0.5 + 1) / 2)
    assert out["all_10shot_ir_to_rgb"]["rank1"] == pytest.approx(100.0)
    assert out["indoor_10shot_ir_to_rgb"]["mAP"] == pytest.approx(100 * ((1 + 2 / 3) / 2 + 1) / 2)


def test_sysu_rgb_to_ir_leaves_camera_3_out_for_camera_2_queries():
    """Visible queries, infrared gallery (multi-shot, every visible image queries): C2 (camera 2) may not
    match Q1 (camera 3), so it has no match left and is not a valid query."""
    out = sysu_protocol(ITEMS, lambda q, g: distance(g, q).T, modes=("all",), shots=(10,), trials=1,
                        directions=("rgb_to_ir",))
    # A1 -> Q1 0.1 vs Q2 0.5: rank 1; A2 -> Q1 0.9 vs Q2 0.5: rank 2; N1 -> Q2 0.2: rank 1; N4 -> Q2 0.3: rank 1.
    # C2 has no match left (camera 3 excluded) and is not a valid query.
    assert out["all_10shot_rgb_to_ir"]["mAP"] == pytest.approx(100 * (1 + 0.5 + 1 + 1) / 4)


def test_regdb_both_directions():
    visible = [("v1", 1, 0), ("v2", 2, 0)]
    thermal = [("t1", 1, 1), ("t2", 2, 1)]
    table = {("v1", "t1"): 0.1, ("v1", "t2"): 0.2, ("v2", "t1"): 0.15, ("v2", "t2"): 0.3}

    def dist(q, g):
        return np.array([[table.get((a[0], b[0]), table.get((b[0], a[0]))) for b in g] for a in q])

    out = regdb_protocol(visible, thermal, dist)
    assert out["visible_to_thermal"]["rank1"] == pytest.approx(50.0)  # v2 ranks t1 first
    assert out["thermal_to_visible"]["rank1"] == pytest.approx(50.0)  # t1 finds v1, t2 finds v1 too


def test_sysu_published_gallery_draws_from_rand_perm_cam(tmp_path):
    """Camera 1, id 1: trial 1 takes image 2 (A2: query 1's match at rank 3, AP 1/3), trial 2 image 1
    (A1: rank 1). Query 2 is right in both. An empty cell (camera 4, id 1) gives no gallery image."""
    write_rand_perm(str(tmp_path / "perm.mat"), {(1, 1): [[2, 1], [1, 2]], (1, 2): [[1], [1]], (2, 1): [[1], [1]],
                                                 (4, 2): [[1], [1]]}, num_ids=2)
    perm = sysu.read_rand_perm(tmp_path / "perm.mat")
    assert sorted(perm) == [(1, 1), (1, 2), (2, 1), (4, 2)] and perm[1, 1].tolist() == [[2, 1], [1, 2]]
    assert [g[0] for g in sysu.split_query_gallery(ITEMS, "all", 1, perm=perm)[1]] == [A2, C2, N1, N4]
    out = sysu_protocol(ITEMS, distance, modes=("all",), shots=(1,), trials=2, directions=("ir_to_rgb",), perm=perm)
    assert out["all_1shot_ir_to_rgb"]["mAP"] == pytest.approx(100 * ((1 / 3 + 1) / 2 + 1) / 2)
    assert out.notes == [sysu.PUBLISHED_DRAWS]  # every report of these figures says whose draws
    multi = sysu.split_query_gallery(ITEMS, "all", 1, shots=10, perm=perm)[1]
    assert {A1, A2} <= {g[0] for g in multi}


def test_distinct_id_cmc_counts_identities_not_images():
    """Query A's gallery ranked B, B, A, C: FastReID's first match is at image 3, the published CMC's at
    identity 2 (B's second image is a repeat); an excluded pair is skipped before the ids are counted."""
    from fastreid.evaluation.rank import evaluate_rank

    from cfat_plugin.evaluation.cross_modality import distinct_id_cmc

    dist = np.array([[0.1, 0.2, 0.3, 0.4]])
    q, g = np.array([1]), np.array([2, 2, 1, 3])
    cmc = distinct_id_cmc(dist, q, g, np.zeros((1, 4), dtype=bool), max_rank=3)
    assert cmc.tolist() == [0.0, 1.0, 1.0]
    stock, _, _ = evaluate_rank(dist, q, g, np.array([0]), np.array([1, 1, 1, 1]), max_rank=3, use_cython=False)
    assert stock.tolist() == [0.0, 0.0, 1.0]
    assert distinct_id_cmc(dist, q, g, np.array([[True, True, False, False]]), max_rank=3).tolist() == [1.0] * 3
