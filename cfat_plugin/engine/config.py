"""Config keys of the engine: where data sets live."""
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


def datasets_root(cfg: CN) -> str:
    """The data set root a run uses."""
    return cfg.DATASETS.ROOT or os.getenv("FASTREID_DATASETS", "datasets")
