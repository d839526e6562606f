"""MCJA's settings checked before a run starts (registered with the engine's settings check)."""
from typing import List

from fastreid.config import CfgNode

from ..utils.config_keys import register_settings_check
from .multi_spectral_ranking import NEIGHBOURS
from .soft_rank import BACKENDS, torchsort_available, torchsort_supports


@register_settings_check
def check_mcja(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """The settings an MCJA run needs: a soft-rank backend that exists and is installed (a forced torchsort
    with the run's device kernel), the post-BNNeck embedding for CMR, an MSER neighbour set that exists, at
    least one modality context."""
    if cfg.MODEL.META_ARCHITECTURE != "MCJA":
        return
    mcja = cfg.MODEL.MCJA
    if mcja.CMR.BACKEND not in BACKENDS:
        problems.append(f"MODEL.MCJA.CMR.BACKEND: {mcja.CMR.BACKEND!r}; valid: {', '.join(BACKENDS)}")
    elif training and mcja.CMR.ENABLED and mcja.CMR.BACKEND == "torchsort" and not torchsort_available():
        problems.append("MODEL.MCJA.CMR.BACKEND: torchsort is not installed (build it with `make torchsort`); "
                        "valid: auto or torch (the PyTorch soft rank, same values)")
    elif training and mcja.CMR.ENABLED and mcja.CMR.BACKEND == "torchsort" \
            and not torchsort_supports(str(cfg.MODEL.DEVICE).split(":")[0]):
        problems.append(f"MODEL.MCJA.CMR.BACKEND: torchsort is installed without its {cfg.MODEL.DEVICE} kernel "
                        "(on a GPU machine: `TORCHSORT_CUDA=1 make torchsort`); valid: auto or torch")
    if training and mcja.CMR.ENABLED and cfg.MODEL.HEADS.NECK_FEAT != "after":
        problems.append("MODEL.HEADS.NECK_FEAT: MCJA's CMR loss ranks the post-BNNeck embedding; valid: after")
    if mcja.MSER.NEIGHBOURS not in ("protocol",) + NEIGHBOURS:
        problems.append(f"MODEL.MCJA.MSER.NEIGHBOURS: {mcja.MSER.NEIGHBOURS!r}; "
                        f"valid: protocol, {', '.join(NEIGHBOURS)}")
    if mcja.MDA.M < 1:
        problems.append(f"MODEL.MCJA.MDA.M: {mcja.MDA.M}; valid: 1 or more modality contexts")
