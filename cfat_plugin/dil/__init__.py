"""DIL (degradation-invariant ReID, Huang et al., CVPR 2020 / IJCV 2022): importing registers its components.

One module per paper component: :mod:`.content_encoder` (E_con), :mod:`.degradation_encoder` (E_deg),
:mod:`.generator` (the AdaIN G), :mod:`.discriminator` (D_real, D_deg), :mod:`.degradation` (the synthetic
degradations), :mod:`.losses` (one module per term), :mod:`.stage1` (``DILStage1``), :mod:`.data` (stage
I's pairs), :mod:`.memory_bank` (the bank and its replay), :mod:`.meta_arch` (``DIL``, stage II),
:mod:`.evaluation` (three views), :mod:`.trainer` (both stages' trainers), :mod:`.visualize` (contact
sheets); :mod:`.config` adds ``MODEL.DIL``; :mod:`.settings` checks it. Runnable configs: ``projects/DIL/``.
"""
from ..engine.trainer import register_trainer
from . import config, settings  # noqa: F401  (registers DIL's keys and settings checks)
from .config import add_dil_config
from .meta_arch import DIL
from .stage1 import DILStage1
from .trainer import DILStage1Trainer, DILTrainer

register_trainer("DILStage1", DILStage1Trainer)
register_trainer("DIL", DILTrainer)

__all__ = ["DIL", "DILStage1", "DILStage1Trainer", "DILTrainer", "add_dil_config"]
