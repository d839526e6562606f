"""Each compat fix: the symptom with FastReID's original code, and its absence after the fix."""
import os
import select
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import cfat_plugin  # noqa: F401
from cfat_plugin import compat
from cfat_plugin.compat import cython_eval
from cfat_plugin.compat import imports as imports_module
from cfat_plugin.compat.patching import original_of, wrap_method_once
from cfat_plugin.utils.errors import BadImageError, BatchLayoutError, UntrustedCheckpointError
from cfat_plugin.utils.precision import resolve_amp_dtype
from cfat_plugin.utils.runtime import RuntimeOptions, set_runtime_options, update_runtime_options

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What torch's CUDA wheel (the Makefile's) raises on CUDA calls without a GPU: no driver, or none visible.
NO_CUDA = "Found no NVIDIA driver on your system|No CUDA GPUs are available"


# Loads cfat_plugin/compat/imports.py without importing cfat_plugin (which applies every fix).
LOAD_SHIMS_ALONE = (
    "import importlib.util\n"
    f"spec = importlib.util.spec_from_file_location('imports', {os.path.abspath(imports_module.__file__)!r})\n"
    "imports = importlib.util.module_from_spec(spec); spec.loader.exec_module(imports)\n")


def _tiny_model_cfg():
    from fastreid.config import get_cfg

    cfg = cfat_plugin.add_cfat_config(get_cfg())
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.BACKBONE.DEPTH = "18x"
    cfg.MODEL.BACKBONE.FEAT_DIM = 512
    cfg.MODEL.BACKBONE.PRETRAIN = False
    cfg.MODEL.HEADS.NUM_CLASSES = 4
    cfg.MODEL.HEADS.WITH_BNNECK = True
    cfg.MODEL.LOSSES.NAME = ("CrossEntropyLoss",)
    cfg.SOLVER.OPT = "SGD"
    cfg.SOLVER.BASE_LR = 0.1
    return cfg


def _batch(n=8, classes=4):
    torch.manual_seed(0)
    return {"images": torch.rand(n, 3, 64, 32) * 255, "targets": torch.arange(n) % classes,
            "camids": torch.zeros(n, dtype=torch.long)}


def _one_sgd_step(model, optim):
    from fastreid.utils.events import EventStorage

    with EventStorage(0):  # Baseline.losses logs its accuracy there
        loss = sum(model(_batch()).values())
    optim.zero_grad()
    loss.backward()
    optim.step()


def test_every_fix_is_named_and_documented():
    names = compat.fix_names()
    assert len(names) == len(set(names)) >= 13
    for fix in compat.IMPORT_SHIMS + compat._post_import_fixes():
        assert fix.__doc__ and "ymptom" in fix.__doc__, fix.__name__


def test_every_fix_keeps_its_original_one_way_and_applies_once():
    import ast

    folder = os.path.dirname(compat.__file__)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            tree = ast.parse(open(os.path.join(folder, name)).read())
            kept = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id.startswith("ORIGINAL")]
            assert not kept, f"compat/{name} keeps originals in module globals {kept}: use wrap_method_once"
    from fastreid.data.common import CommDataset

    patched = CommDataset.__init__
    for fix in compat._post_import_fixes():
        fix()  # a second time: nothing changes
    assert CommDataset.__init__ is patched and original_of(CommDataset, "__init__") is not patched


def test_wrap_method_once_patches_a_class_or_modules_and_keeps_the_original():
    import types

    class Owner:
        def greet(self):
            return "hello"

    def shout(original):
        return lambda self: original(self).upper()

    first = wrap_method_once(Owner, "greet", shout)
    assert Owner().greet() == "HELLO" and original_of(Owner, "greet") is first
    assert wrap_method_once(Owner, "greet", shout) is first and Owner().greet() == "HELLO"  # once only
    module, other = types.ModuleType("m"), types.ModuleType("n")
    module.f = other.f = lambda: 1
    wrap_method_once(module, "f", lambda original: lambda: original() + 1, also=(other,))
    assert module.f() == other.f() == 2 and original_of(other, "f")() == 1
    with pytest.raises(LookupError, match="not patched"):
        original_of(Owner, "__init__")


@pytest.mark.slow
def test_fastreid_import_needs_each_import_shim():
    for left_out, error in (("shim_torch_six", "No module named 'torch._six'"),
                            ("shim_collections_abc_aliases", "cannot import name 'Mapping' from 'collections'")):
        code = (LOAD_SHIMS_ALONE +
                "for shim in imports.IMPORT_SHIMS:\n"
                f"    if shim.__name__ != {left_out!r}: shim()\n"
                "import fastreid.engine\n")
        broken = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert broken.returncode != 0 and error in broken.stderr, left_out
    fixed = subprocess.run([sys.executable, "-c", "import cfat_plugin, fastreid.engine"],
                           capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr


def test_numpy_aliases_make_python_cuhk03_metric_work():
    # NumPy 1.24-1.26 have no np.bool: emulate them by removing it before the shim runs.
    code = ("import numpy as np\n"
            "np.__dict__.pop('bool', None)\n"
            + LOAD_SHIMS_ALONE +
            "imports.shim_torch_six(); imports.shim_collections_abc_aliases()\n"
            "{shim}"
            "from fastreid.evaluation.rank import eval_cuhk03\n"
            "rng = np.random.default_rng(0)\n"
            "cmc, aps = eval_cuhk03(rng.random((4, 10)).astype(np.float32), np.arange(4),\n"
            "                          np.arange(10) % 5, np.zeros(4), np.ones(10), 5)\n"
            "assert cmc.shape == (5,) and (np.diff(cmc) >= 0).all()\n")
    broken = subprocess.run([sys.executable, "-c", code.format(shim="")], capture_output=True, text=True)
    assert broken.returncode != 0 and "has no attribute 'bool'" in broken.stderr
    fixed = subprocess.run([sys.executable, "-c", code.format(shim="imports.shim_numpy_aliases()\n")],
                           capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr


def test_contiguous_optimizer_never_updates_but_fixed_one_does():
    from fastreid.modeling.meta_arch import build_model
    from fastreid.solver import build_optimizer

    cfg = _tiny_model_cfg()
    torch.manual_seed(0)
    broken = build_model(cfg)
    before = [p.detach().clone() for p in broken.parameters()]
    import fastreid.solver.build as solver_build

    optim, _ = original_of(solver_build, "build_optimizer")(cfg, broken, contiguous=True)
    _one_sgd_step(broken, optim)
    assert all(torch.equal(b, p) for b, p in zip(before, broken.parameters()))  # the symptom

    torch.manual_seed(0)
    model = build_model(cfg)
    before = [p.detach().clone() for p in model.parameters()]
    optim, _ = build_optimizer(cfg, model)
    _one_sgd_step(model, optim)
    changed = [not torch.equal(b, p) for b, p in zip(before, model.parameters())]
    assert sum(changed) > 0.9 * len(changed)


def test_data_loader_works_without_cuda(tiny_baseline_cfg):
    import fastreid.data.build as data_build
    from fastreid.data import build_reid_test_loader

    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match=NO_CUDA):
            original_of(data_build, "DataLoaderX")(0, dataset=list(range(4)))  # the symptom: its CUDA stream
    loader, num_query = build_reid_test_loader(tiny_baseline_cfg, dataset_name="CUHK01")
    batch = next(iter(loader))
    assert batch["images"].shape[1:] == (3, 64, 32) and num_query == 120


def test_amp_trains_in_bfloat16_on_cpu():
    import fastreid.engine.train_loop as train_loop
    from fastreid.modeling.meta_arch import build_model
    from fastreid.solver import build_optimizer
    from fastreid.utils.events import EventStorage

    cfg = _tiny_model_cfg()
    model = build_model(cfg)
    optim, wrapper = build_optimizer(cfg, model)
    loader = [_batch() for _ in range(2)]
    if not torch.cuda.is_available():
        original = original_of(train_loop, "AMPTrainer")(model, loader, optim, wrapper)
        with pytest.raises(AssertionError, match="CUDA is required"), EventStorage(0):
            original.run_step()  # the symptom
    from fastreid.engine.train_loop import AMPTrainer  # the compat replacement

    trainer = AMPTrainer(model, loader, optim, wrapper)
    assert trainer.amp_dtype is (torch.float16 if trainer.device_type == "cuda" else torch.bfloat16)
    before = [p.detach().clone() for p in model.parameters()]
    with EventStorage(0) as storage:
        trainer.iter = 0
        trainer.run_step()
        assert np.isfinite(storage.history("total_loss").latest())
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
    with pytest.raises(ValueError, match="bfloat16 on CPU"):
        resolve_amp_dtype("cpu", "float16")


def test_euclidean_distance_uses_the_keyword_addmm():
    import fastreid.utils.compute_dist as compute_dist
    from fastreid.utils.compute_dist import build_dist

    x, y = torch.randn(5, 8), torch.randn(7, 8)
    with pytest.warns(UserWarning, match="overload of addmm_ is deprecated"):
        original_of(compute_dist, "compute_euclidean_distance")(x, y)  # the symptom (an error once torch drops it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dist = build_dist(x, y, "euclidean")
    np.testing.assert_allclose(dist, (torch.cdist(x, y) ** 2).numpy(), rtol=1e-4, atol=1e-4)


def test_rerank_runs_with_faiss_cpu(monkeypatch):
    import faiss
    import fastreid.utils.compute_dist as compute_dist
    from fastreid.utils.compute_dist import build_dist

    torch.manual_seed(0)
    centers = torch.randn(4, 16) * 5
    q = centers.repeat_interleave(2, 0) + 0.1 * torch.randn(8, 16)
    g = centers.repeat_interleave(3, 0) + 0.1 * torch.randn(12, 16)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match=NO_CUDA):
            original_of(compute_dist, "compute_jaccard_distance")(torch.cat([q, g]), k1=4, k2=2)  # the symptom: features.cuda()
    indexes = []  # the k-nearest-neighbour indexes FastReID's CPU search (search_option 3) builds
    monkeypatch.setattr(compute_dist, "index_init_cpu",
                        lambda dim, build=compute_dist.index_init_cpu: indexes.append(build(dim)) or indexes[-1])
    dist = build_dist(q, g, metric="jaccard", k1=4, k2=2)
    assert len(indexes) == 1 and isinstance(indexes[0], faiss.IndexFlatL2) and indexes[0].ntotal == 20  # faiss-cpu
    assert dist.shape == (8, 12) and np.all(dist >= 0) and np.all(dist <= 1)
    nearest = dist.argmin(1) // 3
    assert np.array_equal(nearest, np.arange(8) // 2)


class _Batches(list):
    """Batches, as ``inference_on_dataset`` reads a loader: its length and its data set's."""

    dataset = range(4)


def test_normalisation_leaves_the_batch_untouched_and_flip_test_is_consistent():
    from fastreid.evaluation import inference_on_dataset
    from fastreid.modeling.meta_arch import build_model

    from cfat_plugin.evaluation.features import FeatureCollector

    model = build_model(_tiny_model_cfg()).eval()
    batch = _batch(4)
    pixels = batch["images"].clone()
    with torch.no_grad():
        first = model(batch)
        again = model(batch)
        flipped = model({"images": pixels.flip(dims=[3])})
    assert torch.equal(batch["images"], pixels)
    torch.testing.assert_close(first, again)
    assert not torch.allclose(first, flipped, atol=1e-3)  # the flip changes the feature: the check below can fail
    flip_test = inference_on_dataset(model, _Batches([batch]), FeatureCollector(), flip_test=True)
    torch.testing.assert_close(flip_test.feats, (first + flipped) / 2)  # FastReID's TEST.FLIP: the mean of both
    broken = {"images": pixels.clone()}
    original_of(type(model), "preprocess_image")(model, broken)
    assert not torch.equal(broken["images"], pixels)  # the symptom: the batch changed


def test_checkpoints_load_safely(tmp_path):
    from fastreid.modeling.meta_arch import build_model
    from fastreid.solver import build_optimizer
    from fastreid.utils.checkpoint import Checkpointer

    cfg = _tiny_model_cfg()
    model = build_model(cfg)
    optim, _ = build_optimizer(cfg, model)
    Checkpointer(model, str(tmp_path), optimizer=optim).save("model_a", epoch=3)
    other = build_model(cfg)
    extra = Checkpointer(other).load(str(tmp_path / "model_a.pth"))
    assert extra["epoch"] == 3
    for (name, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        assert torch.equal(a, b), name

    raw = tmp_path / "raw_state_dict.pth"  # timm / TransReID style: no "model" key
    torch.save({k: v * 0 + 1 for k, v in model.state_dict().items()}, raw)
    with pytest.raises(KeyError):
        original_of(Checkpointer, "_load_file")(Checkpointer(other), str(raw)).pop("model")  # the symptom
    Checkpointer(other).load(str(raw))
    assert torch.all(other.heads.bottleneck[0].weight == 1)

    evil = tmp_path / "evil.pth"
    torch.save({"model": model.state_dict(), "note": _Note("hello")}, evil)
    with pytest.raises(UntrustedCheckpointError, match="COMPAT.TRUSTED_CHECKPOINTS"):
        Checkpointer(other).load(str(evil))
    previous = update_runtime_options(trusted_checkpoints=[os.path.relpath(evil)])  # relative: made absolute
    try:
        assert Checkpointer(other).load(str(evil))["note"].text == "hello"
    finally:
        set_runtime_options(previous)

    with pytest.raises(FileNotFoundError, match="does_not_exist.pth"):
        Checkpointer(other).load(str(tmp_path / "does_not_exist.pth"))


class _Note:
    def __init__(self, text):
        self.text = text


def test_cython_evaluator_is_built_and_used():
    import fastreid.evaluation.rank as rank
    from fastreid.evaluation.rank import evaluate_rank

    assert cython_eval.cython_evaluator_built()
    assert rank.IS_CYTHON_AVAI and rank.evaluate_cy.__module__.endswith("rank_cy")
    rng = np.random.default_rng(1)
    dist = rng.random((20, 50)).astype(np.float32)
    q_pids, g_pids = rng.integers(0, 10, 20), rng.integers(0, 10, 50)
    q_cams, g_cams = rng.integers(0, 3, 20), rng.integers(0, 3, 50)
    cy = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=10)
    py = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=10, use_cython=False)
    np.testing.assert_allclose(cy[0], py[0], rtol=1e-5)
    np.testing.assert_allclose(np.mean(cy[1]), np.mean(py[1]), rtol=1e-5)


def test_cython_build_failure_is_a_clear_error(monkeypatch, tmp_path):
    import fastreid.evaluation.rank_cylib as rank_cylib

    (tmp_path / "rank_cy.pyx").write_text("this is not cython ((\n")
    (tmp_path / "roc_cy.pyx").write_text("this is not cython ((\n")
    monkeypatch.setattr(cython_eval, "rank_cylib_dir", lambda: str(tmp_path))
    with pytest.raises(cython_eval.CythonBuildError, match="Cython rank evaluator failed"):
        rank_cylib.compile_helper()
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1))
    with pytest.raises(SystemExit):
        original_of(rank_cylib, "compile_helper")()  # the symptom: the whole run exits


def test_identity_sampler_fails_fast_with_the_three_numbers():
    from fastreid.data.samplers import NaiveIdentitySampler

    items = [(f"{i}.jpg", i // 4, 0) for i in range(40)]
    with pytest.raises(BatchLayoutError, match=r"30 images per process.*NUM_INSTANCE = 4"):
        NaiveIdentitySampler(items, 30, 4)
    with pytest.raises(BatchLayoutError, match="needs 16 identities"):
        NaiveIdentitySampler(items, 64, 4)
    batch = list(__import__("itertools").islice(iter(NaiveIdentitySampler(items, 16, 4, seed=0)), 16))
    assert sorted(np.bincount([items[i][1] for i in batch])[np.nonzero(
        np.bincount([items[i][1] for i in batch]))]) == [4, 4, 4, 4]


def test_original_identity_sampler_hangs():
    code = ("import cfat_plugin, itertools\n"
            "from cfat_plugin.compat.patching import original_of\n"
            "from fastreid.data.samplers import NaiveIdentitySampler as S\n"
            "s = S.__new__(S); original_of(S, '__init__')(s, [(str(i), i // 4, 0) for i in range(40)], 30, 4, seed=0)\n"
            "print('sampler built', flush=True)\n"
            "next(iter(s))\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    hung = False
    try:
        built = bool(select.select([child.stdout], [], [], 120)[0]) and child.stdout.readline() == "sampler built\n"
        if built:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                hung = True
    finally:
        child.kill()
        _, stderr = child.communicate()
    assert built, stderr[-3000:]  # its imports done and the sampler built: a slow start is not the hang
    assert hung, stderr[-3000:]  # then no first batch in 10 s (the fixed sampler yields one in milliseconds)


def test_random_affine_builds_with_todays_torchvision():
    import fastreid.data.transforms.build as transforms_build
    from fastreid.data.transforms import build_transforms
    from PIL import Image

    cfg = _tiny_model_cfg()
    cfg.INPUT.SIZE_TRAIN = [64, 32]
    cfg.INPUT.AFFINE.ENABLED = True
    with pytest.raises(TypeError, match="resample"):
        original_of(transforms_build, "T").RandomAffine(degrees=10, resample=False, fillcolor=0)  # the symptom
    out = build_transforms(cfg, is_train=True)(Image.new("RGB", (32, 64), (200, 10, 10)))
    assert out.shape == (3, 64, 32)


def test_missing_stock_dataset_names_path_and_layout(tmp_path):
    from fastreid.data.datasets import DATASET_REGISTRY
    from fastreid.data.datasets.bases import Dataset

    with pytest.raises(FileNotFoundError, match=r"Market-1501-v15\.09\.15/\{bounding_box_train"):
        DATASET_REGISTRY.get("Market1501")(root=str(tmp_path))
    with pytest.raises(RuntimeError, match="is not found"):  # the symptom: no layout, no hint
        original_of(Dataset, "check_before_run")(None, [str(tmp_path / "x")])


def _replay_lr_hooks(schedulers, optim, epochs, iters_per_epoch, warmup_iters):
    """FastReID's LRScheduler hook over a run, as the trainer calls it; the lr after each epoch."""
    from types import SimpleNamespace
    from fastreid.engine.hooks import LRScheduler

    hook = LRScheduler(optim, schedulers)
    hook.trainer = SimpleNamespace(iter=0, epoch=0, warmup_iters=warmup_iters, delay_epochs=0, grad_scaler=None,
                                   storage=SimpleNamespace(put_scalar=lambda *a, **k: None))
    lrs = []
    for epoch in range(epochs):
        for it in range(iters_per_epoch):
            hook.trainer.iter, hook.trainer.epoch = epoch * iters_per_epoch + it, epoch
            optim.step()
            hook.after_step()
        hook.after_epoch()
        lrs.append(optim.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("epochs, warmup_iters", [(1, 5), (3, 25)])
def test_cosine_schedule_survives_a_warmup_into_the_last_epoch(epochs, warmup_iters):
    from fastreid.solver import build_lr_scheduler
    import fastreid.solver.build as solver_build

    cfg = _tiny_model_cfg()
    cfg.SOLVER.SCHED, cfg.SOLVER.MAX_EPOCH, cfg.SOLVER.WARMUP_ITERS = "CosineAnnealingLR", epochs, warmup_iters
    cfg.SOLVER.ETA_MIN_LR = 0.001

    def optim():
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)

    broken = optim()
    with pytest.raises(ZeroDivisionError):  # the symptom, at the end of the run
        _replay_lr_hooks(original_of(solver_build, "build_lr_scheduler")(cfg, broken, 10), broken, epochs, 10, warmup_iters)
    fixed = optim()
    lrs = _replay_lr_hooks(build_lr_scheduler(cfg, fixed, 10), fixed, epochs, 10, warmup_iters)
    assert lrs[-1] == pytest.approx(0.001)


def test_eval_period_zero_evaluates_once_at_the_end():
    from types import SimpleNamespace
    from fastreid.engine.hooks import EvalHook

    def run(after_train, period, epoch, max_epoch=3):
        calls = []
        hook = EvalHook(period, lambda: calls.append(epoch) or {"mAP": 0.5})
        hook.trainer = SimpleNamespace(epoch=epoch, max_epoch=max_epoch,
                                       storage=SimpleNamespace(put_scalars=lambda **k: None))
        for e in range(epoch + 1):
            hook.trainer.epoch = e
            hook.after_epoch()
        after_train(hook)
        return calls

    with pytest.raises(ZeroDivisionError):
        run(original_of(EvalHook, "after_train"), period=0, epoch=2)  # the symptom
    assert run(EvalHook.after_train, period=0, epoch=2) == [2]  # only the final evaluation
    assert run(EvalHook.after_train, period=0, epoch=0) == []  # a run stopped early: none
    assert run(EvalHook.after_train, period=2, epoch=2) == [2, 2]  # other periods as before (epoch 2, end)


def test_metric_printer_prints_an_iteration_once_on_a_run_shorter_than_the_timer_warmup():
    import logging
    from fastreid.utils.events import CommonMetricPrinter, EventStorage

    def two_hooks_write(write):  # the periodic writer after the last step, then the epoch hook
        printer = CommonMetricPrinter(max_iter=2)
        with EventStorage(0) as storage:
            storage.epoch = 0
            for it in range(2):
                storage.iter = it
                storage.put_scalars(total_loss=1.0 / (it + 1), lr=0.1)  # no "time": the timer's warm-up
            write(printer)
            write(printer)

    with pytest.raises(ZeroDivisionError):  # the symptom
        two_hooks_write(original_of(CommonMetricPrinter, "write"))
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("fastreid.utils.events")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        two_hooks_write(CommonMetricPrinter.write)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [r.getMessage() for r in records if "total_loss" in r.getMessage()]
    assert len(lines) == 1 and "epoch/iter: 0/1" in lines[0] and "total_loss: 0.75" in lines[0]


def test_cuhk03_boxes_and_split_come_from_the_config(tmp_path):
    from fastreid.data.datasets.cuhk03 import CUHK03
    from cfat_plugin.compat import cuhk03
    from cfat_plugin.engine import apply_runtime_config, load_config
    from real_layouts import make_cuhk03

    make_cuhk03(str(tmp_path))
    original = CUHK03.__new__(CUHK03)
    original_of(CUHK03, "__init__")(original, root=str(tmp_path))  # what build_reid_* passes: root only
    assert "images_labeled" in original.train[0][0]  # the symptom: labeled boxes, not the published detected

    cfg = load_config(os.path.join(REPO, "projects", "CFAT", "cuhk03.yml"), ["DATASETS.ROOT", str(tmp_path)])
    apply_runtime_config(cfg)
    try:
        detected = CUHK03(root=str(tmp_path))
        assert detected.protocol == cuhk03.CUHK03Protocol(labeled=False, classic_split=False, split_id=0)
        assert all("images_detected" in path for path, _, _ in detected.train + detected.query + detected.gallery)
        cfg.DATASETS.CUHK03.LABELED = True
        apply_runtime_config(cfg)
        assert all("images_labeled" in item[0] for item in CUHK03(root=str(tmp_path)).train)
        assert "images_detected" in CUHK03(root=str(tmp_path), cuhk03_labeled=False).train[0][0]  # keywords win
    finally:
        set_runtime_options(RuntimeOptions())


def test_training_cameras_keep_their_test_ids():
    from fastreid.data.common import CommDataset

    items = [(f"{cam}.jpg", "msmt17_0", f"msmt17_{cam}") for cam in range(15)]
    broken = CommDataset.__new__(CommDataset)
    original_of(CommDataset, "__init__")(broken, items, None, True)
    assert broken.cam_dict["msmt17_2"] == 7 and broken.cam_dict["msmt17_10"] == 2  # the symptom
    fixed = CommDataset(items, None, relabel=True)
    assert fixed.cam_dict == {f"msmt17_{cam}": cam for cam in range(15)}
    missing = CommDataset([("a.jpg", "m_1", "market1501_0"), ("b.jpg", "m_1", "market1501_4")], None)
    assert missing.cam_dict == {"market1501_0": 0, "market1501_4": 4}  # an absent camera shifts nothing
    both = CommDataset([("a.jpg", "a_1", "a_1"), ("b.jpg", "b_1", "b_0"), ("c.jpg", "a_1", "a_3")], None)
    assert both.cam_dict == {"a_1": 1, "a_3": 3, "b_0": 4}  # two data sets: the second's ids after the first's
    assert CommDataset([("a.jpg", 1, "north"), ("b.jpg", 1, "east")], None).cam_dict == {"east": 0, "north": 1}


def test_unreadable_image_is_named_by_its_path(tmp_path):
    from fastreid.data import data_utils


    bad = tmp_path / "0001001.png"
    from conftest import CUHK01_MINI

    bad.write_bytes(open(os.path.join(CUHK01_MINI, "campus", "0001001.png"), "rb").read()[:300])
    with pytest.raises(OSError) as symptom:
        original_of(data_utils, "read_image")(str(bad))
    assert str(bad) not in str(symptom.value)
    with pytest.raises(BadImageError, match=f"^{bad}: image file is truncated"):
        data_utils.read_image(str(bad))


def test_checkpoint_killed_while_writing_keeps_the_previous_file(tmp_path, monkeypatch):
    from fastreid.utils.checkpoint import Checkpointer


    checkpointer = Checkpointer(torch.nn.Linear(3, 2), str(tmp_path))
    checkpointer.save("model_final")
    good = (tmp_path / "model_final.pth").read_bytes()
    real_save = torch.save

    def dies_halfway(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        f.truncate(10) if hasattr(f, "truncate") else open(f, "r+b").truncate(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        original_of(Checkpointer, "save")(checkpointer, "model_final")  # the symptom: a truncated file
    assert len((tmp_path / "model_final.pth").read_bytes()) == 10
    (tmp_path / "model_final.pth").write_bytes(good)
    with pytest.raises(KeyboardInterrupt):
        checkpointer.save("model_final")
    assert (tmp_path / "model_final.pth").read_bytes() == good
