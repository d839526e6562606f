"""Checkpoint loading on torch >= 2.6 (``weights_only`` by default), safely."""
import logging
import os
import pickle
from typing import Any, Dict

import torch

logger = logging.getLogger(__name__)

ORIGINAL_LOAD_FILE = None
ORIGINAL_LOAD = None
# Absolute paths the user trusts to unpickle arbitrary objects; set by the engine
# from cfg.COMPAT.TRUSTED_CHECKPOINTS.
TRUSTED_CHECKPOINTS: set = set()


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint holds pickled objects other than tensors and plain containers."""


def trust_checkpoints(paths) -> None:
    """Allow full unpickling for these files (use only for files you made or trust)."""
    TRUSTED_CHECKPOINTS.clear()
    TRUSTED_CHECKPOINTS.update(os.path.abspath(p) for p in paths)


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


def load_checkpoint_file(path: str) -> Dict[str, Any]:
    """Load a checkpoint file as ``{"model": state_dict, ...}`` without running untrusted pickles.

    Accepts FastReID checkpoints (``{"model": ...}``), raw state dicts (timm,
    TransReID), ``{"state_dict": ...}`` files, and ``.safetensors``.
    """
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        return {"model": load_file(path, device="cpu")}
    trusted = os.path.abspath(path) in TRUSTED_CHECKPOINTS
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            checkpoint = torch.load(path, map_location="cpu", weights_only=not trusted)
    except pickle.UnpicklingError as error:
        raise UntrustedCheckpointError(
            f"{path} contains pickled Python objects beyond tensors, so it was not loaded "
            f"(loading it could run arbitrary code). If you made this file or trust it, add it "
            f"to the config: COMPAT.TRUSTED_CHECKPOINTS ['{os.path.abspath(path)}'].\n"
            f"torch said: {str(error).splitlines()[0]}"
        ) from None
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{path} holds a {type(checkpoint).__name__}, not a state dict")
    if "model" in checkpoint and isinstance(checkpoint["model"], dict):
        return checkpoint
    if "state_dict" in checkpoint and isinstance(checkpoint["state_dict"], dict):
        return {"model": checkpoint["state_dict"]}
    return {"model": checkpoint}


def fix_checkpoint_loading() -> None:
    """Load checkpoints with ``weights_only`` and give clear errors.

    Symptoms on torch >= 2.6: ``Checkpointer.load`` fails with
    "Weights only load failed ... WeightsUnpickler error" for checkpoints that
    hold NumPy arrays; raw timm/TransReID state dicts fail with ``KeyError:
    'model'``; a missing ``MODEL.WEIGHTS`` file ends in a bare
    ``AssertionError``. After the fix: FastReID checkpoints and raw state dicts
    load, other pickles are refused unless listed in
    ``COMPAT.TRUSTED_CHECKPOINTS``, and a missing file raises
    ``FileNotFoundError`` naming the path.
    """
    global ORIGINAL_LOAD_FILE, ORIGINAL_LOAD
    from fastreid.utils.checkpoint import Checkpointer

    if ORIGINAL_LOAD_FILE is not None:
        return
    ORIGINAL_LOAD_FILE = Checkpointer._load_file
    ORIGINAL_LOAD = Checkpointer.load

    def _load_file(self, f: str):
        return load_checkpoint_file(f)

    def load(self, path: str, checkpointables=None):
        if path and not os.path.isfile(path):
            local = self.path_manager.get_local_path(path)
            if not os.path.isfile(local):
                raise FileNotFoundError(
                    f"Checkpoint file not found: {path} (set MODEL.WEIGHTS to an existing file, "
                    f"or leave it empty to train from scratch)")
        return ORIGINAL_LOAD(self, path, checkpointables)

    Checkpointer._load_file = _load_file
    Checkpointer.load = load
