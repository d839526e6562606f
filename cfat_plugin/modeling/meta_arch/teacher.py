"""Building CFAT's frozen teacher from its own config file and weights.

The teacher is a complete FastReID model (usually ``CameraAwareBaseline``
with the ReID ViT) trained first on clean images. Here it is rebuilt from
``MODEL.TEACHER.CONFIG_FILE`` (FastReID defaults + the plugin's keys + the
file), loaded from ``MODEL.TEACHER.WEIGHTS`` with FastReID's Checkpointer,
frozen and put in eval mode.
"""
import logging
import os

from torch import nn

from fastreid.config import CfgNode, get_cfg
from fastreid.modeling.meta_arch.build import build_model
from fastreid.utils.checkpoint import Checkpointer

logger = logging.getLogger(__name__)


# Meta-architectures that train against a frozen teacher (MODEL.TEACHER.*).
TEACHER_META_ARCHITECTURES = ("CFAT", "BFGPretrain")


class TeacherError(RuntimeError):
    """The teacher cannot be built: missing or mismatched config or weights."""


class TeacherNotFoundError(TeacherError, FileNotFoundError):
    """The teacher's config file or weights file does not exist (the CLI prints it as one line)."""


def teacher_config(cfg: CfgNode) -> CfgNode:
    """The teacher's config: its own file, on the student's device and class count."""
    from ...config import add_cfat_config

    path = cfg.MODEL.TEACHER.CONFIG_FILE
    if not path:
        raise TeacherNotFoundError("MODEL.TEACHER.CONFIG_FILE is empty: CFAT needs the config file its teacher was "
                           "trained with (e.g. projects/CFAT/market_teacher.yml)")
    if not os.path.isfile(path):
        raise TeacherNotFoundError(f"Teacher config file not found: {path} (MODEL.TEACHER.CONFIG_FILE)")
    t_cfg = add_cfat_config(get_cfg())
    try:
        t_cfg.merge_from_file(path)
    except KeyError as error:
        raise TeacherError(f"{path}: {error.args[0]} (not a FastReID or cfat_plugin key)") from None
    t_cfg.defrost()
    t_cfg.MODEL.DEVICE = cfg.MODEL.DEVICE
    if t_cfg.MODEL.HEADS.NUM_CLASSES == 0:
        t_cfg.MODEL.HEADS.NUM_CLASSES = cfg.MODEL.HEADS.NUM_CLASSES
    if t_cfg.MODEL.META_ARCHITECTURE == "CFAT":  # a CFAT model as teacher: only its student is needed
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
    logger.info(f"Loaded the frozen CFAT teacher from {weights}")
    return freeze(teacher)


def check_teacher_available(cfg: CfgNode) -> None:
    """Fail fast, before any data is loaded, when a CFAT run's teacher or stage checkpoints are missing.

    Does nothing for other meta-architectures or when MODEL.TEACHER.ENABLED is off.
    """
    if cfg.MODEL.META_ARCHITECTURE not in TEACHER_META_ARCHITECTURES or not cfg.MODEL.TEACHER.ENABLED:
        return
    t_cfg = teacher_config(cfg)
    if not cfg.MODEL.TEACHER.WEIGHTS or not os.path.isfile(cfg.MODEL.TEACHER.WEIGHTS):
        raise TeacherNotFoundError(_missing_teacher_message(cfg, t_cfg))
    for key in ("STUDENT_WEIGHTS", "BFG_WEIGHTS"):  # the other stages' checkpoints
        path = cfg.MODEL.CFAT[key]
        if path and not os.path.isfile(path):
            raise TeacherNotFoundError(f"MODEL.CFAT.{key} file not found: {path}")
