"""RLQ's settings checked before a run starts (registered with the engine's settings check)."""
from typing import List

from fastreid.config import CfgNode
from fastreid.data.datasets import DATASET_REGISTRY

from ..utils.config_keys import register_settings_check
from .lowquality import MIXTURES
from .multi_branch import BACKBONES


@register_settings_check
def check_rlq(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """Backbone, mixtures, the external set and the TAD teacher of an ``RLQ`` run."""
    if cfg.MODEL.META_ARCHITECTURE != "RLQ":
        return
    rlq = cfg.MODEL.RLQ
    if cfg.MODEL.BACKBONE.NAME not in BACKBONES:
        problems.append(f"MODEL.BACKBONE.NAME: {cfg.MODEL.BACKBONE.NAME!r}; RLQ needs one of {', '.join(BACKBONES)}")
    for key, value in (("TAD.MIXTURE", rlq.TAD.MIXTURE), ("LQ_TEST.MIXTURE", rlq.LQ_TEST.MIXTURE)):
        if value not in MIXTURES:
            problems.append(f"MODEL.RLQ.{key}: {value!r}; valid: {', '.join(sorted(MIXTURES))}")
    if rlq.TAD.ENABLED and rlq.TAD.DATASET not in DATASET_REGISTRY._obj_map:
        problems.append(f"MODEL.RLQ.TAD.DATASET: {rlq.TAD.DATASET!r} is not a registered data set; valid: CelebReID "
                        f"(published) or SynthExternal (the generated stand-in)")
    if not 0 < rlq.TAD.SAMPLING <= 1:
        problems.append(f"MODEL.RLQ.TAD.SAMPLING: {rlq.TAD.SAMPLING}; valid: a fraction in (0, 1]")
    if not training:
        return
    if rlq.TAD.ENABLED and not cfg.MODEL.TEACHER.ENABLED:
        problems.append("MODEL.RLQ.TAD.ENABLED needs the frozen teacher: set MODEL.TEACHER.ENABLED True and "
                        "MODEL.TEACHER.CONFIG_FILE / WEIGHTS (an RLQ model trained without TAD)")
    if cfg.SOLVER.AMP.ENABLED:
        problems.append("SOLVER.AMP.ENABLED: RLQTrainer steps in float32; set it False")
