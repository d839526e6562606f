"""cfat-reid: CFAT corruption-invariant person re-identification as a FastReID plugin.

Importing this package first makes FastReID 1.4.0 work on today's stack
(:mod:`cfat_plugin.compat`), then registers every component of the plugin in
FastReID's registries, the way detectron2/FastReID ``projects/`` do.
"""
from . import compat

compat.apply_all()

from . import data, modeling, engine, evaluation  # noqa: E402  (register components)
from .config import add_cfat_config  # noqa: E402

__all__ = ["add_cfat_config", "compat", "data", "modeling", "engine", "evaluation"]
__version__ = "0.1.0"
