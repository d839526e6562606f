"""Reading checkpoint files of any common shape, without running untrusted pickles (torch >= 2.6)."""
import os
import pickle
import zipfile
from typing import Any, Dict

import torch

from .errors import NotACheckpointError, UntrustedCheckpointError
from .runtime import runtime_options


def _safe_globals() -> list:
    import numpy as np

    allowed = [np.dtype, np.ndarray]
    try:  # numpy 1.x / 2.x spell the reconstruct helper differently
        allowed.append(np.core.multiarray._reconstruct)
    except AttributeError:
        pass
    try:
        allowed.append(np._core.multiarray._reconstruct)
    except AttributeError:
        pass
    allowed.extend(type(np.dtype(t)) for t in ("float32", "float64", "int64", "int32", "uint8", "bool"))
    return allowed


def is_torch_file(path: str) -> bool:
    """Whether ``path`` has the shape of a ``torch.save`` file: a zip archive (the current format) or a
    pickle stream with a protocol header (the legacy one)."""
    if zipfile.is_zipfile(path):
        return True
    with open(path, "rb") as f:
        head = f.read(2)
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _not_a_checkpoint(path: str, why: str) -> NotACheckpointError:
    return NotACheckpointError(f"{path} is not a checkpoint: cannot be read ({why})")


def load_checkpoint_file(path: str) -> Dict[str, Any]:
    """Load a checkpoint file as ``{"model": state_dict, ...}`` without running untrusted pickles.

    Accepts FastReID checkpoints (``{"model": ...}``), raw state dicts (timm,
    TransReID), ``{"state_dict": ...}`` files, and ``.safetensors``. Files listed in
    ``COMPAT.TRUSTED_CHECKPOINTS`` (the run-time options) may unpickle anything.
    """
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        return {"model": load_file(path, device="cpu")}
    if not is_torch_file(path):
        raise _not_a_checkpoint(path, "neither a whole PyTorch file nor .safetensors: random bytes, text or a "
                                      "cut-off copy")
    trusted = os.path.abspath(path) in runtime_options().trusted_checkpoints
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            checkpoint = torch.load(path, map_location="cpu", weights_only=not trusted)
    except pickle.UnpicklingError as error:
        if "Unsupported global" not in str(error):  # broken bytes, not an object it refused to build
            raise _not_a_checkpoint(path, _last_words(error)) from None
        raise UntrustedCheckpointError(
            f"{path} contains pickled Python objects beyond tensors, so it was not loaded "
            f"(loading it could run arbitrary code). If you made this file or trust it, add it "
            f"to the config: COMPAT.TRUSTED_CHECKPOINTS ['{os.path.abspath(path)}'].\n"
            f"torch said: {str(error).splitlines()[0]}"
        ) from None
    except (RuntimeError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:  # a damaged archive
        raise _not_a_checkpoint(path, _last_words(error)) from None
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{path} holds a {type(checkpoint).__name__}, not a state dict")
    if "model" in checkpoint and isinstance(checkpoint["model"], dict):
        return checkpoint
    if "state_dict" in checkpoint and isinstance(checkpoint["state_dict"], dict):
        return {"model": checkpoint["state_dict"]}
    return {"model": checkpoint}


def _last_words(error: Exception) -> str:
    """The last non-empty line of torch's message: what went wrong, without its advice."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"torch said: {lines[-1] if lines else type(error).__name__}"
