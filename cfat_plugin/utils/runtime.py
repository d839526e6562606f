"""The run-time options object: settings FastReID has no config place for, set once from the config.

FastReID's trainer, data loader, DDP wrapper and CUHK03 reader are patched in ``compat/``, and its
test loader builds the plugin's ``*C`` data sets with nothing but a root; what they need from the run's
config (AMP dtype, CUDA prefetch, DDP's unused-parameter search, trusted checkpoint files, the CUHK03
protocol, the corrupted test draw, the generated and visible-infrared readers' options) travels here, in one explicit object, instead of being
written into several module globals. The engine sets it from the config at set-up
(:func:`set_runtime_options`); everything else reads :func:`runtime_options`.
"""
import os
from dataclasses import dataclass, field, replace
from typing import Any, FrozenSet

from fastreid.config import CfgNode as CN

from .config_keys import register_config_keys


@dataclass(frozen=True)
class RuntimeOptions:
    """The options of the current run; the defaults are the published recipes' choices."""

    amp_dtype: str = "auto"  # SOLVER.AMP.DTYPE: auto (float16 on CUDA, bfloat16 on CPU), float16, bfloat16
    prefetch_to_cuda: bool = True  # MODEL.DEVICE is cuda: FastReID's prefetching loader may touch CUDA
    ddp_find_unused_parameters: bool = False  # MODEL.DDP_FIND_UNUSED_PARAMETERS
    trusted_checkpoints: FrozenSet[str] = field(default_factory=frozenset)  # absolute paths (COMPAT.TRUSTED_...)
    cuhk03_labeled: bool = False  # DATASETS.CUHK03.LABELED
    cuhk03_classic_split: bool = False  # DATASETS.CUHK03.CLASSIC_SPLIT
    cuhk03_split_id: int = 0  # DATASETS.CUHK03.SPLIT_ID
    # How FastReID-built *C test sets corrupt their base (DATASETS.CORRUPTION.TEST), a
    # cfat_plugin.data.datasets.corrupted.CorruptedTestOptions; None: its defaults.
    corrupted_test: Any = None
    # What the generated and visible-infrared readers make and read (DATASETS.SYNTHREID, .VISIBLE_INFRARED,
    # .REGDB, .SYSU_MM01), a cfat_plugin.data.datasets.reader_options.ReaderOptions; None: its defaults.
    readers: Any = None

    def __post_init__(self) -> None:
        # one place that makes trusted paths absolute, whoever builds the options
        object.__setattr__(self, "trusted_checkpoints",
                           frozenset(os.path.abspath(p) for p in self.trusted_checkpoints))


_OPTIONS = RuntimeOptions()


def runtime_options() -> RuntimeOptions:
    """The options in force (the defaults until a run sets them)."""
    return _OPTIONS


def set_runtime_options(options: RuntimeOptions) -> RuntimeOptions:
    """Make ``options`` current; returns the previous ones (so a caller can restore them)."""
    global _OPTIONS
    previous, _OPTIONS = _OPTIONS, options
    return previous


def update_runtime_options(**changes) -> RuntimeOptions:
    """Change some fields of the current options; returns the previous ones."""
    return set_runtime_options(replace(_OPTIONS, **changes))


def options_from_config(cfg: CN) -> RuntimeOptions:
    """The run-time options a config asks for."""
    node = cfg.DATASETS.CUHK03
    return RuntimeOptions(
        amp_dtype=str(cfg.SOLVER.AMP.DTYPE),
        prefetch_to_cuda=str(cfg.MODEL.DEVICE).startswith("cuda"),
        ddp_find_unused_parameters=bool(cfg.MODEL.DDP_FIND_UNUSED_PARAMETERS),
        trusted_checkpoints=frozenset(cfg.COMPAT.TRUSTED_CHECKPOINTS),
        cuhk03_labeled=bool(node.LABELED), cuhk03_classic_split=bool(node.CLASSIC_SPLIT),
        cuhk03_split_id=int(node.SPLIT_ID))


@register_config_keys
def add_runtime_config(cfg: CN) -> None:
    """Add ``COMPAT.*``, ``MODEL.DDP_FIND_UNUSED_PARAMETERS``, ``SOLVER.AMP.DTYPE`` and ``DATASETS.CUHK03.*``."""
    if "COMPAT" not in cfg:
        cfg.COMPAT = CN()
        # Checkpoint files allowed to unpickle arbitrary Python objects (trusted files only).
        cfg.COMPAT.TRUSTED_CHECKPOINTS = []
    if "DDP_FIND_UNUSED_PARAMETERS" not in cfg.MODEL:
        # DDP searches for parameters a step did not use (slower; needed when some are idle).
        cfg.MODEL.DDP_FIND_UNUSED_PARAMETERS = False
    if "DTYPE" not in cfg.SOLVER.AMP:
        # auto: float16 on CUDA, bfloat16 on CPU.
        cfg.SOLVER.AMP.DTYPE = "auto"
    if "CUHK03" not in cfg.DATASETS:
        cfg.DATASETS.CUHK03 = CN()
        # False: detected boxes (CIL benchmark, CFAT); True: hand-labelled boxes (FastReID's default).
        cfg.DATASETS.CUHK03.LABELED = False
        # False: the new 767/700 protocol (cuhk03_new_protocol_config_*.mat); True: the 20 classic splits.
        cfg.DATASETS.CUHK03.CLASSIC_SPLIT = False
        # Which classic split (0-19); the new protocol has only split 0.
        cfg.DATASETS.CUHK03.SPLIT_ID = 0
