"""Checkpoints written atomically: a run killed while saving keeps the previous good file.

:func:`replace_atomically` and :func:`atomic_open` are also what the plugin's
reports and caches write with.
"""
import contextlib
import os
import uuid

import torch

ORIGINAL_SAVE = None
ORIGINAL_TAG_LAST = None


def replace_atomically(path: str, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (``os.replace`` is atomic).

    A process killed during ``write`` leaves ``path`` as it was (and a stray
    ``.tmp`` file, removed when the write fails in-process).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_open(path: str, mode: str = "w", **kwargs):
    """``open(path, mode)`` for writing, through a temporary file renamed onto ``path`` on success."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def fix_atomic_checkpoint_save() -> None:
    """Write checkpoints and ``last_checkpoint`` to a temporary file, then rename it into place.

    Symptom: ``Checkpointer.save`` writes ``model_XXXX.pth`` in place and
    then points ``last_checkpoint`` at it; a run killed (or out of disk)
    while writing leaves a truncated checkpoint that ``--resume`` then fails
    to load, and overwriting ``model_final.pth`` or ``model_best.pth`` loses
    the previous good one. Now each file appears whole or not at all.
    """
    global ORIGINAL_SAVE, ORIGINAL_TAG_LAST
    from fastreid.utils.checkpoint import Checkpointer

    if ORIGINAL_SAVE is not None:
        return
    ORIGINAL_SAVE, ORIGINAL_TAG_LAST = Checkpointer.save, Checkpointer.tag_last_checkpoint

    def save(self, name: str, **kwargs):
        if not self.save_dir or not self.save_to_disk:
            return
        data = {"model": self.model.state_dict()}
        for key, obj in self.checkpointables.items():
            data[key] = obj.state_dict()
        data.update(kwargs)
        basename = f"{name}.pth"
        save_file = os.path.join(self.save_dir, basename)
        self.logger.info(f"Saving checkpoint to {save_file}")
        replace_atomically(save_file, lambda tmp: torch.save(data, tmp))
        self.tag_last_checkpoint(basename)

    def tag_last_checkpoint(self, last_filename_basename: str):
        def write(tmp):
            with open(tmp, "w") as f:
                f.write(last_filename_basename)

        replace_atomically(os.path.join(self.save_dir, "last_checkpoint"), write)

    save.__doc__ = ORIGINAL_SAVE.__doc__
    Checkpointer.save = save
    Checkpointer.tag_last_checkpoint = tag_last_checkpoint
