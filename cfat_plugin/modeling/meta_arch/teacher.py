"""Building the frozen teacher of a distillation method (CFAT's) from its own config file and weights.

The teacher is a complete FastReID model (usually ``CameraAwareBaseline``
with the ReID ViT) trained first on clean images. Here it is rebuilt from
``MODEL.TEACHER.CONFIG_FILE`` (FastReID defaults + the plugin's keys + the
file), loaded from ``MODEL.TEACHER.WEIGHTS`` with FastReID's Checkpointer,
frozen and put in eval mode.
"""
import logging
import os
from typing import Dict, Sequence, Tuple

from torch import nn

from fastreid.config import CfgNode, get_cfg
from fastreid.modeling.meta_arch.build import build_model
from fastreid.utils.checkpoint import Checkpointer

from ...utils.config_keys import add_registered_config, merge_config_file

logger = logging.getLogger(__name__)


# Meta-architectures that train against a frozen teacher (MODEL.TEACHER.*) -> the config keys of the
# checkpoints their other stages wrote (checked before a run); each method registers its own.
TEACHER_META_ARCHITECTURES: Dict[str, Tuple[str, ...]] = {}


def register_distillation(meta_architecture: str, stage_weight_keys: Sequence[str] = ()) -> None:
    """Declare that ``meta_architecture`` trains against ``MODEL.TEACHER`` and reads ``stage_weight_keys``.

    ``stage_weight_keys``: dotted config keys (``MODEL.CFAT.STUDENT_WEIGHTS``) of checkpoint files that
    must exist when set. A model of such a meta-architecture used as a teacher is rebuilt without its
    own teacher.
    """
    TEACHER_META_ARCHITECTURES[meta_architecture] = tuple(stage_weight_keys)


def _config_value(cfg: CfgNode, dotted: str):
    for part in dotted.split("."):
        cfg = cfg[part]
    return cfg


class TeacherError(RuntimeError):
    """The teacher cannot be built: missing or mismatched config or weights."""


class TeacherNotFoundError(TeacherError, FileNotFoundError):
    """The teacher's config file or weights file does not exist (the CLI prints it as one line)."""


def teacher_config(cfg: CfgNode) -> CfgNode:
    """The teacher's config: its own file, on the student's device and class count."""
    path = cfg.MODEL.TEACHER.CONFIG_FILE
    if not path:
        raise TeacherNotFoundError("MODEL.TEACHER.CONFIG_FILE is empty: CFAT needs the config file its teacher was "
                           "trained with (e.g. projects/CFAT/market_teacher.yml)")
    if not os.path.isfile(path):
        raise TeacherNotFoundError(f"Teacher config file not found: {path} (MODEL.TEACHER.CONFIG_FILE)")
    t_cfg = add_registered_config(get_cfg())
    try:
        merge_config_file(t_cfg, path)
    except KeyError as error:
        raise TeacherError(f"{path}: {error.args[0]} (not a FastReID or cfat_plugin key)") from None
    t_cfg.defrost()
    t_cfg.MODEL.DEVICE = cfg.MODEL.DEVICE
    if t_cfg.MODEL.HEADS.NUM_CLASSES == 0:
        t_cfg.MODEL.HEADS.NUM_CLASSES = cfg.MODEL.HEADS.NUM_CLASSES
    if t_cfg.MODEL.META_ARCHITECTURE in TEACHER_META_ARCHITECTURES:  # a distilled model as teacher: its student
        t_cfg.MODEL.TEACHER.ENABLED = False
    for node in (t_cfg.MODEL.BACKBONE, t_cfg.MODEL.HEADS):  # no process group for a frozen model
        if node.NORM == "syncBN":
            node.NORM = "BN"
    t_cfg.MODEL.BACKBONE.PRETRAIN = False  # every weight comes from MODEL.TEACHER.WEIGHTS
    return t_cfg


def _missing_teacher_message(cfg: CfgNode, t_cfg: CfgNode) -> str:
    weights = cfg.MODEL.TEACHER.WEIGHTS
    return (f"Teacher weights not found: '{weights}' (MODEL.TEACHER.WEIGHTS). Train the teacher first:\n"
            f"    python tools/train_net.py --config-file {cfg.MODEL.TEACHER.CONFIG_FILE}\n"
            f"which writes {os.path.join(t_cfg.OUTPUT_DIR, 'model_final.pth')}; then point "
            f"MODEL.TEACHER.WEIGHTS at it.")


def freeze(model: nn.Module) -> nn.Module:
    """No gradients, eval mode (drop-path and dropout off, BN statistics fixed)."""
    for param in model.parameters():
        param.requires_grad_(False)
    return model.eval()


def build_frozen_teacher(cfg: CfgNode) -> nn.Module:
    """Build the teacher named by ``cfg.MODEL.TEACHER``, load its weights, freeze it."""
    t_cfg = teacher_config(cfg)
    weights = cfg.MODEL.TEACHER.WEIGHTS
    if not weights or not os.path.isfile(weights):
        raise TeacherNotFoundError(_missing_teacher_message(cfg, t_cfg))
    teacher = build_model(t_cfg)
    checkpointer = Checkpointer(teacher)
    checkpoint = checkpointer._load_file(weights)
    incompatible = checkpointer._load_model(checkpoint)
    checkpointer._log_incompatible_keys(incompatible)
    bad = [k for k in incompatible.missing_keys if k.startswith("backbone.")]
    bad += [f"{k} (shape {s} in the file, {m} in the model)" for k, s, m in incompatible.incorrect_shapes
            if k.startswith("backbone.")]
    if bad:
        raise TeacherError(f"{weights} does not fit the teacher built from {cfg.MODEL.TEACHER.CONFIG_FILE}; "
                           f"backbone keys missing or mis-shaped: {bad[:10]}")
    logger.info(f"Loaded the frozen teacher from {weights}")
    return freeze(teacher)


def check_teacher_available(cfg: CfgNode) -> None:
    """Fail fast, before any data is loaded, when a distillation run's teacher or stage checkpoints are missing.

    Does nothing for other meta-architectures or when MODEL.TEACHER.ENABLED is off.
    """
    if cfg.MODEL.META_ARCHITECTURE not in TEACHER_META_ARCHITECTURES or not cfg.MODEL.TEACHER.ENABLED:
        return
    t_cfg = teacher_config(cfg)
    if not cfg.MODEL.TEACHER.WEIGHTS or not os.path.isfile(cfg.MODEL.TEACHER.WEIGHTS):
        raise TeacherNotFoundError(_missing_teacher_message(cfg, t_cfg))
    for key in TEACHER_META_ARCHITECTURES[cfg.MODEL.META_ARCHITECTURE]:  # the other stages' checkpoints
        path = _config_value(cfg, key)
        if path and not os.path.isfile(path):
            raise TeacherNotFoundError(f"{key} file not found: {path}")
