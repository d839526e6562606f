"""Checkpoints written atomically: a run killed while saving keeps the previous good file."""
import os

import torch

from ..utils.files import replace_atomically

ORIGINAL_SAVE = None
ORIGINAL_TAG_LAST = None


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
