"""``add_cfat_config``: every config key the plugin adds to FastReID's defaults (core and every method)."""
from fastreid.config import CfgNode

from .utils.config_keys import add_registered_config


def add_plugin_config(cfg: CfgNode) -> CfgNode:
    """Add the keys of the shared core and of every method to ``cfg`` in place (idempotent); returns it.

    Apply it to every config the plugin reads, the teacher's included, before
    ``merge_from_file`` so that unknown keys in a YAML file are still errors.
    """
    return add_registered_config(cfg)


# The name users know from when CFAT was the plugin's only method; it adds every key, as before.
add_cfat_config = add_plugin_config
