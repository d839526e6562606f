"""Multi-process training and evaluation on CPU (gloo): spawned by --num-gpus, and under torchrun."""
import json
import os
import re
import time

import pytest

from conftest import run_tool

CPU_RUN = ["MODEL.DEVICE", "cpu", "INPUT.SIZE_TRAIN", "[64,32]", "INPUT.SIZE_TEST", "[64,32]",
           "SOLVER.IMS_PER_BATCH", "16", "SOLVER.MAX_EPOCH", "1", "TEST.EVAL_PERIOD", "1",
           "SOLVER.CHECKPOINT_PERIOD", "1", "DATALOADER.NUM_WORKERS", "0", "SOLVER.WARMUP_ITERS", "0",
           "TEST.ROBUSTNESS.ENABLED", "True", "TEST.ROBUSTNESS.SETTINGS", "['clean','both']",
           "TEST.ROBUSTNESS.REPEATS", "1", "DATASETS.CORRUPTION.TEST.TYPES", "['gaussian_noise','contrast']",
           "DATASETS.CORRUPTION.TEST.NUM_WORKERS", "1"]
CONFIG = os.path.join("configs", "CUHK01", "baseline_R18_cpu.yml")
TABLE_ROW = re.compile(r"\| CUHK01 +\|[^\n]*")


def _table(text: str) -> str:
    rows = TABLE_ROW.findall(text)
    assert rows, "no metric table in the output"
    return rows[-1]


def _assert_one_run_written(out) -> dict:
    assert (out / "model_final.pth").exists()
    logs = "".join((out / name).read_text() for name in os.listdir(out) if name.startswith("log.txt"))
    assert logs.count("Saving checkpoint to " + str(out / "model_final.pth")) == 1  # rank 0 only
    results = json.loads((out / "robustness" / "results.json").read_text())
    assert set(results["cells"]) == {"clean", "random/both/r0"}
    return results


def _assert_one_process_scores_the_same(out, cuhk01_root, tmp_path, log, results):
    """The 2-process run's metrics equal those of one process evaluating its saved weights.

    Both evaluate the same weights on the same images and the same seeded corruption draws. The
    2-process run extracts each half of the test set on its own process (other batch shapes, so float32
    rounding of about 1e-6 relative in the features may differ) and ranks the gathered features on
    rank 0, in the same order, with the same code. Unless a rounding difference swaps two near-tied
    distances around a true match, every AP is the same, so: the printed table (2 decimals) equal as
    text, and each robustness cell's mAP and Rank-1 within 1e-5 percentage points. That is above the
    float32 rounding of a mean near 10 (about 1e-6) and below the smallest change a moved true match
    makes: the sample has 120 queries with 2 true matches each in a 120-image gallery, and a match
    moved down one place from rank r lowers its query's AP by at least 1 / (2 r (r + 1)), the mean by
    100 / (240 r (r + 1)) >= 2.9e-5 points for any r <= 119 (a changed rank-1: 0.83 points)."""
    single = run_tool([os.path.join("tools", "train_net.py"), "--config-file", CONFIG, "--eval-only",
                       "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(tmp_path / "single"),
                       "MODEL.WEIGHTS", str(out / "model_final.pth")] + CPU_RUN)
    assert single.returncode == 0, single.stderr[-3000:]
    assert "World size: 1" in (tmp_path / "single" / "log.txt").read_text()
    assert _table(single.stdout + single.stderr) == _table(log)
    single_results = json.loads((tmp_path / "single" / "robustness" / "results.json").read_text())
    for cell in ("clean", "random/both/r0"):
        for metric in ("mAP", "Rank-1"):
            assert single_results["cells"][cell][metric] == pytest.approx(results["cells"][cell][metric], abs=1e-5)


@pytest.mark.slow
def test_two_spawned_gloo_processes_train_evaluate_and_write_once(cuhk01_root, tmp_path):
    out = tmp_path / "ddp"
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", CONFIG, "--num-gpus", "2",
                       "--dist-url", "auto", "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(out)] + CPU_RUN)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (out / "log.txt").read_text()
    assert "World size: 2" in log and (out / "log.txt.rank1").exists()
    results = _assert_one_run_written(out)
    _assert_one_process_scores_the_same(out, cuhk01_root, tmp_path, log, results)


@pytest.mark.slow
def test_torchrun_two_processes(cuhk01_root, tmp_path):
    out = tmp_path / "torchrun"
    result = run_tool(["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29731",
                       os.path.join("tools", "train_net.py"), "--config-file", CONFIG,
                       "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(out)] + CPU_RUN)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (out / "log.txt").read_text()
    assert "World size: 2" in log
    results = _assert_one_run_written(out)
    _assert_one_process_scores_the_same(out, cuhk01_root, tmp_path, log, results)


def test_bad_batch_layout_fails_within_seconds(cuhk01_root, tmp_path):
    started = time.monotonic()
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", CONFIG, "--num-gpus", "2",
                       "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(tmp_path / "o"),
                       "MODEL.DEVICE", "cpu", "SOLVER.IMS_PER_BATCH", "12", "DATALOADER.NUM_INSTANCE", "4"],
                      timeout=120)  # a hang (FastReID's sampler) ends here
    seconds = time.monotonic() - started
    assert result.returncode == 2
    assert seconds < 60, seconds  # 5-10 s on the busy 2-core machine, nearly all of it the interpreter's start
    assert "6 images per process" in result.stderr and "NUM_INSTANCE = 4" in result.stderr
    assert "world size 2" in result.stderr
    assert not (tmp_path / "o").exists()  # checked before any process was started or data read


def test_cpu_processes_share_the_cores(monkeypatch):
    import torch

    from cfat_plugin.engine.launch import share_cpu_threads

    threads = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: 8)
        assert share_cpu_threads(2) == 4 and share_cpu_threads(16) == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        torch.set_num_threads(3)
        assert share_cpu_threads(2) == 3  # the user's setting wins
    finally:
        torch.set_num_threads(threads)
