"""DIL end to end on a hand-made MLR-CUHK03 folder: stage I and stage II through tools/train_net.py, the
three-view single-shot table of --eval-only, and a non-finite loss that stops stage I with its last
good checkpoint."""
import os
import re

import pytest

from conftest import run_tool
from real_layouts import make_low_resolution

TRAIN_IDS = (1, 2, 3, 4, 6, 8, 9, 10)
TINY = ["INPUT.SIZE_TRAIN", "[32,16]", "INPUT.SIZE_TEST", "[32,16]", "DATALOADER.NUM_WORKERS", "0",
        "DATASETS.NAMES", "('MLRCUHK03',)", "DATASETS.TESTS", "('MLRCUHK03',)", "MODEL.DIL.BASELINE_WEIGHTS", "",
        "MODEL.DIL.DIS.SCALES", "1", "TEST.SINGLE_SHOT.DRAWS", "10", "TEST.IMS_PER_BATCH", "32", "SEED", "0"]


@pytest.fixture(scope="module")
def mlr_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("dil")
    make_low_resolution(str(root), train_ids=TRAIN_IDS)
    return root


@pytest.mark.slow
def test_stage1_then_stage2_then_the_single_shot_table(mlr_root):
    out = mlr_root / "out"
    common = TINY + ["DATASETS.ROOT", str(mlr_root)]
    stage1 = run_tool([os.path.join("tools", "train_net.py"), "--config-file", "projects/DIL/synth_mlr_r18_stage1.yml",
                       "SOLVER.IMS_PER_BATCH", "4", "SOLVER.MAX_EPOCH", "1",
                       "OUTPUT_DIR", str(out / "stage1")] + common)
    assert stage1.returncode == 0, stage1.stderr[-3000:]
    assert (out / "stage1" / "model_final.pth").is_file() and (out / "stage1" / "dil_swap.png").is_file()
    assert re.search(r"loss_realism: .* loss_d_realism: ", stage1.stdout + stage1.stderr)
    stage2_opts = ["MODEL.DIL.STAGE1_WEIGHTS", str(out / "stage1" / "model_final.pth"), "SOLVER.IMS_PER_BATCH", "8",
                   "DATALOADER.NUM_INSTANCE", "2", "SOLVER.MAX_EPOCH", "1", "SOLVER.STEPS", "[1]",
                   "TEST.EVAL_PERIOD", "1", "OUTPUT_DIR", str(out / "stage2")] + common
    stage2 = run_tool([os.path.join("tools", "train_net.py"), "--config-file", "projects/DIL/synth_mlr_r18.yml"]
                      + stage2_opts)
    log = stage2.stdout + stage2.stderr
    assert stage2.returncode == 0, log[-3000:]
    assert "Degradation memory bank: 32 codes of 64 entries" in log and "loss_replay_kl: " in log
    evaluation = run_tool([os.path.join("tools", "train_net.py"), "--config-file", "projects/DIL/synth_mlr_r18.yml",
                           "--eval-only", "MODEL.WEIGHTS", str(out / "stage2" / "model_final.pth"),
                           "MODEL.DIL.STAGE1_WEIGHTS", ""] + stage2_opts)
    log = evaluation.stdout + evaluation.stderr
    assert evaluation.returncode == 0, log[-3000:]
    rows = re.findall(r"^\| (MLRCUHK03\S*) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+)", log, re.M)
    assert [row[0] for row in rows] == ["MLRCUHK03", "MLRCUHK03/invariant", "MLRCUHK03/sensitive"], log[-2000:]
    for row in rows:
        assert all(0.0 <= float(v) <= 100.0 for v in row[1:])
    trained = re.findall(r"^\| (MLRCUHK03\S*) +\| ([\d.]+) ", stage2.stdout + stage2.stderr, re.M)
    assert trained == [row[:2] for row in rows]  # the saved weights score as the run's own test did


@pytest.mark.slow
def test_a_non_finite_loss_stops_stage1_with_its_last_good_checkpoint(mlr_root, tmp_path, one_torch_thread):
    import torch

    from cfat_plugin.dil.trainer import DILStage1Trainer
    from cfat_plugin.engine import apply_runtime_config, load_config
    from cfat_plugin.engine.guards import NonFiniteLossError

    cfg = load_config("projects/DIL/synth_mlr_r18_stage1.yml", TINY + [
        "DATASETS.ROOT", str(mlr_root), "SOLVER.IMS_PER_BATCH", "8", "SOLVER.MAX_EPOCH", "3",
        "SOLVER.CHECKPOINT_PERIOD", "1", "OUTPUT_DIR", str(tmp_path)])
    apply_runtime_config(cfg)
    trainer = DILStage1Trainer(cfg)
    model, losses = trainer._trainer.model, trainer._trainer.model.generator_losses

    def broken_from_the_second_epoch(*args, **kwargs):
        found = losses(*args, **kwargs)
        if trainer.iter >= trainer.iters_per_epoch:
            found["loss_recon"] = found["loss_recon"] * float("nan")
        return found

    model.generator_losses = broken_from_the_second_epoch
    with pytest.raises(NonFiniteLossError) as raised:
        trainer.train()
    message = str(raised.value)
    assert "the loss is not finite at iteration 2 (epoch 1): " in message and "loss_recon nan" in message
    assert f"last good checkpoint kept: {tmp_path / 'model_0000.pth'}" in message
    kept = torch.load(tmp_path / "model_0000.pth", map_location="cpu", weights_only=False)
    assert all(torch.isfinite(v).all() for v in kept["model"].values() if v.is_floating_point())
    assert "dis_optimizer" in kept  # the discriminators' optimiser is saved with the rest
