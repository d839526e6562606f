"""DIL's settings checked before a run starts (registered with the engine's settings check)."""
import os
from typing import List

from fastreid.config import CfgNode

from ..utils.config_keys import register_settings_check
from .degradation import TYPES, check_downsample_range
from .memory_bank import MODES
from .weights import reads_stage1

STAGES = ("DILStage1", "DIL")


@register_settings_check
def check_dil(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """Degradation range and types, replay mode, discriminator depth against the input size, the backbone, and
    (training stage II) the stage I checkpoint where it is read (``weights.reads_stage1``)."""
    if cfg.MODEL.META_ARCHITECTURE not in STAGES:
        return
    d = cfg.MODEL.DIL
    if not str(cfg.MODEL.BACKBONE.NAME).startswith("build_resnet"):
        problems.append(f"MODEL.BACKBONE.NAME: {cfg.MODEL.BACKBONE.NAME!r}; DIL's trunk is FastReID's ResNet "
                        f"(valid: build_resnet_backbone)")
    low_high = list(d.DEGRADATION.DOWNSAMPLE)
    problem = check_downsample_range(*low_high) if len(low_high) == 2 else f"{low_high} is not [low, high]"
    if problem:
        problems.append(f"MODEL.DIL.DEGRADATION.DOWNSAMPLE: {problem}")
    unknown = [t for t in d.DEGRADATION.TYPES if t not in TYPES]
    if unknown or not d.DEGRADATION.TYPES:
        problems.append(f"MODEL.DIL.DEGRADATION.TYPES: {list(d.DEGRADATION.TYPES)}; valid: one or more of "
                        f"{', '.join(TYPES)}")
    if d.REPLAY.MODE not in MODES:
        problems.append(f"MODEL.DIL.REPLAY.MODE: {d.REPLAY.MODE!r}; valid: {', '.join(MODES)}")
    if not (d.STAGE1.SYNTHETIC_PROB == -1 or 0 <= d.STAGE1.SYNTHETIC_PROB <= 1):
        problems.append(f"MODEL.DIL.STAGE1.SYNTHETIC_PROB: {d.STAGE1.SYNTHETIC_PROB}; valid: -1 (alternate) or a "
                        f"probability in [0, 1]")
    weights = {f"STAGE1.LOSS.{k}": v for k, v in d.STAGE1.LOSS.items()}
    weights.update({f"BRANCH.{k}": d.BRANCH[k] for k in ("FUSE", "INV", "SEN")}, **{"REPLAY.KL": d.REPLAY.KL})
    for key, value in weights.items():
        if value < 0:
            problems.append(f"MODEL.DIL.{key}: {value}; valid: a loss weight >= 0 (0 removes the term)")
    if training and d.BASELINE_WEIGHTS and not os.path.isfile(d.BASELINE_WEIGHTS):
        problems.append(f"MODEL.DIL.BASELINE_WEIGHTS: file not found: {os.path.abspath(d.BASELINE_WEIGHTS)}; train "
                        f"the baseline first (or leave it empty for MODEL.BACKBONE.PRETRAIN's trunk)")
    if cfg.MODEL.META_ARCHITECTURE == "DILStage1":
        scales = max(d.DIS.SCALES, d.DIS.DEG_SCALES)
        smallest = min(cfg.INPUT.SIZE_TRAIN) // 2 ** (scales - 1)
        if smallest < 2 ** d.DIS.LAYERS:
            problems.append(f"MODEL.DIL.DIS: {scales} scales of {d.DIS.LAYERS} stride-2 layers need a shorter image "
                            f"side of at least {2 ** (d.DIS.LAYERS + scales - 1)} (INPUT.SIZE_TRAIN "
                            f"{list(cfg.INPUT.SIZE_TRAIN)}); lower MODEL.DIL.DIS.SCALES or LAYERS")
        if training and cfg.SOLVER.AMP.ENABLED:
            problems.append("SOLVER.AMP.ENABLED: DILStage1Trainer steps in float32; set it False")
    if cfg.MODEL.META_ARCHITECTURE == "DIL" and training and reads_stage1(cfg):
        if not d.STAGE1_WEIGHTS:
            problems.append("MODEL.DIL.STAGE1_WEIGHTS: empty; stage II starts from stage I: train it first "
                            "(its config's OUTPUT_DIR/model_final.pth)")
        elif not os.path.isfile(d.STAGE1_WEIGHTS):
            problems.append(f"MODEL.DIL.STAGE1_WEIGHTS: file not found: {os.path.abspath(d.STAGE1_WEIGHTS)}; train "
                            f"stage I first")
    if cfg.MODEL.META_ARCHITECTURE == "DIL" and training:
        if not cfg.MODEL.TEACHER.ENABLED:
            problems.append("MODEL.TEACHER.ENABLED: False builds stage II without its stage I and baseline weights "
                            "(what --eval-only does); set it True to train")
