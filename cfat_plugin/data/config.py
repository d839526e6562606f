"""Config keys of the data side (corruptions, paired training views, synthetic data)."""
from fastreid.config import CfgNode as CN


def add_data_config(cfg: CN) -> None:
    """Add the data keys to ``cfg`` in place; safe to call twice.

    ``DATASETS.CORRUPTION.TRAIN`` (paired clean/corrupted training views,
    :mod:`cfat_plugin.data.paired`):

    - ``ENABLED``: train on paired views (the trainer's switch).
    - ``TYPES``: corruption types drawn for the corrupted view; empty = the
      benchmark's 20. A subset holds the others out for testing.
    - ``SEVERITIES``: severities drawn uniformly (default 1-5).
    - ``CLEAN_PROB``: probability that the "corrupted" view is left clean;
      1/21 reproduces the published draw (uniform over clean + 20 types).
    - ``SAME_GEOMETRY``: both views share one random flip/crop/erasing
      (False: independent augmentation per view, as published).
    - ``SEED``: draws are a function of (SEED, sampler position, index).

    ``DATASETS.CORRUPTION.TEST`` (the ``*C`` test sets of
    :mod:`cfat_plugin.data.datasets.corrupted`; applied by
    ``configure_corrupted_test(cfg)``):

    - ``SETTING``: ``clean`` | ``both`` (corrupted query + gallery, the
      headline number) | ``query`` (corrupted query only) | ``gallery``.
    - ``MODE``: ``random`` (the benchmark: uniform type and severity per
      image) | ``fixed`` (every image ``TYPE`` at ``SEVERITY``, a grid cell).
    - ``TYPE``, ``SEVERITY``: the fixed corruption.
    - ``TYPES``, ``SEVERITIES``: what the random draw ranges over (empty = all).
    - ``SEED``: seeds the draw (same corrupted set on every run, machine and
      worker count); -1 = a fresh seed each run, like the benchmark.
    - ``REPEAT``: which draw of this seed a ``*C`` data set uses; ``REPEATS``:
      how many draws the robustness evaluation averages (benchmark: 10).
    - ``CACHE_DIR``: corrupted images on disk (empty: ``$CFAT_CORRUPTION_CACHE``
      or ``~/.cache/cfat-reid/corruptions``); ``NUM_WORKERS``: processes that
      fill it (0 = all cores).
    """
    if "CORRUPTION" not in cfg.DATASETS:
        _add_corruption_config(cfg)
    if "IMAGE_CHECK" not in cfg.DATASETS:
        _add_image_check_config(cfg)


def _add_image_check_config(cfg: CN) -> None:
    """``DATASETS.IMAGE_CHECK``: every image decoded once before a run (:mod:`cfat_plugin.data.images`)."""
    check = cfg.DATASETS.IMAGE_CHECK = CN()
    # stop: a bad image stops the run before training, with the list of every bad file;
    # skip: leave bad images out and report how many; off: no check (a bad file stops the run when read).
    check.MODE = "stop"
    # Where results are kept, keyed by (path, size, mtime), so files are decoded once;
    # empty: $CFAT_IMAGE_CHECK_CACHE, else ~/.cache/cfat-reid/image-check.
    check.CACHE_DIR = ""


def _add_corruption_config(cfg: CN) -> None:
    cfg.DATASETS.CORRUPTION = CN()

    train = cfg.DATASETS.CORRUPTION.TRAIN = CN()
    train.ENABLED = False
    train.TYPES = []
    train.SEVERITIES = [1, 2, 3, 4, 5]
    train.CLEAN_PROB = 1.0 / 21.0
    train.SAME_GEOMETRY = False
    train.SEED = 0

    test = cfg.DATASETS.CORRUPTION.TEST = CN()
    test.SETTING = "both"
    test.MODE = "random"
    test.TYPE = ""
    test.SEVERITY = 3
    test.TYPES = []
    test.SEVERITIES = [1, 2, 3, 4, 5]
    test.SEED = 0
    test.REPEAT = 0
    test.REPEATS = 10
    test.CACHE_DIR = ""
    test.NUM_WORKERS = 0
