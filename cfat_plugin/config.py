"""``add_cfat_config``: every config key the plugin adds to FastReID's defaults."""
from fastreid.config import CfgNode

from .compat.config import add_compat_config
from .data.config import add_data_config
from .engine.config import add_engine_config
from .evaluation.config import add_evaluation_config
from .modeling.config import add_model_config


def add_cfat_config(cfg: CfgNode) -> CfgNode:
    """Add the plugin's keys to ``cfg`` in place (idempotent) and return it.

    Apply it to every config the plugin reads, the teacher's included, before
    ``merge_from_file`` so that unknown keys in a YAML file are still errors.
    """
    add_compat_config(cfg)
    add_engine_config(cfg)
    add_data_config(cfg)
    add_model_config(cfg)
    add_evaluation_config(cfg)
    return cfg
