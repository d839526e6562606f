"""cfat-reid: robust person re-identification methods (CFAT first) as a FastReID plugin.

Importing this package first makes FastReID 1.4.0 work on today's stack
(:mod:`cfat_plugin.compat`), then registers every component in FastReID's
registries, the way detectron2/FastReID ``projects/`` do: the shared core
(``data``, ``modeling``, ``evaluation``, ``engine``) and one subpackage per
method (``cfat``, ``rlq``, ``mcja``, ``dil``, ``cffa``).
"""
from . import compat

compat.apply_all()

from . import data, modeling, evaluation, engine  # noqa: E402  (shared core: registers its components)
from . import cfat  # noqa: E402  (methods: each registers its components, config keys and checks)
from . import rlq  # noqa: E402
from . import mcja  # noqa: E402
from . import dil  # noqa: E402
from . import cffa  # noqa: E402
from .config import add_cfat_config, add_plugin_config  # noqa: E402

__all__ = ["add_cfat_config", "add_plugin_config", "cfat", "cffa", "compat", "dil", "mcja", "rlq", "data", "modeling", "engine", "evaluation"]
__version__ = "0.1.0"
