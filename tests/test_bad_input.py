"""Bad data and bad settings: what the user sees for each row of the table in docs/bad-input.md."""
import multiprocessing
import os
import shutil

import pytest
import torch

from conftest import CUHK01_MINI, REPO_ROOT, run_tool

BASELINE_CFG = os.path.join("configs", "CUHK01", "baseline_R18_cpu.yml")
SMALL_RUN = ["INPUT.SIZE_TRAIN", "[64,32]", "INPUT.SIZE_TEST", "[64,32]", "SOLVER.IMS_PER_BATCH", "16",
             "DATALOADER.NUM_WORKERS", "0", "SOLVER.WARMUP_ITERS", "0", "SOLVER.BASE_LR", "0.001"]


@pytest.fixture
def small_cuhk01(tmp_path, monkeypatch):
    """A copy of the first 16 identities of the CUHK01 sample (64 images), and a private image-check cache."""
    campus = tmp_path / "data" / "campus"
    campus.mkdir(parents=True)
    for name in sorted(os.listdir(os.path.join(CUHK01_MINI, "campus")))[:64]:
        shutil.copy(os.path.join(CUHK01_MINI, "campus", name), campus / name)
    monkeypatch.setenv("CFAT_IMAGE_CHECK_CACHE", str(tmp_path / "image-check"))
    return tmp_path / "data"


def truncate(path, size=300):
    with open(path, "rb") as f:
        head = f.read(size)
    with open(path, "wb") as f:
        f.write(head)


def train_images(root):
    from cfat_plugin.data.datasets import CUHK01

    return [item[0] for item in CUHK01(root=str(root)).train]


def small_cfg(root, out, *opts):
    from cfat_plugin.engine import apply_runtime_config, load_config

    cfg = load_config(os.path.join(REPO_ROOT, BASELINE_CFG), [
        "DATASETS.ROOT", str(root), "OUTPUT_DIR", str(out), "DATALOADER.NUM_INSTANCE", "4",
        "TEST.IMS_PER_BATCH", "64", "SEED", "0"] + SMALL_RUN + list(opts))
    apply_runtime_config(cfg)
    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    return cfg


# ---- images -----------------------------------------------------------------------------------
def test_image_problem_names_truncated_empty_and_non_images(small_cuhk01):
    from cfat_plugin.data.images import image_problem

    files = sorted((small_cuhk01 / "campus").iterdir())
    truncate(files[0])
    files[1].write_bytes(b"")
    files[2].write_text("not an image")
    assert "truncated" in image_problem(str(files[0]))
    assert image_problem(str(files[1])) == "empty file (0 bytes)"
    assert "not an image" in image_problem(str(files[2]))
    assert image_problem(str(small_cuhk01 / "missing.png")) == "file not found"
    assert image_problem(str(files[3])) is None


def test_check_lists_every_bad_file_and_decodes_each_file_once(small_cuhk01, tmp_path, monkeypatch):
    from cfat_plugin.data import images

    paths = train_images(small_cuhk01)
    truncate(paths[0])
    open(paths[5], "wb").close()
    items = [(p, 0, 0) for p in paths]
    with pytest.raises(images.BadImageError) as raised:
        images.check_images([("CUHK01 train", items)], "stop", report_dir=str(tmp_path / "out"))
    lines = str(raised.value).splitlines()
    assert lines[0].startswith(f"2 of {len(paths)} images cannot be read")
    assert any(paths[0] in line and "truncated" in line and "CUHK01 train" in line for line in lines)
    assert any(paths[5] in line and "empty file" in line for line in lines)
    assert (tmp_path / "out" / "bad_images.txt").read_text().count("\n") == 2

    decoded = []
    original = images.image_problem
    monkeypatch.setattr(images, "image_problem", lambda p: decoded.append(p) or original(p))
    with pytest.raises(images.BadImageError):
        images.check_images([("CUHK01 train", items)], "stop")
    assert decoded == [], "unchanged files are not decoded again"
    shutil.copy(os.path.join(CUHK01_MINI, "campus", os.path.basename(paths[0])), paths[0])  # repaired
    with pytest.raises(images.BadImageError) as raised:
        images.check_images([("CUHK01 train", items)], "stop")
    assert decoded == [paths[0]] and paths[0] not in str(raised.value)


def test_truncated_image_stops_train_net_before_training_with_its_path(small_cuhk01, tmp_path):
    bad = train_images(small_cuhk01)[3]
    truncate(bad)
    out = tmp_path / "run"
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG,
                       "DATASETS.ROOT", str(small_cuhk01), "OUTPUT_DIR", str(out)] + SMALL_RUN,
                      env={**os.environ, "CFAT_IMAGE_CHECK_CACHE": str(tmp_path / "image-check")})
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Starting training" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "1 of" in errors[0] and "DATASETS.IMAGE_CHECK.MODE skip" in errors[0]
    assert f"CUHK01 train: {bad}: image file is truncated" in result.stderr
    assert not list(out.glob("*.pth"))


def test_skip_option_leaves_bad_images_out_and_says_how_many(small_cuhk01, tmp_path, caplog, one_torch_thread):
    from cfat_plugin.data import images
    from cfat_plugin.engine import ReIDTrainer

    paths = train_images(small_cuhk01)
    truncate(paths[0])
    open(paths[1], "wb").close()
    test_bad = sorted(str(p) for p in (small_cuhk01 / "campus").iterdir() if str(p) not in paths)[0]
    truncate(test_bad)
    cfg = small_cfg(small_cuhk01, tmp_path / "out", "DATASETS.IMAGE_CHECK.MODE", "skip")
    try:
        with caplog.at_level("WARNING"):
            trainer = ReIDTrainer(cfg)
        assert "Skipped 3 of 64 images" in caplog.text
        used = {item[0] for item in trainer.data_loader.dataset.img_items}
        assert used == set(paths) - {paths[0], paths[1]}
        loader, num_query = ReIDTrainer.build_test_loader(cfg, "CUHK01")
        assert test_bad not in {item[0] for item in loader.dataset.img_items}
        assert len(loader.dataset.img_items) == 64 - len(paths) - 1
    finally:
        images.SKIPPED.clear()


def test_bad_image_in_a_loader_worker_is_one_line_with_its_path(small_cuhk01):
    from fastreid.data.common import CommDataset
    from torch.utils.data import DataLoader

    from cfat_plugin.utils.errors import BadImageError

    paths = train_images(small_cuhk01)[:4]
    truncate(paths[2])
    loader = DataLoader(CommDataset([(p, 0, 0) for p in paths], relabel=False), batch_size=4, num_workers=1,
                        collate_fn=lambda batch: batch)
    with pytest.raises(BadImageError) as raised:
        next(iter(loader))
    message = str(raised.value)
    assert len(message.splitlines()) == 1 and f"{paths[2]}: image file is truncated" in message, message


def truncate_after_epoch_0(paths):
    """A hook that truncates ``paths`` after epoch 0's checkpoint: files broken mid-run."""
    from fastreid.engine.hooks import HookBase

    class Truncate(HookBase):
        def after_epoch(self):
            if self.trainer.epoch == 0:
                for path in paths:
                    truncate(path)

    return Truncate()


@pytest.mark.slow
def test_bad_image_written_mid_run_stops_it_and_resume_goes_on_after_repair(small_cuhk01, tmp_path, one_torch_thread):
    from cfat_plugin.utils.errors import BadImageError
    from cfat_plugin.engine import ReIDTrainer

    paths = train_images(small_cuhk01)
    originals = {p: open(p, "rb").read() for p in paths}
    out = tmp_path / "out"
    opts = ("SOLVER.MAX_EPOCH", "3", "SOLVER.CHECKPOINT_PERIOD", "1", "TEST.EVAL_PERIOD", "3")
    trainer = ReIDTrainer(small_cfg(small_cuhk01, out, *opts))
    trainer.register_hooks([truncate_after_epoch_0(paths)])
    trainer.resume_or_load(resume=False)
    with pytest.raises(BadImageError) as raised:
        trainer.train()
    message = str(raised.value)
    assert len(message.splitlines()) == 1 and "image file is truncated" in message
    assert any(p in message for p in paths) and "epoch 1" in message
    assert f"last good checkpoint kept: {out / 'model_0000.pth'}" in message and "--resume" in message
    assert (out / "last_checkpoint").read_text() == "model_0000.pth" and not (out / "model_0001.pth").exists()

    for path, data in originals.items():  # repaired
        with open(path, "wb") as f:
            f.write(data)
    resumed = ReIDTrainer(small_cfg(small_cuhk01, out, *opts))
    resumed.resume_or_load(resume=True)
    assert resumed.start_epoch == 1
    resumed.train()
    assert (out / "model_final.pth").exists()


def test_robustness_evaluator_and_corruption_cache_name_a_bad_image(small_cuhk01, tmp_path):
    from cfat_plugin.utils.errors import BadImageError
    from cfat_plugin.data.corruptions import CorruptionCache, Draw, read_rgb
    from cfat_plugin.evaluation.robustness import RobustnessEvaluator

    campus = sorted(str(p) for p in (small_cuhk01 / "campus").iterdir())
    test_path = [p for p in campus if p not in train_images(small_cuhk01)][0]
    truncate(test_path)
    cfg = small_cfg(small_cuhk01, tmp_path / "out")
    with pytest.raises(BadImageError, match=f"CUHK01 (query|gallery): {test_path}: image file is truncated"):
        RobustnessEvaluator(cfg, None, "CUHK01", str(tmp_path / "out" / "robustness")).run()  # before any feature

    with pytest.raises(BadImageError, match=f"{test_path}: image file is truncated"):
        read_rgb(test_path)
    cache = CorruptionCache(tmp_path / "cache")
    with pytest.raises(BadImageError, match=test_path):
        cache.fill([cache.job(test_path, Draw("gaussian_noise", 1, 0))], num_workers=1, progress=False)


# ---- settings ---------------------------------------------------------------------------------
def test_misspelt_type_and_severity_6_are_one_line_each_exit_2_before_any_model(cuhk01_root, tmp_path):
    out = tmp_path / "rob"
    result = run_tool([os.path.join("tools", "eval_robustness.py"), "--types", "gausian_noise", "--severities", "6",
                       "--config-file", BASELINE_CFG, "DATASETS.ROOT", cuhk01_root, "OUTPUT_DIR", str(out)])
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert errors == [
        "error: DATASETS.CORRUPTION.TEST.TYPES: unknown corruption type 'gausian_noise' (did you mean 'gaussian_noise'?); "
        "valid: " + ", ".join(__import__("cfat_plugin").data.corruptions.available_corruptions()),
        "error: DATASETS.CORRUPTION.TEST.SEVERITIES: severity 6 is not one of 1-5"], result.stderr[-2000:]
    assert not out.exists(), "nothing was set up, read or built"


@pytest.mark.parametrize("opts, expected", [
    (["DATASETS.CORRUPTION.TEST.TYPES", "['fogg']"], "DATASETS.CORRUPTION.TEST.TYPES: unknown corruption type 'fogg' (did you mean 'fog'?)"),
    (["DATASETS.CORRUPTION.TRAIN.SEVERITIES", "[0, 3]"], "DATASETS.CORRUPTION.TRAIN.SEVERITIES: severity 0 is not one of 1-5"),
    (["DATASETS.CORRUPTION.TEST.MODE", "fixed", "DATASETS.CORRUPTION.TEST.TYPE", "fog", "DATASETS.CORRUPTION.TEST.SEVERITY", "6"],
     "DATASETS.CORRUPTION.TEST.SEVERITY: severity 6 is not one of 1-5"),
    (["TEST.ROBUSTNESS.REPEATS", "0"], "TEST.ROBUSTNESS.REPEATS: 0; valid: an integer >= 1"),
    (["SEED", "-5"], "SEED: -5 is not a valid seed; valid: an integer >= 0, or -1 for a fresh seed each run"),
    (["DATASETS.CORRUPTION.TRAIN.SEED", "-1"], "DATASETS.CORRUPTION.TRAIN.SEED: -1 is not a valid seed; valid: an integer >= 0"),
    (["DATASETS.NAMES", "('CUHK1',)"], "DATASETS.NAMES: unknown data set 'CUHK1' (did you mean 'CUHK01'?)"),
    (["DATASETS.TESTS", "('Market1501X',)"], "DATASETS.TESTS: unknown data set 'Market1501X'"),
    (["DATASETS.ROOT", "/no/such/folder"], "DATASETS.ROOT: folder not found: /no/such/folder"),
    (["MODEL.WEIGHTS", "/no/such/model.pth"], "MODEL.WEIGHTS: file not found: /no/such/model.pth"),
    (["DATASETS.IMAGE_CHECK.MODE", "skipp"], "DATASETS.IMAGE_CHECK.MODE: 'skipp' (did you mean 'skip'?); valid: stop, skip, off"),
])
def test_each_bad_setting_is_one_line_naming_the_key_and_what_is_valid(opts, expected):
    from cfat_plugin.engine import load_config
    from cfat_plugin.engine.validate import SettingsError, check_settings

    cfg = load_config(os.path.join(REPO_ROOT, BASELINE_CFG), opts)
    with pytest.raises(SettingsError) as raised:
        check_settings(cfg)
    assert len(raised.value.problems) == 1 and raised.value.problems[0].startswith(expected), raised.value.problems


def test_teacher_and_student_widths_must_match_without_a_projection(tmp_path):
    from cfat_plugin.engine import load_config
    from cfat_plugin.engine.validate import SettingsError, check_settings

    teacher = tmp_path / "teacher.yml"
    teacher.write_text(f"_BASE_: {os.path.join(REPO_ROOT, BASELINE_CFG)}\nMODEL:\n  BACKBONE:\n    FEAT_DIM: 768\n")
    opts = ["MODEL.META_ARCHITECTURE", "CFAT", "MODEL.TEACHER.CONFIG_FILE", str(teacher)]
    cfg = load_config(os.path.join(REPO_ROOT, BASELINE_CFG), opts)
    with pytest.raises(SettingsError) as raised:
        check_settings(cfg)
    assert raised.value.problems == [
        f"MODEL.BACKBONE.FEAT_DIM: the student is 512-d but the teacher ({teacher}) is 768-d; valid: 768, "
        f"or MODEL.CFAT.TEACHER_PROJECTION linear"]
    check_settings(load_config(os.path.join(REPO_ROOT, BASELINE_CFG),
                               opts + ["MODEL.CFAT.TEACHER_PROJECTION", "linear"]))
    with pytest.raises(SettingsError, match="MODEL.CFAT.TEACHER_PROJECTION: 'lin'; valid: none, linear"):
        check_settings(load_config(os.path.join(REPO_ROOT, BASELINE_CFG),
                                   opts + ["MODEL.CFAT.TEACHER_PROJECTION", "lin"]))



def test_cfat_without_the_clean_view_is_refused_before_training():
    from cfat_plugin.engine import load_config
    from cfat_plugin.engine.validate import SettingsError, check_settings

    opts = ["MODEL.META_ARCHITECTURE", "CFAT", "DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW", "False"]
    with pytest.raises(SettingsError) as raised:
        check_settings(load_config(os.path.join(REPO_ROOT, BASELINE_CFG), opts))
    assert raised.value.problems == ["DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW: False, but CFAT's teacher reads the "
                                     "clean view; valid: True"]
    check_settings(load_config(os.path.join(REPO_ROOT, BASELINE_CFG), opts[2:]))  # a student alone may drop it
    check_settings(load_config(os.path.join(REPO_ROOT, BASELINE_CFG), opts), training=False)

# ---- numerical trouble ------------------------------------------------------------------------
@pytest.mark.slow
def test_nan_loss_stops_with_iteration_and_terms_and_keeps_the_last_good_checkpoint(small_cuhk01, tmp_path,
                                                                                     one_torch_thread):
    from fastreid.engine.hooks import HookBase

    from cfat_plugin.engine import ReIDTrainer
    from cfat_plugin.engine.guards import NonFiniteLossError

    out = tmp_path / "out"
    trainer = ReIDTrainer(small_cfg(small_cuhk01, out, "SOLVER.MAX_EPOCH", "3", "SOLVER.CHECKPOINT_PERIOD", "1",
                                    "TEST.EVAL_PERIOD", "3"))
    model = trainer.model
    forward = model.forward

    class NaNInEpoch1(HookBase):
        def before_step(self):
            if self.trainer.epoch == 1:
                model.forward = lambda batch: {k: v * float("nan") if k == "loss_cls" else v
                                               for k, v in forward(batch).items()}

    trainer.register_hooks([NaNInEpoch1()])
    trainer.resume_or_load(resume=False)
    iters = trainer.iters_per_epoch
    with pytest.raises(NonFiniteLossError) as raised:
        trainer.train()
    message = str(raised.value)
    assert len(message.splitlines()) == 1
    assert f"the loss is not finite at iteration {iters} (epoch 1): loss_cls nan, loss_triplet " in message
    assert f"last good checkpoint kept: {out / 'model_0000.pth'}" in message
    assert (out / "last_checkpoint").read_text() == "model_0000.pth" and not (out / "model_0001.pth").exists()
    saved = torch.load(out / "model_0000.pth", map_location="cpu", weights_only=False)["model"]
    assert all(torch.isfinite(t).all() for t in saved.values() if t.is_floating_point())

    # a broken state is never written over the last good checkpoint
    before = (out / "model_0000.pth").read_bytes()
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    with pytest.raises(NonFiniteLossError, match="weights are not finite"):
        trainer.checkpointer.save("model_0000")
    assert (out / "model_0000.pth").read_bytes() == before


# ---- files written atomically -----------------------------------------------------------------
def test_a_write_killed_midway_leaves_the_previous_checkpoint_and_report(tmp_path, monkeypatch):
    from fastreid.utils.checkpoint import Checkpointer

    from cfat_plugin.utils.files import atomic_open

    model = torch.nn.Linear(4, 2)
    checkpointer = Checkpointer(model, str(tmp_path))
    checkpointer.save("model_final")
    good = (tmp_path / "model_final.pth").read_bytes()
    real_save = torch.save

    def dies_halfway(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        with open(f, "r+b") as handle:
            handle.truncate(10)
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(torch, "save", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        checkpointer.save("model_final")
    assert (tmp_path / "model_final.pth").read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["last_checkpoint", "model_final.pth"]

    report = tmp_path / "report.md"
    report.write_text("good")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(str(report)) as f:
            f.write("half")
            raise KeyboardInterrupt
    assert report.read_text() == "good"


def _fill(root, sources, barrier):
    from cfat_plugin.data.corruptions import CorruptionCache, Draw

    cache = CorruptionCache(root)
    jobs = [cache.job(s, Draw(t, 3, 7)) for s in sources for t in ("gaussian_noise", "contrast", "pixelate")]
    barrier.wait()
    cache.fill(jobs, num_workers=1, progress=False)


def test_two_processes_filling_one_cache_leave_no_broken_file(tmp_path):
    from PIL import Image

    sources = [os.path.join(CUHK01_MINI, "campus", n) for n in sorted(os.listdir(os.path.join(CUHK01_MINI, "campus")))[:8]]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_fill, args=(str(tmp_path / "cache"), sources, barrier)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    files = [os.path.join(d, f) for d, _, names in os.walk(tmp_path / "cache") for f in names]
    assert len(files) == 8 * 3 and not [f for f in files if f.endswith(".tmp")]
    for path in files:
        with Image.open(path) as image:
            image.load()


def test_a_missing_root_is_fine_when_only_generated_data_is_read(tmp_path):
    """SynthReID writes itself on first use: a fresh DATASETS.ROOT must not stop it, a real data set's must."""
    from cfat_plugin.engine import load_config
    from cfat_plugin.engine.validate import SettingsError, check_settings

    cfg = load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18_teacher.yml"),
                      ["DATASETS.ROOT", str(tmp_path / "new")])
    check_settings(cfg)
    for generated in ("SynthPRCC", "SynthLTCC", "SynthPEDES", "SynthSYSU", "SynthRegDB", "SynthMLR"):
        cfg = load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18_teacher.yml"),
                          ["DATASETS.ROOT", str(tmp_path / "new"), "DATASETS.NAMES", f"('{generated}',)",
                           "DATASETS.TESTS", f"('{generated}',)"])
        check_settings(cfg)
    cfg = load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18_teacher.yml"),
                      ["DATASETS.ROOT", str(tmp_path / "new"), "DATASETS.TESTS", "('CUHK01',)"])
    with pytest.raises(SettingsError, match="DATASETS.ROOT: folder not found"):
        check_settings(cfg)


# ---- config files, keys and weights files as a new user gets them wrong ----------------------------
def test_yaml_syntax_error_is_one_line_with_file_and_line_exit_2(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(f"_BASE_: {os.path.join(REPO_ROOT, BASELINE_CFG)}\nSOLVER:\n  BASE_LR: 0.1\n    MAX_EPOCH: 2\n")
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", str(broken)])
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        f"error: {broken}: line 4, column 14: not valid YAML (mapping values are not allowed here)"]


def test_weights_file_of_random_bytes_is_not_a_checkpoint_exit_2(tmp_path):
    weights = tmp_path / "model_final.pth"
    weights.write_bytes(bytes(range(256)) * 64)
    result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG, "--eval-only",
                       "MODEL.WEIGHTS", str(weights), "DATASETS.ROOT", CUHK01_MINI, "OUTPUT_DIR", str(tmp_path / "o")]
                      + SMALL_RUN)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"error: {weights} is not a checkpoint: cannot be read ("), lines
    assert "TRUSTED" not in result.stderr and "trust" not in lines[-1]  # never told to trust random bytes


def test_cut_off_checkpoint_is_not_a_checkpoint_and_pickled_objects_stay_untrusted(tmp_path):
    from cfat_plugin.utils.checkpoints import load_checkpoint_file
    from cfat_plugin.utils.errors import NotACheckpointError, UntrustedCheckpointError

    whole = tmp_path / "whole.pth"
    torch.save({"model": {"w": torch.ones(3)}}, whole)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[:200])
    with pytest.raises(NotACheckpointError, match="is not a checkpoint: cannot be read"):
        load_checkpoint_file(str(cut))
    objects = tmp_path / "objects.pth"
    torch.save({"model": {"w": torch.ones(3)}, "made_by": multiprocessing.Process}, objects)
    with pytest.raises(UntrustedCheckpointError, match="pickled Python objects beyond tensors"):
        load_checkpoint_file(str(objects))
    assert torch.equal(load_checkpoint_file(str(whole))["model"]["w"], torch.ones(3))


@pytest.mark.parametrize("where", ["command line", "file"])
def test_misspelt_config_key_names_the_closest_key(tmp_path, where):
    if where == "command line":
        result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", BASELINE_CFG,
                           "SOLVER.MAX_EPOH", "3"])
    else:
        config = tmp_path / "typo.yml"
        config.write_text(f"_BASE_: {os.path.join(REPO_ROOT, BASELINE_CFG)}\nSOLVER:\n  MAX_EPOH: 3\n")
        result = run_tool([os.path.join("tools", "train_net.py"), "--config-file", str(config)])
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith("SOLVER.MAX_EPOH (did you mean SOLVER.MAX_EPOCH?)"), line


def test_a_key_like_no_other_gets_no_guess():
    from cfat_plugin.engine import load_config
    from cfat_plugin.engine.setup import ConfigError

    with pytest.raises(ConfigError, match=r"FOO\.BAR \(not a FastReID or cfat_plugin config key\)"):
        load_config(os.path.join(REPO_ROOT, BASELINE_CFG), ["FOO.BAR", "1"])
