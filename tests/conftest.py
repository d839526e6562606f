"""Shared fixtures: the real CUHK01 sample, and small configs that train in seconds on CPU."""
import os
import sys

import pytest

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get("CFAT_SHARED_DATA",
                             os.path.join(REPO_ROOT, "..", "shared", "data"))
CUHK01_MINI = os.path.join(SHARED_DATA, "cuhk01-mini")


@pytest.fixture(scope="session")
def cuhk01_root() -> str:
    """The folder holding the shared CUHK01 sample (``campus/`` inside)."""
    if not os.path.isdir(os.path.join(CUHK01_MINI, "campus")):
        raise FileNotFoundError(
            f"The shared CUHK01 sample is missing at {CUHK01_MINI}; set CFAT_SHARED_DATA "
            f"to the folder that holds cuhk01-mini/")
    return CUHK01_MINI


@pytest.fixture(autouse=True)
def keep_runtime_options():
    """The run-time options (the readers' options, the CUHK03 protocol, ...) as they were before the test: a
    test that applies a config changes them for itself only."""
    from cfat_plugin.utils.runtime import runtime_options, set_runtime_options

    before = runtime_options()
    yield
    set_runtime_options(before)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest on one thread; on a busy 2-core machine two threads spin-wait."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tiny_baseline_cfg(cuhk01_root, tmp_path):
    """FastReID Baseline + ResNet-18 on CUHK01 at 64x32: one step takes a fraction of a second."""
    from cfat_plugin.engine import apply_runtime_config, load_config

    cfg = load_config(os.path.join(REPO_ROOT, "configs", "CUHK01", "baseline_R18_cpu.yml"), [
        "DATASETS.ROOT", cuhk01_root,
        "OUTPUT_DIR", str(tmp_path / "out"),
        "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]",
        "SOLVER.IMS_PER_BATCH", "16", "DATALOADER.NUM_INSTANCE", "4",
        "DATALOADER.NUM_WORKERS", "0", "SOLVER.WARMUP_ITERS", "0",
        "TEST.IMS_PER_BATCH", "64",
    ])
    apply_runtime_config(cfg)
    os.makedirs(cfg.OUTPUT_DIR)
    return cfg


def run_tool(args, timeout=600, **kwargs):
    """Run a ``tools/`` script with this interpreter from the repo root; return the CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable] + list(args), cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def set_tiny_vit(cfg) -> None:
    """Point ``cfg`` at a 2-block, 32-wide ReID ViT: the size the unit tests build."""
    cfg.MODEL.BACKBONE.NAME = "build_cfat_vit_backbone"
    cfg.MODEL.BACKBONE.DEPTH = "tiny"
    cfg.MODEL.BACKBONE.VIT.EMBED_DIM = 32
    cfg.MODEL.BACKBONE.VIT.NUM_LAYERS = 2
    cfg.MODEL.BACKBONE.VIT.NUM_HEADS = 2
    cfg.MODEL.BACKBONE.FEAT_DIM = 32


# Files of the slow tests, longest first (pytest --durations on the 2-core machine).
SLOW_FIRST = ("test_effects.py", "test_training.py", "test_demo.py", "test_distributed.py", "test_cfat_stages.py",
              "test_compat.py", "test_robustness.py", "test_bad_input.py")


def pytest_addoption(parser):
    """The effect tests' options (tests/test_effects.py): another training seed, or each key loss off."""
    parser.addoption("--effect-seed", type=int, default=0,
                     help="effect tests: the training seed of every model (the docstrings' values: seeds 0-4)")
    parser.addoption("--key-loss-off", action="store_true",
                     help="effect tests: switch each method's key loss off; every effect test should then fail")


def pytest_collection_modifyitems(config, items):
    """The long end-to-end tests (marked slow) first, longest first: with several workers the run
    then ends on short ones instead of one worker finishing a long test alone."""
    def order(item):
        if item.get_closest_marker("slow") is None:
            return (1, 0)
        name = os.path.basename(str(item.fspath))
        return (0, SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST))

    items.sort(key=order)


def pytest_terminal_summary(terminalreporter):
    """A skipped torchsort check is said next to the summary, not only as an ``s`` among the dots: without
    torchsort (its build failed, which ``make install`` survives) MCJA trains on the PyTorch soft rank."""
    for report in terminalreporter.stats.get("skipped", []):
        if report.nodeid.endswith("::test_torchsort_and_fallback_agree"):
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            terminalreporter.write_line("WARNING: torchsort did not build: MCJA's CMR loss runs on its PyTorch "
                                        f"soft rank ({reason.removeprefix('Skipped: ')})", yellow=True, bold=True)


def record_trainings(monkeypatch, module, describe):
    """Make ``module.train_arm`` record ``describe(cfg)`` of each model it trains (then train it); returns the
    list the records go to, so a comparison test can check what trained, in which order, and that a rerun
    trains nothing."""
    trained = []
    train = module.train_arm

    def recording(cfg, iters_per_epoch=None):
        trained.append(describe(cfg))
        return train(cfg, iters_per_epoch)

    monkeypatch.setattr(module, "train_arm", recording)
    return trained
