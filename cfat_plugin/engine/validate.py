"""Settings checked before anything expensive starts: one line per bad key, naming what would be valid.

``check_settings(cfg)`` runs in the launching process right after the config
is read (``tools/*.py`` through :func:`cfat_plugin.engine.cli.launch_from_args`),
before any process is spawned, data set read or model built. Each problem is
a line ``KEY: what is wrong; what would be valid``; the command prints each
as ``error: ...`` and exits with code 2.
"""
import difflib
import os
from typing import Iterable, List, Sequence

from fastreid.config import CfgNode

from ..modeling.backbones.mobilenetv2_imagenet import SHIPPED, shipped_weights_path
from ..utils.config_keys import registered_settings_checks
from ..utils.errors import MissingPackageError
from .setup import ConfigError


class SettingsError(ConfigError):
    """One or more config values are invalid; ``problems`` holds one line per key."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _close(name: str, valid: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(name), list(valid), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _types(problems: List[str], key: str, names: Iterable, allow_empty: bool = True) -> None:
    from ..data.corruptions import available_corruptions

    valid = available_corruptions()
    for name in names:
        if name not in valid:
            problems.append(f"{key}: unknown corruption type {name!r}{_close(name, valid)}; "
                            f"valid: {', '.join(valid)}")


def _severities(problems: List[str], key: str, values: Iterable) -> None:
    from ..data.corruptions import SEVERITIES

    for value in values:
        if not _is_int(value) or value not in SEVERITIES:
            problems.append(f"{key}: severity {value!r} is not one of {SEVERITIES[0]}-{SEVERITIES[-1]}")


def _seed(problems: List[str], key: str, value, fresh_allowed: bool = True) -> None:
    if not _is_int(value) or value < (-1 if fresh_allowed else 0):
        valid = "an integer >= 0, or -1 for a fresh seed each run" if fresh_allowed else "an integer >= 0"
        problems.append(f"{key}: {value!r} is not a valid seed; valid: {valid}")


def _count(problems: List[str], key: str, value, minimum: int) -> None:
    if not _is_int(value) or value < minimum:
        problems.append(f"{key}: {value!r}; valid: an integer >= {minimum}")


def _choice(problems: List[str], key: str, value, valid: Sequence[str]) -> None:
    if str(value).lower() not in valid:
        problems.append(f"{key}: {value!r}{_close(str(value).lower(), valid)}; valid: {', '.join(valid)}")


def _dataset_names(problems: List[str], key: str, names: Iterable) -> None:
    from fastreid.data.datasets import DATASET_REGISTRY

    registered = sorted(DATASET_REGISTRY._obj_map)
    for name in names:
        if name in registered:
            continue
        base = name[:-1] if str(name).endswith("C") else None
        if base in registered:  # <Base>C: registered on first use (configure_corrupted_test)
            continue
        problems.append(f"{key}: unknown data set {name!r}{_close(name, registered)}; registered: "
                        f"{', '.join(registered)} (and <name>C for a corrupted test set)")


def _corruption_problems(cfg: CfgNode, problems: List[str]) -> None:
    from ..data.corruptions import SETTINGS

    train = cfg.DATASETS.CORRUPTION.TRAIN
    _types(problems, "DATASETS.CORRUPTION.TRAIN.TYPES", train.TYPES)
    _severities(problems, "DATASETS.CORRUPTION.TRAIN.SEVERITIES", train.SEVERITIES)
    _seed(problems, "DATASETS.CORRUPTION.TRAIN.SEED", train.SEED, fresh_allowed=False)
    if not isinstance(train.CLEAN_PROB, (int, float)) or not 0.0 <= float(train.CLEAN_PROB) <= 1.0:
        problems.append(f"DATASETS.CORRUPTION.TRAIN.CLEAN_PROB: {train.CLEAN_PROB!r}; valid: a probability in [0, 1]")

    test = cfg.DATASETS.CORRUPTION.TEST
    _choice(problems, "DATASETS.CORRUPTION.TEST.SETTING", test.SETTING, SETTINGS)
    _choice(problems, "DATASETS.CORRUPTION.TEST.MODE", test.MODE, ("random", "fixed"))
    if str(test.MODE).lower() == "fixed":
        if not test.TYPE:
            problems.append("DATASETS.CORRUPTION.TEST.TYPE: empty; MODE fixed needs a corruption type")
        else:
            _types(problems, "DATASETS.CORRUPTION.TEST.TYPE", [test.TYPE])
        _severities(problems, "DATASETS.CORRUPTION.TEST.SEVERITY", [test.SEVERITY])
    _types(problems, "DATASETS.CORRUPTION.TEST.TYPES", test.TYPES)
    _severities(problems, "DATASETS.CORRUPTION.TEST.SEVERITIES", test.SEVERITIES)
    _seed(problems, "DATASETS.CORRUPTION.TEST.SEED", test.SEED)
    _count(problems, "DATASETS.CORRUPTION.TEST.REPEAT", test.REPEAT, 0)
    _count(problems, "DATASETS.CORRUPTION.TEST.NUM_WORKERS", test.NUM_WORKERS, 0)


def _robustness_problems(cfg: CfgNode, problems: List[str]) -> None:
    from ..data.corruptions import SETTINGS

    rob = cfg.TEST.ROBUSTNESS
    for setting in rob.SETTINGS:
        _choice(problems, "TEST.ROBUSTNESS.SETTINGS", setting, SETTINGS)
    _count(problems, "TEST.ROBUSTNESS.REPEATS", rob.REPEATS, 1)
    for key in ("GRID_TYPES", "SEEN_TYPES"):
        _types(problems, f"TEST.ROBUSTNESS.{key}", rob[key])
    _severities(problems, "TEST.ROBUSTNESS.GRID_SEVERITIES", rob.GRID_SEVERITIES)
    _dataset_names(problems, "TEST.ROBUSTNESS.DATASETS", rob.DATASETS)


# Data sets the plugin writes on first use: a root that does not exist yet is made for them.
GENERATED_DATASETS = ("SynthReID", "SynthReIDC", "SynthPRCC", "SynthLTCC", "SynthExternal", "SynthPEDES", "SynthSYSU",
                      "SynthRegDB", "SynthMLR")


def _path_problems(cfg: CfgNode, problems: List[str], training: bool) -> None:
    read = set(cfg.DATASETS.TESTS) | (set(cfg.DATASETS.NAMES) if training else set())
    if cfg.DATASETS.ROOT and not os.path.isdir(cfg.DATASETS.ROOT) and not read <= set(GENERATED_DATASETS):
        problems.append(f"DATASETS.ROOT: folder not found: {os.path.abspath(cfg.DATASETS.ROOT)}; valid: the folder "
                        f"that holds the data sets (or leave it empty for $FASTREID_DATASETS, else datasets/)")
    if cfg.MODEL.WEIGHTS and not os.path.isfile(cfg.MODEL.WEIGHTS):
        problems.append(f"MODEL.WEIGHTS: file not found: {os.path.abspath(cfg.MODEL.WEIGHTS)}")
    backbone = cfg.MODEL.BACKBONE
    if training and backbone.PRETRAIN and backbone.PRETRAIN_PATH == SHIPPED:
        try:
            shipped_weights_path()
        except MissingPackageError as error:
            problems.append(str(error))
    elif training and backbone.PRETRAIN and backbone.PRETRAIN_PATH and not os.path.isfile(backbone.PRETRAIN_PATH):
        problems.append(f"MODEL.BACKBONE.PRETRAIN_PATH: file not found: {os.path.abspath(backbone.PRETRAIN_PATH)} "
                        f"(or set MODEL.BACKBONE.PRETRAIN False to start from scratch)")
    if cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR and os.path.isfile(cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR):
        problems.append(f"DATASETS.CORRUPTION.TEST.CACHE_DIR: {cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR} is a file; "
                        f"valid: a folder (made if missing)")


def check_settings(cfg: CfgNode, training: bool = True) -> None:
    """Raise a :class:`SettingsError` listing every invalid setting of ``cfg`` (nothing is built or read)."""
    from ..data.images import CHECK_MODES

    problems: List[str] = []
    _dataset_names(problems, "DATASETS.NAMES", cfg.DATASETS.NAMES if training else ())
    _dataset_names(problems, "DATASETS.TESTS", cfg.DATASETS.TESTS)
    _corruption_problems(cfg, problems)
    _robustness_problems(cfg, problems)
    _count(problems, "TEST.SINGLE_SHOT.DRAWS", cfg.TEST.SINGLE_SHOT.DRAWS, 1)
    _seed(problems, "TEST.SINGLE_SHOT.SEED", cfg.TEST.SINGLE_SHOT.SEED, fresh_allowed=False)
    _seed(problems, "SEED", cfg.SEED)
    _choice(problems, "DATASETS.IMAGE_CHECK.MODE", cfg.DATASETS.IMAGE_CHECK.MODE, CHECK_MODES)
    _path_problems(cfg, problems, training)
    for check in registered_settings_checks():  # each method's own keys
        check(cfg, problems, training)
    if problems:
        raise SettingsError(problems)
