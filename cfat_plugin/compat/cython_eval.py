"""Build and use FastReID's Cython rank evaluator (it is ~10x faster than the Python one)."""
import functools
import importlib
import importlib.util
import logging
import os
import subprocess
import sys
import textwrap

from ..utils.errors import CythonBuildError
from .patching import wrap_method_once

logger = logging.getLogger(__name__)

_SETUP_SCRIPT = textwrap.dedent("""
    import numpy as np
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    extensions = [Extension(name, [name + ".pyx"], include_dirs=[np.get_include()])
                  for name in ("rank_cy", "roc_cy")]
    setup(name="fastreid-rank-cylib", script_args=["build_ext", "--inplace", "--build-temp", "build"],
          ext_modules=cythonize(extensions, language_level=3, quiet=True))
""")


def rank_cylib_dir() -> str:
    """FastReID's ``evaluation/rank_cylib`` folder, found without importing FastReID."""
    spec = importlib.util.find_spec("fastreid")
    if spec is None or not spec.submodule_search_locations:
        raise CythonBuildError("fastreid is not installed: pip install --no-deps fastreid==1.4.0")
    return os.path.join(list(spec.submodule_search_locations)[0], "evaluation", "rank_cylib")


def cython_evaluator_built() -> bool:
    """True when both compiled extension modules sit next to their .pyx sources."""
    names = os.listdir(rank_cylib_dir())
    return all(any(n.startswith(m + ".") and n.endswith((".so", ".pyd")) for n in names)
               for m in ("rank_cy", "roc_cy"))


def build_rank_cylib(force: bool = False) -> str:
    """Compile rank_cy/roc_cy into the installed FastReID with this interpreter.

    Raises :class:`CythonBuildError` with the compiler's output on failure
    (FastReID's own helper calls ``sys.exit(1)`` and uses whatever ``python3``
    is first on PATH, which may not be the environment's).
    """
    path = rank_cylib_dir()
    if cython_evaluator_built() and not force:
        return path
    result = subprocess.run([sys.executable, "-c", _SETUP_SCRIPT], cwd=path,
                            capture_output=True, text=True)
    if result.returncode != 0 or not cython_evaluator_built():
        raise CythonBuildError(
            "Building FastReID's Cython rank evaluator failed (needs Cython, NumPy headers and a C "
            f"compiler such as gcc). In {path}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return path


def activate_cython_evaluator() -> bool:
    """Point ``fastreid.evaluation.rank`` at the compiled evaluator if it exists.

    ``rank.py`` decides ``IS_CYTHON_AVAI`` once at import; a build after that
    import would otherwise never be used.
    """
    import fastreid.evaluation.rank as rank

    try:
        module = importlib.import_module("fastreid.evaluation.rank_cylib.rank_cy")
    except ImportError:
        return False
    rank.evaluate_cy = module.evaluate_cy
    rank.IS_CYTHON_AVAI = True
    return True


def fix_cython_evaluator() -> None:
    """Use the compiled evaluator, and fail clearly when it cannot be built.

    Symptoms: FastReID silently falls back to the slow Python ``evaluate_rank``
    (a warning at import), then ``ReidEvaluator`` tries to ``make`` the
    extension at evaluation time with the wrong interpreter and, on failure,
    calls ``sys.exit(1)``, killing the training run with no explanation.
    After the fix, ``compile_helper`` builds with this interpreter, raises
    :class:`CythonBuildError` on failure, and the result is used at once.
    """
    import fastreid.evaluation.rank_cylib as rank_cylib
    import fastreid.evaluation.reid_evaluation as reid_evaluation

    def build_with_this_interpreter(original):
        @functools.wraps(original)
        def compile_helper() -> None:
            build_rank_cylib()
            activate_cython_evaluator()
        return compile_helper

    wrap_method_once(rank_cylib, "compile_helper", build_with_this_interpreter, also=(reid_evaluation,))
    activate_cython_evaluator()


def main() -> None:
    """Build at install time (the Makefile calls it after ``import cfat_plugin``; ``--force`` rebuilds)."""
    path = build_rank_cylib(force="--force" in sys.argv)
    print(f"FastReID Cython rank evaluator built in {path}")


if __name__ == "__main__":
    main()
