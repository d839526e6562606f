"""RLQ (Pathak & Rawat, BMVC 2025): coarse attribute prediction (CAP) + task-agnostic distillation (TAD).

One module per component: :mod:`.multi_branch` (the clothes / identity / pose branches),
:mod:`.branch_embedding` (MaxAvg pooling + BN), :mod:`.losses` (τ-KL, pose disentanglement,
normalised-MSE distillation, CAL), :mod:`.meta_arch` (the ``RLQ`` meta-architecture, CAP and TAD
steps), :mod:`.attributes` (gender and pose-cluster labels), :mod:`.recolour` (recoloured replicas
with new clothes classes), :mod:`.lowquality` (the low-quality
synthesis as corruptions, TAD's pair maker), :mod:`.data` (CAP, TAD and low-quality query loaders),
:mod:`.trainer` (alternating epochs), :mod:`.evaluation` (HQ and LQ queries), :mod:`.epoch_record`
(every evaluation, the test-selected best epoch labelled); :mod:`.config` adds
``MODEL.RLQ``; :mod:`.settings` checks it. Runnable configs: ``projects/RLQ/``.
"""
from ..engine.trainer import register_trainer
from ..modeling.meta_arch.teacher import register_distillation
from . import config, settings  # noqa: F401  (registers RLQ's keys and settings checks)
from .config import add_rlq_config
from .lowquality import MIXTURES, LowQualityPair, draw_published
from .meta_arch import RLQ
from .multi_branch import MultiBranchNet, build_rlq_multi_branch_backbone, build_rlq_multi_branch_mobilenetv2_backbone
from .trainer import RLQTrainer

register_distillation("RLQ")
register_trainer("RLQ", RLQTrainer)

__all__ = ["MIXTURES", "LowQualityPair", "MultiBranchNet", "RLQ", "RLQTrainer", "add_rlq_config",
           "build_rlq_multi_branch_backbone", "build_rlq_multi_branch_mobilenetv2_backbone", "draw_published"]
