"""CFAT (Coarse-to-Fine Feature Alignment Transformer): importing registers its components.

One module per paper component: :mod:`.bfg_vae` and :mod:`.bfg_head` (Bridge Feature Generation),
:mod:`.bridge` (the bridge features between teacher and student), :mod:`.losses` (coarse alignment,
bridge KL, reconstruction), :mod:`.meta_arch` (the teacher-to-student ``CFAT`` meta-architecture),
:mod:`.bfg_pretrain` (the BFG pre-training stage); :mod:`.config` adds ``MODEL.HEADS.BFG`` and
``MODEL.CFAT``; :mod:`.settings` checks them before a run. Runnable configs: ``projects/CFAT/``.
"""
from ..modeling.meta_arch.teacher import register_distillation
from . import config, settings  # noqa: F401  (registers CFAT's keys and settings checks)
from .bfg_head import BFGHead
from .bfg_pretrain import BFGPretrain
from .bfg_vae import BridgeVAE, Posterior, VAEOutput
from .bridge import bridge_features, make_bridge, official_bridge_features, sample_t
from .meta_arch import CFAT, teacher_width, value_without_gradient

STAGE_WEIGHT_KEYS = ("MODEL.CFAT.STUDENT_WEIGHTS", "MODEL.CFAT.BFG_WEIGHTS")  # the other stages' checkpoints
register_distillation("CFAT", STAGE_WEIGHT_KEYS)
register_distillation("BFGPretrain", STAGE_WEIGHT_KEYS)

__all__ = ["BFGHead", "BFGPretrain", "BridgeVAE", "CFAT", "Posterior", "VAEOutput", "bridge_features", "make_bridge",
           "official_bridge_features", "sample_t", "teacher_width", "value_without_gradient"]
