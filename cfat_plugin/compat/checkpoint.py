"""Checkpoint loading on torch >= 2.6 (``weights_only`` by default), safely."""
import logging
import os

from ..utils.checkpoints import load_checkpoint_file

logger = logging.getLogger(__name__)

ORIGINAL_LOAD_FILE = None
ORIGINAL_LOAD = None


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
