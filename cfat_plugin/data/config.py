"""Config keys of the data side (data set root, corruptions, paired training views, image check, and the
options of the generated and visible-infrared readers)."""
import os

from fastreid.config import CfgNode as CN

from ..utils.config_keys import register_config_keys, register_renamed_key

# One place for the corrupted test draw: these were two copies of the same idea.
register_renamed_key("DATASETS.CORRUPTION.TEST.REPEATS", "TEST.ROBUSTNESS.REPEATS", 10)
register_renamed_key("TEST.ROBUSTNESS.TYPES", "DATASETS.CORRUPTION.TEST.TYPES", [])
register_renamed_key("TEST.ROBUSTNESS.SEVERITIES", "DATASETS.CORRUPTION.TEST.SEVERITIES", [])
register_renamed_key("TEST.ROBUSTNESS.SEED", "DATASETS.CORRUPTION.TEST.SEED", 0)


@register_config_keys
def add_data_config(cfg: CN) -> None:
    """Add the data keys to ``cfg`` in place; safe to call twice.

    ``DATASETS.CORRUPTION.TRAIN`` drives the paired clean/corrupted training views
    (:mod:`cfat_plugin.data.paired`); ``DATASETS.CORRUPTION.TEST`` the ``*C`` test sets of
    :mod:`cfat_plugin.data.datasets.corrupted` (applied by ``configure_corrupted_test(cfg)``).
    """
    if "ROOT" not in cfg.DATASETS:
        # Where data sets live. FastReID reads $FASTREID_DATASETS once, when fastreid.data is first
        # imported; this key lets a config or the command line say it. Empty: $FASTREID_DATASETS, else datasets.
        cfg.DATASETS.ROOT = ""
    if "CORRUPTION" not in cfg.DATASETS:
        _add_corruption_config(cfg)
    if "IMAGE_CHECK" not in cfg.DATASETS:
        _add_image_check_config(cfg)
    if "SYNTHREID" not in cfg.DATASETS:
        _add_synthreid_config(cfg)
    if "VISIBLE_INFRARED" not in cfg.DATASETS:
        _add_visible_infrared_config(cfg)


def datasets_root(cfg: CN) -> str:
    """The data set root a run uses."""
    return cfg.DATASETS.ROOT or os.getenv("FASTREID_DATASETS", "datasets")


def _add_image_check_config(cfg: CN) -> None:
    """``DATASETS.IMAGE_CHECK``: every image decoded once before a run (:mod:`cfat_plugin.data.images`)."""
    check = cfg.DATASETS.IMAGE_CHECK = CN()
    # stop: a bad image stops the run before training, with the list of every bad file;
    # skip: leave bad images out and report how many; off: no check (a bad file stops the run when read).
    check.MODE = "stop"
    # Where results are kept, keyed by (path, size, mtime), so files are decoded once;
    # empty: $CFAT_IMAGE_CHECK_CACHE, else ~/.cache/cfat-reid/image-check.
    check.CACHE_DIR = ""


def _add_synthreid_config(cfg: CN) -> None:
    """``DATASETS.SYNTHREID``: what the generated readers make under ``DATASETS.ROOT`` on first use
    (:mod:`cfat_plugin.data.datasets.synthreid`); a keyword argument given to a reader wins."""
    synth = cfg.DATASETS.SYNTHREID = CN()
    # The generator's seed: another seed draws other people, outfits, cameras and splits. A set lives in
    # <root>/SynthReID-<preset>-s<seed>/ (the market layout's demo preset at seed 0: <root>/SynthReID/).
    synth.SEED = 0
    # The preset each generated reader makes, by the layout it reads (presets: cfat_plugin/data/synthetic/spec.py).
    preset = synth.PRESET = CN()
    preset.MARKET = "demo"  # SynthReID (Market-1501 layout): demo, tiny, lowres, ...
    preset.PRCC = "prcc"  # SynthPRCC (prcc-tiny: the tests' size)
    preset.LTCC = "ltcc"  # SynthLTCC (ltcc-tiny)
    preset.EXTERNAL = "external"  # SynthExternal, RLQ's unlabeled external set for TAD
    preset.PEDES = "pedes"  # SynthPEDES, CUHK-PEDES layout with captions (pedes-tiny)
    preset.MLR = "mlr"  # SynthMLR, MLR-CUHK03 layout (one camera of each person down-sampled)
    preset.REGDB = "regdb"  # SynthRegDB, RegDB layout (visible and thermal)
    preset.SYSU = "sysu"  # SynthSYSU, SYSU-MM01 layout (visible and infrared cameras)


def _add_visible_infrared_config(cfg: CN) -> None:
    """The published protocols' choices of the visible-infrared readers (SYSUMM01VI, RegDBVI and their
    generated twins, :mod:`cfat_plugin.data.datasets.visible_infrared`)."""
    cfg.DATASETS.VISIBLE_INFRARED = CN()
    # Which of the published trials (1-10): RegDB's train/test split of the 412 identities
    # (idx/*_<trial>.txt), SYSU-MM01's gallery draw. Papers report the mean over the 10
    # (tools/regdb_trials.py runs them); the published MCJA code trains and tests trial 1.
    cfg.DATASETS.VISIBLE_INFRARED.TRIAL = 1
    cfg.DATASETS.REGDB = CN()
    # The query modality: visible (visible to thermal, the direction most papers report first) or
    # thermal (thermal to visible); the other modality is the gallery.
    cfg.DATASETS.REGDB.QUERY = "visible"
    cfg.DATASETS.SYSU_MM01 = CN()
    # The search mode: all (visible cameras 1, 2, 4, 5 in the gallery) or indoor (cameras 1, 2).
    cfg.DATASETS.SYSU_MM01.MODE = "all"


def _add_corruption_config(cfg: CN) -> None:
    cfg.DATASETS.CORRUPTION = CN()

    train = cfg.DATASETS.CORRUPTION.TRAIN = CN()
    train.ENABLED = False  # train on paired clean/corrupted views (the trainer's switch)
    train.TYPES = []  # types drawn for the corrupted view; empty: the benchmark's 20 (a subset holds the rest out)
    train.SEVERITIES = [1, 2, 3, 4, 5]  # severities drawn uniformly
    train.CLEAN_PROB = 1.0 / 21.0  # the "corrupted" view left clean; 1/21: the published draw (clean + 20 types)
    train.SAME_GEOMETRY = False  # both views share one random flip/crop/erasing (False: independent, as published)
    train.SEED = 0  # draws are a function of (SEED, sampler position, index)
    # Also load the clean view, the teacher's input. False: a student trained alone (the augmented baseline)
    # gets its corrupted view only, one augmentation less per sample; CFAT needs it True.
    train.CLEAN_VIEW = True
    # Who corrupts the student's view. reference: imagecorruptions (the test sets' code) in the loader workers,
    # one image at a time at its native size. torch: the collated batch on its device, same draws and the same
    # damage in distribution (cfat_plugin/data/corruptions/torch_backend); on the CPU about a third of the
    # reference's time per image, and none of the workers'. Over 10 paired seeds of the demo at TORCH_SIZE
    # [160, 80] it ties the reference ((c') -0.21 +- 0.13 corrupted mAP), so the demo uses it; at [128, 64]
    # (c') was 0.5 lower (projects/CFAT/README.md, "Training corruptions in torch"). The reference stays the
    # default here: the size that matches it depends on the data set's native crops (TORCH_SIZE below).
    train.BACKEND = "reference"
    # [H, W] the torch backend corrupts at (each corrupted view resized there and back), standing for the
    # native size the reference corrupts at: [128, 64] is Market-1501's (blur radii, drops and grain are in
    # pixels); []: the input size.
    train.TORCH_SIZE = []

    test = cfg.DATASETS.CORRUPTION.TEST = CN()
    test.SETTING = "both"  # clean | both (corrupted query + gallery, the headline) | query | gallery
    test.MODE = "random"  # random: uniform type and severity per image (benchmark) | fixed: TYPE at SEVERITY
    test.TYPE = ""  # the fixed corruption's type (MODE fixed)
    test.SEVERITY = 3  # the fixed corruption's severity (MODE fixed)
    # The random draw -- of the *C test sets and of the robustness benchmark alike (one place):
    test.TYPES = []  # the types it ranges over; empty: all 20
    test.SEVERITIES = [1, 2, 3, 4, 5]  # the severities it ranges over
    test.SEED = 0  # seeds it (same images on every machine and worker count); -1: a fresh seed each run
    test.REPEAT = 0  # which draw of this seed a *C data set uses (the benchmark averages TEST.ROBUSTNESS.REPEATS)
    test.CACHE_DIR = ""  # corrupted images on disk; empty: $CFAT_CORRUPTION_CACHE or ~/.cache/cfat-reid/corruptions
    test.NUM_WORKERS = 0  # processes that fill the cache (0: all cores)
