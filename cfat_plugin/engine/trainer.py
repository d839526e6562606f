"""``CFATTrainer``: FastReID's DefaultTrainer with the plugin's training loader."""
import logging

from fastreid.engine import DefaultTrainer

logger = logging.getLogger(__name__)


def paired_training_enabled(cfg) -> bool:
    """Whether the run trains on (clean, corrupted) pairs of views."""
    corruption = cfg.DATASETS.get("CORRUPTION")
    return bool(corruption is not None and corruption.TRAIN.ENABLED)


class CFATTrainer(DefaultTrainer):
    """DefaultTrainer that feeds paired clean/corrupted views when the config asks for them.

    Everything else (optimizer, scheduler, hooks, checkpointing, DDP,
    evaluation) is FastReID's.
    """

    @classmethod
    def build_train_loader(cls, cfg):
        if paired_training_enabled(cfg):
            from ..data.paired import build_paired_train_loader

            logger.info("Prepare paired clean/corrupted training set")
            return build_paired_train_loader(cfg)
        return super().build_train_loader(cfg)
