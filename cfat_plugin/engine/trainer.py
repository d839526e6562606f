"""``ReIDTrainer``: FastReID's DefaultTrainer with the plugin's training loader, its evaluators and robustness test.

Every method trains on it, or on a subclass it registers for its meta-architecture (:func:`register_trainer`).
"""
import logging

import torch
import torch.distributed as dist
from fastreid.engine import DefaultTrainer
from fastreid.utils import comm

from .guards import check_training_images, refuse_non_finite_checkpoints, stop_cleanly

logger = logging.getLogger(__name__)

CORRUPTED_PREFIX = "corrupted_"


def paired_training_enabled(cfg) -> bool:
    """Whether the run trains on (clean, corrupted) pairs of views."""
    corruption = cfg.DATASETS.get("CORRUPTION")
    return bool(corruption is not None and corruption.TRAIN.ENABLED)


def headline_metrics(summary: dict) -> dict:
    """The corrupted (query + gallery) means of a robustness summary, as flat scalar keys."""
    both = summary["settings"].get("both")
    if not both:
        return {}
    return {f"{CORRUPTED_PREFIX}{metric}": stats["mean"] for metric, stats in both.items()}


def broadcast_buffers_from_main(model: torch.nn.Module) -> None:
    """Give every process the main process's buffers (BatchNorm statistics).

    FastReID wraps DDP with ``broadcast_buffers=False``, so each process keeps
    BatchNorm statistics of its own data shard; evaluating then mixes several
    models, and the numbers differ from a single-process evaluation of the
    saved checkpoint (which holds rank 0's statistics).
    """
    if comm.get_world_size() == 1:
        return
    for buffer in getattr(model, "module", model).buffers():
        dist.broadcast(buffer.data, src=0)


# Meta-architecture -> the trainer class that runs it; a method whose training loop differs registers
# its own (RLQ's alternating epochs, MCJA's loader and test), every other one runs on ReIDTrainer.
TRAINERS = {}


def register_trainer(meta_architecture: str, trainer_class: type) -> None:
    """Run ``meta_architecture`` with ``trainer_class`` (a :class:`ReIDTrainer` subclass)."""
    TRAINERS[meta_architecture] = trainer_class


def trainer_for(cfg) -> type:
    """The trainer class registered for ``cfg.MODEL.META_ARCHITECTURE``, else :class:`ReIDTrainer`."""
    return TRAINERS.get(cfg.MODEL.META_ARCHITECTURE, ReIDTrainer)


class ReIDTrainer(DefaultTrainer):
    """DefaultTrainer that feeds paired clean/corrupted views and runs the robustness benchmark.

    Everything else (optimizer, scheduler, hooks, checkpointing, DDP,
    evaluation) is FastReID's.
    """

    def __init__(self, cfg):
        from ..modeling.meta_arch import check_teacher_available

        check_teacher_available(cfg)  # before any data is read: say which command makes the teacher
        check_training_images(cfg)  # every bad image listed before the model is built (DATASETS.IMAGE_CHECK)
        super().__init__(cfg)
        refuse_non_finite_checkpoints(self.checkpointer)  # a broken state never replaces the last good file

    @classmethod
    def build_model(cls, cfg):
        """FastReID's model, its convolutions in channels-last order when ``MODEL.CHANNELS_LAST``."""
        from ..utils.memory_format import apply_channels_last

        return apply_channels_last(cfg, super().build_model(cfg))

    def train(self):
        """FastReID's training; a non-finite loss or a bad image stops it in one line, last checkpoint kept."""
        with stop_cleanly(self):
            return super().train()

    @classmethod
    def build_train_loader(cls, cfg):
        """The stock or paired training loader, after checking SIE covers every train and test camera."""
        from .sie_check import check_sie_for_run

        if paired_training_enabled(cfg):
            from ..data.paired import build_paired_train_loader

            logger.info("Prepare paired clean/corrupted training set")
            loader = build_paired_train_loader(cfg)
        else:
            loader = super().build_train_loader(cfg)
        check_sie_for_run(cfg, loader.dataset)
        return loader

    @classmethod
    def build_test_loader(cls, cfg, dataset_name):
        """FastReID's test loader, after checking SIE covers its cameras (``--eval-only`` runs too)."""
        from .sie_check import check_sie_covers

        loader, num_query = super().build_test_loader(cfg, dataset_name)
        check_sie_covers(cfg, {f"the test set {dataset_name}": {item[2] for item in loader.dataset.img_items}})
        return loader, num_query

    @classmethod
    def build_evaluator(cls, cfg, dataset_name, output_dir=None):
        """FastReID's evaluator, or the single-shot one for a data set that asks for it (its reader's
        ``test_protocol``: MLR-CUHK03, MLR-VIPeR, CAVIAR)."""
        from ..evaluation.single_shot import asks_for_single_shot

        if not asks_for_single_shot(dataset_name):
            return super().build_evaluator(cfg, dataset_name, output_dir)
        loader, num_query = cls.build_test_loader(cfg, dataset_name)
        return loader, cls.single_shot_evaluator(cfg, num_query, dataset_name)

    @classmethod
    def single_shot_evaluator(cls, cfg, num_query: int, dataset_name: str):
        """The single-shot evaluator of a test set (a method whose model returns several features scores each)."""
        from ..evaluation.single_shot import SingleShotEvaluator

        return SingleShotEvaluator(cfg, num_query, dataset_name)

    @classmethod
    def test(cls, cfg, model):
        """FastReID's clean evaluation, plus the corrupted benchmark when ``TEST.ROBUSTNESS.ENABLED``.

        Both extract features in ``TEST.AMP``'s precision. The corrupted means are added as
        ``corrupted_*`` keys beside the clean ones, so ``metric`` (best-checkpoint selection)
        stays the clean metric.
        """
        from ..evaluation.precision import inference_model

        broadcast_buffers_from_main(model)
        results = super().test(cfg, inference_model(cfg, model))
        if not cfg.TEST.ROBUSTNESS.ENABLED:
            return results
        from ..evaluation import run_robustness

        summaries = run_robustness(cfg, model)
        if not comm.is_main_process():
            return results
        if len(cfg.DATASETS.TESTS) == 1 and len(summaries) == 1:
            results.update(headline_metrics(next(iter(summaries.values()))))
        else:
            for name, summary in summaries.items():
                results.setdefault(name, {}).update(headline_metrics(summary))
        return results


CFATTrainer = ReIDTrainer  # its former name, kept importable for code written against it
