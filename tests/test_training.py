"""FastReID's training path through the plugin: weights move, losses fall, runs resume, bad input fails clearly."""
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from conftest import REPO_ROOT, run_tool

BASELINE_CFG = os.path.join("configs", "CUHK01", "baseline_R18_cpu.yml")
SMALL_RUN = ["INPUT.SIZE_TRAIN", "[64,32]", "INPUT.SIZE_TEST", "[64,32]", "SOLVER.IMS_PER_BATCH", "16",
             "DATALOADER.NUM_WORKERS", "0", "SOLVER.WARMUP_ITERS", "0", "SOLVER.BASE_LR", "0.001"]


def test_default_trainer_updates_weights_and_the_loss_falls(tiny_baseline_cfg):
    from cfat_plugin.engine import ReIDTrainer
    from fastreid.utils.events import EventStorage

    cfg = tiny_baseline_cfg
    cfg.SOLVER.BASE_LR = 0.001
    torch.manual_seed(0)
    trainer = ReIDTrainer(cfg)
    trainer.resume_or_load(resume=False)
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    losses = []
    with EventStorage(0) as storage:
        for step in range(40):
            trainer.iter = storage.iter = step
            trainer.run_step()
            losses.append(storage.history("total_loss").latest())
            if step == 0:
                moved = [n for n, p in trainer.model.named_parameters() if not torch.equal(before[n], p)]
                assert len(moved) > 0.9 * len(before), "one optimizer step must move the weights"
    assert np.mean(losses[-8:]) < 0.8 * np.mean(losses[:8]), losses


def _wait_for(path, proc, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_train_net_trains_evaluates_and_resumes_after_interruption(cuhk01_root, tmp_path):
    out = tmp_path / "run"
    args = [os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG,
            "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(out), "SOLVER.MAX_EPOCH", "4",
            "SOLVER.CHECKPOINT_PERIOD", "1", "TEST.EVAL_PERIOD", "4", "SOLVER.STEPS", "[3]"] + SMALL_RUN
    first = subprocess.Popen([sys.executable] + args, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(out / "model_0001.pth", first, 300), "no checkpoint was written"
        time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGKILL)  # an interruption, mid-training
        first.wait()
    assert not (out / "model_final.pth").exists()

    resumed = run_tool(args[:1] + ["--resume"] + args[1:])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    start = int(re.search(r"Starting training from epoch (\d+)", log).group(1))
    assert start >= 2, "--resume must continue after the last checkpoint, not from scratch"
    assert "Cython rank evaluation" not in log  # the compiled evaluator, not the fallback
    table = re.search(r"\| CUHK01 +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+) +\| ([\d.]+)", log)
    assert table, "FastReID's metric table was not printed"
    rank1, _, _, mean_ap, minp = map(float, table.groups())
    assert 0 < minp <= mean_ap <= 100 and 0 < rank1 <= 100
    assert (out / "model_final.pth").exists() and (out / "metrics.json").exists()


def test_missing_dataset_folder_shows_the_expected_layout(tmp_path):
    root = tmp_path / "datasets"  # the root exists, the data set inside it does not
    root.mkdir()
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG,
                       "DATASETS.ROOT", str(root), "OUTPUT_DIR", str(tmp_path / "o")])
    assert result.returncode == 2
    assert "cuhk01/campus/" in result.stderr and "Traceback" not in result.stderr


def test_unknown_config_key_is_a_clear_error(tmp_path):
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG,
                       "SOLVER.NO_SUCH_KEY", "1", "OUTPUT_DIR", str(tmp_path / "o")])
    assert result.returncode == 2
    assert "SOLVER.NO_SUCH_KEY" in result.stderr and "Traceback" not in result.stderr


def test_missing_checkpoint_is_a_clear_error(cuhk01_root, tmp_path):
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG, "--eval-only",
                       "DATASETS.ROOT", cuhk01_root, "MODEL.WEIGHTS", str(tmp_path / "missing.pth"),
                       "OUTPUT_DIR", str(tmp_path / "o")])
    assert result.returncode == 2
    assert "missing.pth" in result.stderr and "Traceback" not in result.stderr


def test_seed_key_repeats_a_run_and_minus_one_does_not(cuhk01_root, tmp_path):
    """FastReID 1.4.0 seeds from the clock; SEED >= 0 makes setup() seed every RNG the same way."""
    import random

    from fastreid.engine import default_argument_parser

    from cfat_plugin.engine import setup

    def draws_after_setup(seed: int):
        args = default_argument_parser().parse_args([
            "--config-file", os.path.join(REPO_ROOT, "configs", "CUHK01", "baseline_R18_cpu.yml"),
            "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(tmp_path / f"seed{seed}"), "SEED", str(seed)])
        setup(args)
        return torch.rand(4).tolist(), np.random.rand(4).tolist(), random.random()

    assert draws_after_setup(3) == draws_after_setup(3)
    assert draws_after_setup(3) != draws_after_setup(4)
    assert draws_after_setup(-1) != draws_after_setup(-1)
