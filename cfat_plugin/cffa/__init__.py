"""CFFA (cross-modal fine-grained feature alignment, text-based person ReID, on IRRA): importing registers it.

One module per paper component: :mod:`.clip_towers` and :mod:`.offline_towers` (the towers, chosen in
:mod:`.towers`), :mod:`.clip_tokenizer` and :mod:`.wordpiece_tokenizer`, :mod:`.irr` (IRR), :mod:`.flfr`
(FLFR), :mod:`.text_augmentation`, :mod:`.losses` (SDM, MAL, ID, IRR's loss), :mod:`.meta_arch` (``CFFA``),
:mod:`.evaluation` (text-to-image scores), :mod:`.caption_oracle` (what the generated captions can
tell apart, with no model), :mod:`.retrieval_sheet`, :mod:`.trainer`; :mod:`.config` adds ``MODEL.CFFA``;
:mod:`.settings` checks it. Runnable configs: ``projects/CFFA/``.
"""
from ..engine.trainer import register_trainer
from . import config, settings  # noqa: F401  (registers CFFA's keys and settings checks)
from .config import add_cffa_config
from .meta_arch import CFFA
from .trainer import CFFATrainer

register_trainer("CFFA", CFFATrainer)

__all__ = ["CFFA", "CFFATrainer", "add_cffa_config"]
