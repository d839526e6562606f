"""Training one arm of a comparison in this process: the project's trainer without its end-of-training test.

A comparison scores its models itself (on its own test sets, or on several), so the trainer's own test at
the end of training would only cost time.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    import torch


def train_arm(cfg, iters_per_epoch: Optional[int] = None) -> "torch.nn.Module":
    """Train with the project's trainer (its loader and hooks), without its end-of-training test, from
    ``MODEL.WEIGHTS`` where it names a file; the trained model in eval mode. ``iters_per_epoch``: a short epoch
    (the test suite's tiny profiles); None: the whole training set per epoch (FastReID's)."""
    from fastreid.utils.env import seed_all_rng

    from ..engine.trainer import trainer_for

    class TrainOnly(trainer_for(cfg)):
        @classmethod
        def test(cls, cfg, model):
            return {}

    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    seed_all_rng(None if cfg.SEED < 0 else cfg.SEED)  # SEED -1: a random seed, as FastReID's default_setup
    trainer = TrainOnly(cfg)
    if cfg.MODEL.WEIGHTS:  # an arm that starts from trained weights loads them (model only), as train_net does
        trainer.resume_or_load(resume=False)
    if iters_per_epoch:
        trainer.iters_per_epoch = iters_per_epoch
    trainer.train()
    return trainer.model.eval()


def drop_checkpoints(output_dir: str) -> List[str]:
    """Delete the checkpoints FastReID's checkpointer wrote in ``output_dir`` (``*.pth`` and the
    ``last_checkpoint`` pointer to them), keeping its config and metrics. Once a comparison has scored an arm the
    scores are what it keeps; a checkpoint holds the optimizer's state beside the model (157 MB for CFFA's
    CPU towers), so thirty arms would leave gigabytes behind. The deleted names, sorted."""
    names = sorted(n for n in os.listdir(output_dir) if n.endswith(".pth") or n == "last_checkpoint")
    for name in names:
        os.remove(os.path.join(output_dir, name))
    return names
