"""What every ``tools/`` entry script shares: turning user errors into a message and exit code 2."""
import sys
from typing import Callable

from ..compat.checkpoint import UntrustedCheckpointError
from ..compat.cython_eval import CythonBuildError
from ..compat.sampler import BatchLayoutError
from .setup import ConfigError

USER_ERRORS = (ConfigError, FileNotFoundError, BatchLayoutError, UntrustedCheckpointError,
               CythonBuildError)


def run_cli(entry: Callable[[], object]) -> object:
    """Run ``entry``; print user errors as one clear line (no traceback) and exit 2."""
    try:
        return entry()
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
