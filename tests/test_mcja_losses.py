"""MCJA's soft rank (torchsort or its PyTorch twin), what is said when torchsort did not build, and the
cross-modality retrieval (CMR) loss."""
import os
import subprocess
import sys

import pytest
import torch

from cfat_plugin.mcja.losses import cross_modality_retrieval_loss
from cfat_plugin.mcja.soft_rank import soft_rank, soft_rank_torch, torchsort_available


def test_soft_rank_hand_computed_pool():
    """x = (0, 0.5), strength 1: sorted (0.5, 0) minus w = (2, 1) is (-1.5, -1), increasing, so PAV pools
    it to -1.25 and the ranks are (0 + 1.25, 0.5 + 1.25); each rank moves by 1/2 per unit of either value."""
    x = torch.tensor([[0.0, 0.5]], dtype=torch.float64, requires_grad=True)
    ranks = soft_rank_torch(x, 1.0)
    assert torch.allclose(ranks, torch.tensor([[1.25, 1.75]], dtype=torch.float64))
    (grad,) = torch.autograd.grad(ranks[0, 0], x)
    assert torch.allclose(grad, torch.tensor([[0.5, -0.5]], dtype=torch.float64))


def test_soft_rank_is_hard_when_values_are_far_apart():
    x = torch.tensor([[3.0, -7.0, 20.0, 0.0]])
    assert torch.equal(soft_rank_torch(x, 0.5), torch.tensor([[3.0, 1.0, 4.0, 2.0]]))


def test_soft_rank_gradient_is_exact():
    x = torch.randn(3, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: soft_rank_torch(v, 0.5), (x,))


def test_soft_rank_refuses_other_shapes_and_backends():
    with pytest.raises(ValueError, match="2-d"):
        soft_rank_torch(torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="backend"):
        soft_rank(torch.zeros(1, 4), 1.0, backend="numpy")


def test_torchsort_and_fallback_agree():
    try:
        import torchsort  # noqa: F401
    except Exception as error:  # not built (make torchsort), or built against another torch
        pytest.skip(f"torchsort does not import: {type(error).__name__}: {error}")  # conftest: a summary line
    torch.manual_seed(0)
    x = torch.rand(16, 64, requires_grad=True)  # CMR's distances lie in [0, 1], galleries of 64
    weights = torch.randn(16, 64)
    a = soft_rank(x, 0.5, backend="torchsort")
    b = soft_rank(x, 0.5, backend="torch")
    assert (a - b).abs().max() < 1e-5
    (ga,) = torch.autograd.grad((a * weights).sum(), x)
    (gb,) = torch.autograd.grad((b * weights).sum(), x)
    assert (ga - gb).abs().max() < 1e-5


# ---- a torchsort that did not build is said, not only skipped --------------------------------------

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow  # a pytest run of its own: two interpreters start
def test_a_torchsort_that_does_not_import_is_announced_beside_the_summary(tmp_path):
    """The suite as CI runs it (xdist, a worker reporting to the controller), torchsort shadowed by a package
    that fails to import as an unbuilt extension does: the skip's reason is printed as a warning line
    among the last lines, beside pytest's summary, not only as an ``s`` among the dots."""
    stub = tmp_path / "stub" / "torchsort"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('torchsort._C: the extension was not built')\n")
    paths = [str(stub.parent), REPO] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "1", "-p", "no:cacheprovider",
                          "tests/test_mcja_losses.py::test_torchsort_and_fallback_agree"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-6:]
    assert "1 skipped" in last[-1], last
    warning = ("WARNING: torchsort did not build: MCJA's CMR loss runs on its PyTorch soft rank "
               "(torchsort does not import: ImportError: torchsort._C: the extension was not built)")
    assert warning in last, last


def test_make_torchsort_prints_why_the_build_failed_and_keeps_the_log(tmp_path):
    """``make install`` survives a failed torchsort build; its ``torchsort`` target prints the reason (the
    last lines of pip's output) and the log's path, and fails so that the install's fallback line follows."""
    pip = tmp_path / "python"  # stands in for the venv's interpreter: pip's output, then its failure
    pip.write_text("#!/bin/sh\necho \"called with: $*\"\n"
                   "echo 'error: command g++ failed: No such file or directory' >&2\nexit 1\n")
    pip.chmod(0o755)
    logs = tmp_path / "tmp"
    logs.mkdir()
    run = subprocess.run(["make", "--no-print-directory", "torchsort", f"PY={pip}"], cwd=REPO,
                         env={**os.environ, "TMPDIR": str(logs)}, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    (log,) = logs.iterdir()  # kept for the whole output
    assert f"torchsort's build failed (pip exit status 1); the last lines of pip's output ({log}):" in run.stderr
    assert "    error: command g++ failed: No such file or directory" in run.stderr.splitlines()
    assert "-m pip install" in log.read_text() and "torchsort==0.1.10" in log.read_text()


def _batch(swap: bool = False):
    """Identities A, B, one visible and one infrared image each; A along +e1, B along -e1 (opposite)."""
    e1 = torch.tensor([1.0, 0.0, 0.0])
    feats = torch.stack([e1, -e1, e1, -e1])  # visible A, visible B, infrared A, infrared B
    if swap:
        feats = torch.stack([e1, -e1, -e1, e1])  # the infrared images swapped: every match ranked last
    return feats.requires_grad_(True), torch.tensor([0, 1, 0, 1]), torch.tensor([0, 0, 1, 1])


def test_cmr_is_zero_for_a_perfectly_ranked_batch():
    """Each query's gallery: its match at distance 0 (rank 1), the other at distance 1 (rank |G| = 2)."""
    feats, ids, modalities = _batch()
    loss = cross_modality_retrieval_loss(feats, ids, modalities, strength=0.5, backend="torch")
    assert loss.item() == pytest.approx(0.0, abs=1e-6)


def test_cmr_is_positive_when_misranked_and_its_gradient_fixes_the_ranking():
    """Matches ranked last but close (distance gaps under the soft rank's strength, where ranks are
    soft and the gradient is non-zero): the loss is positive and a gradient step lowers it."""
    e1, e2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    tilt = lambda a, b, t: a * (1 - t) + b * t  # noqa: E731
    feats = torch.stack([e1, e2, tilt(e1, e2, 0.6), tilt(e1, e2, 0.4)]).requires_grad_(True)  # IR A nearer B
    ids, modalities = torch.tensor([0, 1, 0, 1]), torch.tensor([0, 0, 1, 1])
    loss = cross_modality_retrieval_loss(feats, ids, modalities, backend="torch")
    assert loss.item() > 0.1
    loss.backward()
    assert feats.grad.abs().sum() > 0
    stepped = (feats - 0.5 * feats.grad).detach()
    assert cross_modality_retrieval_loss(stepped, ids, modalities, backend="torch").item() < loss.item()


def test_cmr_drops_queries_without_a_ranking_to_learn():
    """Only one identity: every query's gallery holds positives only, nothing to rank; a query whose
    identity the other modality lacks has no positive. Neither counts (zero loss, still a graph)."""
    feats = torch.randn(4, 8, requires_grad=True)
    same_id = cross_modality_retrieval_loss(feats, torch.tensor([3, 3, 3, 3]), torch.tensor([0, 0, 1, 1]),
                                            backend="torch")
    no_match = cross_modality_retrieval_loss(feats, torch.tensor([1, 2, 3, 4]), torch.tensor([0, 0, 1, 1]),
                                             backend="torch")
    assert same_id.item() == 0.0 and no_match.item() == 0.0
    (same_id + no_match).backward()
    # a batch of one modality has no cross-modality ranking either
    assert cross_modality_retrieval_loss(feats, torch.tensor([1, 2, 1, 2]), torch.zeros(4, dtype=torch.long),
                                         backend="torch").item() == 0.0


@pytest.fixture
def torchsort_without_cuda(monkeypatch):
    """A torchsort laid out as a build without ``nvcc`` leaves it: compiled CPU kernels (builtins here),
    and for CUDA the Python stub that raises, which ``soft_rank`` dispatches to by the tensor's device."""
    import importlib
    import sys
    import types

    module = importlib.import_module("cfat_plugin.mcja.soft_rank")

    def stub(*args, **kwargs):
        raise ImportError("You are trying to use the torchsort CUDA extension, but it looks like it is not available.")

    ops = types.ModuleType("torchsort.ops")
    ops.isotonic_l2, ops.isotonic_l2_backward = {"cpu": abs, "cuda": stub}, {"cpu": abs, "cuda": stub}
    fake = types.ModuleType("torchsort")
    fake.ops = ops
    fake.soft_rank = lambda values, regularization, regularization_strength: (
        ops.isotonic_l2[values.device.type](values), soft_rank_torch(values, regularization_strength))[1]
    monkeypatch.setitem(sys.modules, "torchsort", fake)
    monkeypatch.setitem(sys.modules, "torchsort.ops", ops)
    monkeypatch.setattr(module, "_announced", set())
    torchsort_available.cache_clear()
    yield ops, stub
    torchsort_available.cache_clear()


def test_auto_backend_takes_the_pytorch_twin_where_torchsort_has_no_cuda_kernel(torchsort_without_cuda, caplog):
    """A GPU run with a CPU-only torchsort: ``auto`` must not pick it (its CUDA entry raises); no GPU needed."""
    import logging

    from cfat_plugin.mcja.soft_rank import choose_backend, torchsort_supports

    ops, stub = torchsort_without_cuda
    assert torchsort_available() and torchsort_supports("cpu") and not torchsort_supports("cuda")
    with caplog.at_level(logging.WARNING):
        assert choose_backend("auto", torch.device("cuda")) == "torch"
        assert choose_backend("auto", torch.device("cuda")) == "torch"
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "without its CUDA kernel" in said[0] and "TORCHSORT_CUDA=1" in said[0]
    assert choose_backend("auto", torch.device("cpu")) == "torchsort"
    assert choose_backend("torchsort", torch.device("cuda")) == "torchsort"  # forced: the settings check says why
    ops.isotonic_l2["cuda"] = ops.isotonic_l2_backward["cuda"] = abs  # a build with its CUDA kernel
    assert choose_backend("auto", torch.device("cuda")) == "torchsort"


def test_auto_soft_rank_falls_back_where_the_devices_kernel_is_the_stub(torchsort_without_cuda):
    """The same on the CPU (the device these tests have): with the stub there, ``auto`` computes the PyTorch
    soft rank instead of raising torchsort's ImportError."""
    ops, stub = torchsort_without_cuda
    ops.isotonic_l2["cpu"] = stub
    x = torch.tensor([[3.0, -7.0, 20.0, 0.0]])
    assert torch.equal(soft_rank(x, 0.5), soft_rank_torch(x, 0.5))
    with pytest.raises(ImportError, match="CUDA extension"):
        soft_rank(x, 0.5, backend="torchsort")


def test_settings_check_refuses_a_forced_torchsort_without_the_devices_kernel(torchsort_without_cuda):
    from cfat_plugin.engine import load_config
    from cfat_plugin.mcja.settings import check_mcja

    cfg = load_config("projects/MCJA/synthsysu_r18.yml",
                      ["MODEL.DEVICE", "cuda", "MODEL.MCJA.CMR.BACKEND", "torchsort"])
    problems = []
    check_mcja(cfg, problems, training=True)
    assert any("without its cuda kernel" in p and "TORCHSORT_CUDA=1" in p for p in problems)
