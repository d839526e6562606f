"""Checkpoint loading on torch >= 2.6 (``weights_only`` by default), safely."""
import functools
import logging
import os

from ..utils.checkpoints import load_checkpoint_file
from .patching import wrap_method_once

logger = logging.getLogger(__name__)


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
    from fastreid.utils.checkpoint import Checkpointer

    def weights_only(original):
        @functools.wraps(original)
        def _load_file(self, f: str):
            return load_checkpoint_file(f)
        return _load_file

    def missing_file_named(original):
        @functools.wraps(original)
        def load(self, path: str, checkpointables=None):
            if path and not os.path.isfile(path):
                local = self.path_manager.get_local_path(path)
                if not os.path.isfile(local):
                    raise FileNotFoundError(
                        f"Checkpoint file not found: {path} (set MODEL.WEIGHTS to an existing file, "
                        f"or leave it empty to train from scratch)")
            return original(self, path, checkpointables)
        return load

    wrap_method_once(Checkpointer, "_load_file", weights_only)
    wrap_method_once(Checkpointer, "load", missing_file_named)
