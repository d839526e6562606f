"""Config keys of the data side (corruptions, paired training views, synthetic data)."""
from fastreid.config import CfgNode as CN


def add_data_config(cfg: CN) -> None:
    """Add the data keys to ``cfg`` in place; safe to call twice."""
