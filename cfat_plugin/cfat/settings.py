"""CFAT's settings checked before a run starts (registered with the engine's settings check)."""
import os
from typing import List

from fastreid.config import CfgNode

from ..modeling.meta_arch.projection import PROJECTIONS
from ..utils.config_keys import register_settings_check
from .meta_arch import teacher_width


@register_settings_check
def check_teacher_width(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """A CFAT student and its teacher must have the same feature width, or a projection between them."""
    if not training or cfg.MODEL.META_ARCHITECTURE != "CFAT":
        return
    kind = cfg.MODEL.CFAT.TEACHER_PROJECTION
    if kind not in PROJECTIONS:
        problems.append(f"MODEL.CFAT.TEACHER_PROJECTION: {kind!r}; valid: {', '.join(PROJECTIONS)}")
        return
    teacher_file = cfg.MODEL.TEACHER.CONFIG_FILE
    if kind != "none" or not cfg.MODEL.TEACHER.ENABLED or not teacher_file or not os.path.isfile(teacher_file):
        return  # a missing teacher config is reported with the command that makes it (TeacherError)
    try:
        width = teacher_width(cfg)
    except Exception:  # the teacher's own config is broken: reported when it is read
        return
    if width != cfg.MODEL.BACKBONE.FEAT_DIM:
        problems.append(f"MODEL.BACKBONE.FEAT_DIM: the student is {cfg.MODEL.BACKBONE.FEAT_DIM}-d but the teacher "
                        f"({teacher_file}) is {width}-d; valid: {width}, or MODEL.CFAT.TEACHER_PROJECTION linear")


@register_settings_check
def check_clean_view(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """CFAT's teacher reads the clean view: a paired loader without it would fail at the first step."""
    if training and cfg.MODEL.META_ARCHITECTURE == "CFAT" and not cfg.DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW:
        problems.append("DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW: False, but CFAT's teacher reads the clean view; "
                        "valid: True")
