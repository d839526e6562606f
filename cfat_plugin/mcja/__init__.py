"""MCJA (Multi-level Cross-modality Joint Alignment, visible-infrared ReID): importing registers its components.

One module per paper component: :mod:`.modality_coordinator` (VIMC, image space), :mod:`.distribution_adapter`
(MDA and the ResNet carrying it, ``build_resnet_mda_backbone``), :mod:`.losses` (the CMR loss) on
:mod:`.soft_rank` (torchsort or its PyTorch twin), :mod:`.meta_arch` (``MCJA``), :mod:`.multi_spectral_ranking`
(MSER, test time); :mod:`.trainer` is ``MCJATrainer`` (the per-modality loader and the protocol test),
:mod:`.evaluation` runs the SYSU-MM01 and RegDB protocols; :mod:`.config` adds ``MODEL.MCJA``; :mod:`.settings`
checks it. Runnable configs: ``projects/MCJA/``; the comparison of its parts: :mod:`.comparison` (imported by
its benchmark only).
"""
from ..engine.trainer import register_trainer
from . import config, settings  # noqa: F401  (registers MCJA's keys and settings checks)
from .config import add_mcja_config
from .distribution_adapter import ModalityDistributionAdapter, ResNetMDA, build_resnet_mda_backbone
from .losses import cross_modality_retrieval_loss
from .meta_arch import MCJA
from .modality_coordinator import (ChannelCutMix, HueJitter, ModalityCoordinator, SpectrumJitter, WeightedGrayscale,
                                   build_vimc_transforms)
from .k_reciprocal import k_reciprocal_rerank
from .multi_spectral_ranking import ChannelReplica, mser_distance
from .soft_rank import soft_rank, soft_rank_torch, torchsort_available
from .trainer import MCJATrainer

register_trainer("MCJA", MCJATrainer)

__all__ = ["MCJA", "MCJATrainer", "ChannelCutMix", "ChannelReplica", "HueJitter", "ModalityCoordinator",
           "ModalityDistributionAdapter", "ResNetMDA", "SpectrumJitter", "WeightedGrayscale", "add_mcja_config",
           "build_resnet_mda_backbone", "build_vimc_transforms", "cross_modality_retrieval_loss", "k_reciprocal_rerank",
           "mser_distance", "soft_rank", "soft_rank_torch", "torchsort_available"]
