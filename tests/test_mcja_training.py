"""MCJA end to end: MCJATrainer trains a few steps and tests through SYSU-MM01's protocol, nothing replaced;
the comparison's tiny profile trains every arm a few iterations, tests it, resumes."""
import json
import math

import pytest

from cfat_plugin.mcja.comparison import ARMS, METRICS, TITLES, comparison_table, run_comparison


@pytest.mark.slow
def test_tiny_comparison_trains_tests_and_resumes(tmp_path, one_torch_thread):
    results = tmp_path / "results.json"
    lines = []
    saved = run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "tiny", echo=lines.append)
    on_disk = json.loads(results.read_text())
    assert on_disk["results"] == saved["results"]
    assert set(saved["results"]) == set(ARMS)
    for arm in ARMS:
        row = saved["results"][arm]["0"]
        assert set(row) == set(METRICS)
        assert all(0.0 <= v <= 100.0 and not math.isnan(v) for v in row.values())
    assert saved["results"]["mser"] != saved["results"]["mcja"]  # re-ranking changes the ranking
    assert (tmp_path / "out" / "seed0" / "mcja" / "model_final.pth").exists()
    table = comparison_table(saved["results"])
    assert all(TITLES[arm] in table for arm in ARMS)
    lines.clear()
    again = run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "tiny", echo=lines.append)
    assert lines == [] and again["results"] == saved["results"]  # nothing is trained twice
    with pytest.raises(ValueError, match="profile"):
        run_comparison(str(tmp_path / "data"), str(tmp_path / "out"), [0], str(results), "default")


@pytest.mark.slow
def test_regdb_protocol_with_mser_on_the_generated_regdb(tmp_path, one_torch_thread):
    """RegDB's test of a (randomly initialised) MCJA model, both directions, MSER on: the visible side
    brings its R, G, B replicas whichever side it is on."""
    import torch
    from fastreid.modeling import build_model

    from cfat_plugin.data.datasets.regdb import SynthRegDB
    from cfat_plugin.engine import load_config
    from cfat_plugin.mcja.evaluation import evaluate_regdb_like

    cfg = load_config("projects/MCJA/regdb.yml", [
        "MODEL.DEVICE", "cpu", "MODEL.BACKBONE.DEPTH", "18x", "MODEL.BACKBONE.FEAT_DIM", "512",
        "MODEL.BACKBONE.PRETRAIN", "False", "INPUT.SIZE_TEST", "[32, 16]", "DATALOADER.NUM_WORKERS", "0",
        "MODEL.MCJA.MSER.K1", "5", "MODEL.MCJA.MSER.K2", "3", "MODEL.HEADS.NUM_CLASSES", "10"])
    torch.manual_seed(0)
    model = build_model(cfg)
    data = SynthRegDB(root=str(tmp_path), trial=1, verbose=False)
    with_mser = evaluate_regdb_like(cfg, model, data)
    cfg.defrost()
    cfg.MODEL.MCJA.MSER.ENABLED = False
    plain = evaluate_regdb_like(cfg, model, data)
    assert set(with_mser) == set(plain) == {"visible_to_thermal", "thermal_to_visible"}
    for scores in list(with_mser.values()) + list(plain.values()):
        assert 0.0 <= scores["mAP"] <= 100.0 and 0.0 <= scores["rank1"] <= scores["rank10"] <= 100.0
    assert with_mser != plain


# ---- MCJATrainer itself: its loader, steps and protocol test, nothing replaced ----------------------

# Small enough to generate in a few seconds; every test id in both modalities (as test_synthetic_infrared)
SYSU_SMALL = ["--preset", "sysu", "--train-ids", "8", "--test-ids", "6", "--images-per-camera", "1", "2"]
SYSU_CELLS = [f"{mode}_{shots}shot_{direction}" for mode in ("all", "indoor") for shots in (1, 10)
              for direction in ("ir_to_rgb", "rgb_to_ir")]
SYSU_METRICS = ("rank1", "rank10", "rank20", "mAP", "mINP")


@pytest.fixture(scope="module")
def small_sysu(tmp_path_factory):
    """A data root holding a small generated set in SYSU-MM01's layout, under SYSU-MM01's name."""
    from cfat_plugin.data.synthetic.__main__ import main as generate_cli

    root = tmp_path_factory.mktemp("vi")
    assert generate_cli(["--out", str(root), "--name", "SYSU-MM01", "--workers", "1"] + SYSU_SMALL) == 0
    return root


def _mcja_trainer_config(root, output_dir):
    from cfat_plugin.engine import apply_runtime_config, load_config

    cfg = load_config("projects/MCJA/synthsysu_r18.yml", [  # VIMC, MDA, CE + CMR, MSER in the test: all on
        "DATASETS.ROOT", str(root), "DATASETS.NAMES", '("SYSUMM01VI",)', "DATASETS.TESTS", '("SYSUMM01VI",)',
        "OUTPUT_DIR", str(output_dir), "SEED", "0", "SOLVER.MAX_EPOCH", "1", "SOLVER.CHECKPOINT_PERIOD", "1",
        "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]", "SOLVER.IMS_PER_BATCH", "16",
        "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", "0", "TEST.IMS_PER_BATCH", "64",
        "SOLVER.WEIGHT_DECAY", "0.0", "SOLVER.WEIGHT_DECAY_NORM", "0.0"])  # weights move by the losses' gradients only
    apply_runtime_config(cfg)
    return cfg


@pytest.mark.slow
def test_mcja_trainer_trains_then_tests_the_trained_model_on_sysu_protocol(small_sysu, tmp_path, one_torch_thread):
    """MCJATrainer as the engine runs it (registry, per-modality loader, MCJA's losses, end-of-training
    test through SYSU-MM01's protocol with MSER): the steps move the weights, the test reports every
    mode, shot and direction, and its numbers are those of the trained weights."""
    import os

    import torch
    from fastreid.utils.env import seed_all_rng

    from cfat_plugin.data.modality import PerModalityTransformDataset
    from cfat_plugin.engine.entry_points import build_eval_model
    from cfat_plugin.engine.trainer import trainer_for
    from cfat_plugin.mcja.trainer import MCJATrainer

    steps = 3
    cfg = _mcja_trainer_config(small_sysu, tmp_path / "out")
    assert trainer_for(cfg) is MCJATrainer
    os.makedirs(cfg.OUTPUT_DIR)
    seed_all_rng(0)
    trainer = MCJATrainer(cfg)
    assert isinstance(trainer._trainer.data_loader.dataset, PerModalityTransformDataset)  # VIMC on visible only
    trainer.iters_per_epoch = steps  # a short epoch, as the comparison's tiny profile
    model = trainer.model
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    results = trainer.train()  # TEST.EVAL_PERIOD 0: MCJATrainer.test once, after the last step

    # the steps: MCJA's two losses at every step, finite and not zero, and every trainable weight moved
    for loss in ("loss_cls", "loss_cmr"):
        values = [v for v, _ in trainer.storage.history(loss).values()]
        assert len(values) == steps and all(math.isfinite(v) and v > 0 for v in values)
    moved = {k for k, v in model.named_parameters() if not torch.equal(v, before[k])}
    assert moved == {k for k, v in model.named_parameters() if v.requires_grad}  # all but BNNeck's frozen bias
    assert {"backbone.conv1.weight", "heads.weight"} <= moved and any(k.startswith("backbone.mda") for k in moved)

    # the test: every cell of the protocol (2 modes x 2 shots x 2 directions), every metric, in range
    assert set(results) == {"SYSUMM01VI"}
    scores = results["SYSUMM01VI"]
    assert set(scores) == {f"{cell}/{m}" for cell in SYSU_CELLS for m in SYSU_METRICS}
    for cell in SYSU_CELLS:
        s = {m: scores[f"{cell}/{m}"] for m in SYSU_METRICS}
        assert all(isinstance(v, float) and not math.isnan(v) for v in s.values())
        assert 0.0 <= s["rank1"] <= s["rank10"] <= s["rank20"] <= 100.0
        assert 0.0 < s["mAP"] <= 100.0 and 0.0 < s["mINP"] <= 100.0
    assert scores["all_1shot_ir_to_rgb/mAP"] != scores["all_10shot_ir_to_rgb/mAP"]  # multi-shot: another gallery

    # ... of the trained weights: the saved model tests the same, a changed weight tests otherwise
    weights = os.path.join(cfg.OUTPUT_DIR, "model_final.pth")
    eval_cfg = cfg.clone()
    eval_cfg.defrost()
    eval_cfg.MODEL.WEIGHTS = weights
    assert MCJATrainer.test(eval_cfg, build_eval_model(eval_cfg)) == results
    with torch.no_grad():
        model.backbone.layer4[1].conv2.weight.mul_(-1.0)
    changed = MCJATrainer.test(cfg, model)["SYSUMM01VI"]
    assert set(changed) == set(scores) and changed != scores
