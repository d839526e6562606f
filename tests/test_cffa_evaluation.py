"""The text-to-image scores against a hand-computed case (IRRA's R@k, mAP over all positives, mINP)."""
import torch

from cfat_plugin.cffa.evaluation import rank_metrics, t2i_table, text_to_image_scores


def test_scores_of_a_hand_computed_ranking():
    # two queries, four gallery images; query 0 (pid 1) ranks gallery pids [2, 1, 3, 1]: positives at 2 and 4
    # AP = (1/2 + 2/4) / 2 = 0.5; INP = 2/4; query 1 (pid 3) ranks [3, ...]: AP 1, INP 1
    sim = torch.tensor([[.9, .8, .7, .6], [.1, .2, .9, .3]])
    g_pids = torch.tensor([2, 1, 3, 1])
    q_pids = torch.tensor([1, 3])
    m = rank_metrics(sim, q_pids, g_pids)
    assert m["R1"] == 50.0 and m["R5"] == 100.0 and m["R10"] == 100.0
    assert abs(m["mAP"] - 75.0) < 1e-4 and abs(m["mINP"] - 75.0) < 1e-4


def test_views_fuse_global_and_local_and_the_table_names_them():
    text = {"global": torch.eye(2), "local": torch.eye(2)}
    image = {"global": torch.eye(2), "local": torch.eye(2).flip(0)}
    scores = text_to_image_scores(text, image, torch.tensor([0, 1]), torch.tensor([0, 1]))
    assert list(scores) == ["global", "local", "fused"]
    assert scores["global"]["R1"] == 100.0 and scores["local"]["R1"] == 0.0
    table = t2i_table({"SynthPEDES": scores})
    assert "| SynthPEDES t2i fused" in table and "mINP" in table
