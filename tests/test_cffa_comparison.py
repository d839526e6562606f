"""The CFFA comparison end to end at the tiny profile (pedes-tiny, 2 iterations a model): two arms of one seed
trained and scored with IRRA's metrics, the headline and global columns, a rerun trains nothing,
--report-only writes the report; the loss terms each arm's weights switch on; the chance row."""
import json
import math
import os

import pytest
import torch

from conftest import record_trainings

ARMS = ["contrastive", "cffa_sdm"]


def _model(weights: dict):
    from fastreid.modeling import build_model

    from cfat_plugin.cffa.comparison import CONFIG
    from cfat_plugin.engine import load_config

    opts = ["MODEL.HEADS.NUM_CLASSES", "4", "MODEL.CFFA.TEXT_AUG_PROB", "0.0"]
    for name, weight in weights.items():
        opts += [f"MODEL.CFFA.LOSS.{name}", str(weight)]
    return build_model(load_config(CONFIG, opts)).train()


@pytest.mark.parametrize("arm", ["contrastive", "irra", "cffa_sdm", "cffa_no_flfr"])
def test_each_arm_trains_exactly_its_loss_terms(arm, one_torch_thread):
    from cfat_plugin.cffa.comparison import ARMS as ALL

    _, weights, _ = ALL[arm]
    torch.manual_seed(0)
    model = _model(weights)
    batch = {"images": torch.rand(4, 3, 128, 64) * 255, "targets": torch.tensor([0, 0, 1, 2]),
             "caption": ["a man in a red coat", "a man in a red coat and jeans", "a woman in blue", "a girl in green"]}
    losses = model(batch)
    assert set(losses) == {f"loss_{name.lower()}" for name, w in weights.items() if w > 0}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    # FLFR's heads exist exactly when a local loss is on, and so does the local feature at test time
    local = weights["MAL_LOCAL"] > 0 or weights["SDM_LOCAL"] > 0
    assert (model.flfr_image is not None) == local
    model.eval()
    with torch.no_grad():
        assert set(model.encode_image(model.preprocess(batch))) == ({"global", "local"} if local else {"global"})


@pytest.mark.slow
def test_tiny_comparison_scores_each_arm_once_and_a_rerun_trains_nothing(tmp_path, monkeypatch, one_torch_thread):
    from cfat_plugin.cffa import comparison

    trained = record_trainings(monkeypatch, comparison,
                               lambda cfg: (cfg.MODEL.CFFA.LOSS.ITC, cfg.MODEL.CFFA.LOSS.SDM_LOCAL, cfg.SEED))
    results, out = tmp_path / "cffa.json", tmp_path / "out"
    argv = ["--profile", "tiny", "--seeds", "0", "--arms", *ARMS, "--root", str(tmp_path / "data"),
            "--output-dir", str(out), "--results", str(results)]
    comparison.main(argv)
    assert trained == [(1.0, 0.0, 0), (0.0, 1.0, 0)]
    data = json.loads(results.read_text())
    assert data["profile"] == "tiny" and sorted(data["results"]) == sorted(ARMS)
    for arm in ARMS:
        row = data["results"][arm]["0"]
        assert set(row) == set(comparison.COLUMNS)
        assert all(math.isfinite(v) and 0.0 <= v <= 100.0 for v in row.values()), row
    # without FLFR the headline is the global similarity; with it, the fused one
    contrastive = data["results"]["contrastive"]["0"]
    assert all(contrastive[m] == contrastive[f"global_{m}"] for m in ("R1", "mAP"))
    assert data["chance"]["R1"] < 100 and set(data["chance"]) == set(comparison.METRICS)
    # each arm's checkpoint is gone once scored; its config and training metrics stay
    arm_dirs = [out / "tiny" / "seed0" / arm for arm in ARMS]
    assert all((d / "config.yaml").is_file() and (d / "metrics.json").is_file() and not list(d.glob("*.pth"))
               for d in arm_dirs)

    def refuse(cfg, iters_per_epoch=None):
        raise AssertionError(f"trained {cfg.OUTPUT_DIR} again")

    monkeypatch.setattr(comparison, "train_arm", refuse)
    comparison.main(argv)
    comparison.main(["--report-only", "--results", str(results), "--output-dir", str(out), "--arms", *ARMS])
    report = (out / "comparison.md").read_text()
    assert "contrastive baseline (ITC)" in report and "chance" in report
    assert (out / "comparison.csv").is_file() and (out / "comparison.png").is_file()


def test_a_random_ranking_finds_the_share_of_true_matches_at_rank_1():
    from cfat_plugin.cffa.comparison import random_ranking_scores

    # a gallery of 2 + 1 + 1 images: a random first place is a true match with probability 2/4, 1/4, 1/4
    q, g = torch.tensor([0, 1, 2]), torch.tensor([0, 0, 1, 2])
    scores = random_ranking_scores(q, g, draws=3000)
    assert abs(scores["R1"] - 100 * (2 / 4 + 1 / 4 + 1 / 4) / 3) < 1.5
    assert scores["R5"] == 100.0  # every true match is within the first 5 of 4


@pytest.mark.slow
def test_the_aligned_profile_starts_every_arm_from_the_seeds_contrastive_model(tmp_path, monkeypatch, one_torch_thread):
    from cfat_plugin.cffa import comparison

    trained = record_trainings(monkeypatch, comparison, lambda cfg: (cfg.MODEL.CFFA.LOSS.ITC, cfg.MODEL.WEIGHTS))
    results, out = tmp_path / "aligned.json", tmp_path / "out"
    comparison.main(["--profile", "aligned-tiny", "--seeds", "0", "--arms", "irra", "cffa", "--root",
                     str(tmp_path / "data"), "--output-dir", str(out), "--results", str(results), "--keep-checkpoints"])
    start = str(out / "aligned-tiny" / "seed0" / "start" / "model_final.pth")
    # the contrastive start model first, from the shipped towers; then each arm from it
    assert trained == [(1.0, ""), (0.0, start), (0.0, start)]
    data = json.loads(results.read_text())
    assert set(data["start_weights"]) == {"0"} and sorted(data["results"]) == ["cffa", "irra"]
    # asked to, the arms keep their checkpoints beside the start model
    assert os.path.isfile(start) and all((out / "aligned-tiny" / "seed0" / arm / "model_final.pth").is_file()
                                         for arm in ("irra", "cffa"))
