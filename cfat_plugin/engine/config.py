"""Config keys of the engine: where data sets live, and the run's random seed."""
import os

from fastreid.config import CfgNode as CN


def add_engine_config(cfg: CN) -> None:
    """Add ``DATASETS.ROOT`` (idempotent).

    FastReID reads ``$FASTREID_DATASETS`` once, when ``fastreid.data`` is first
    imported; this key lets a config or the command line say it instead.
    Empty: ``$FASTREID_DATASETS``, else ``datasets``.
    """
    if "ROOT" not in cfg.DATASETS:
        cfg.DATASETS.ROOT = ""
    add_seed_config(cfg)


def add_seed_config(cfg: CN) -> None:
    """Add ``SEED`` (idempotent): FastReID 1.4.0 always seeds from the clock and pid.

    ``SEED >= 0`` seeds Python, NumPy and torch with ``SEED + rank`` (data
    loader workers derive theirs from it), so a run can be repeated; -1 keeps
    FastReID's fresh seed.
    """
    if "SEED" not in cfg:
        cfg.SEED = -1


def datasets_root(cfg: CN) -> str:
    """The data set root a run uses."""
    return cfg.DATASETS.ROOT or os.getenv("FASTREID_DATASETS", "datasets")
