"""Checkpoints written atomically: a run killed while saving keeps the previous good file."""
import functools
import os

import torch

from ..utils.files import replace_atomically
from .patching import wrap_method_once


def fix_atomic_checkpoint_save() -> None:
    """Write checkpoints and ``last_checkpoint`` to a temporary file, then rename it into place.

    Symptom: ``Checkpointer.save`` writes ``model_XXXX.pth`` in place and
    then points ``last_checkpoint`` at it; a run killed (or out of disk)
    while writing leaves a truncated checkpoint that ``--resume`` then fails
    to load, and overwriting ``model_final.pth`` or ``model_best.pth`` loses
    the previous good one. Now each file appears whole or not at all.
    """
    from fastreid.utils.checkpoint import Checkpointer

    def atomic_save(original):
        @functools.wraps(original)
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
        return save

    def atomic_tag(original):
        @functools.wraps(original)
        def tag_last_checkpoint(self, last_filename_basename: str):
            def write(tmp):
                with open(tmp, "w") as f:
                    f.write(last_filename_basename)

            replace_atomically(os.path.join(self.save_dir, "last_checkpoint"), write)
        return tag_last_checkpoint

    wrap_method_once(Checkpointer, "save", atomic_save)
    wrap_method_once(Checkpointer, "tag_last_checkpoint", atomic_tag)
