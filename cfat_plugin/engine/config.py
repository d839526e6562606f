"""Config keys of the engine: the run's random seed."""
from fastreid.config import CfgNode as CN

from ..utils.config_keys import register_config_keys


@register_config_keys
def add_seed_config(cfg: CN) -> None:
    """Add ``SEED`` (idempotent): FastReID 1.4.0 always seeds from the clock and pid."""
    if "SEED" not in cfg:
        # >= 0: Python, NumPy and torch seeded with SEED + rank (loader workers derive theirs), so a run
        # can be repeated; -1: FastReID's fresh seed from the clock and pid.
        cfg.SEED = -1
