"""CFFA's settings checked before a run starts: tower names, the weights packages, the CLIP file's shapes,
loss weights, MAL's batch constant and the similarity view."""
from typing import List

from fastreid.config import CfgNode

from ..utils.config_keys import register_settings_check
from ..utils.errors import MissingPackageError
from .evaluation import VIEWS
from .losses.mal import mal_coefficient
from .offline_towers import MINILM_WEIGHTS
from .towers import IMAGE_TOWERS, TEXT_TOWERS
from .weights_packages import CLIP_VOCAB, MINILM, shipped_file
from .clip_tokenizer import VOCAB_FILE


@register_settings_check
def check_cffa(cfg: CfgNode, problems: List[str], training: bool) -> None:
    """One line per bad ``MODEL.CFFA`` value (nothing is built; the CLIP file's header shapes are read)."""
    if cfg.MODEL.META_ARCHITECTURE != "CFFA":
        return
    c = cfg.MODEL.CFFA
    for key, table in (("IMAGE_TOWER", IMAGE_TOWERS), ("TEXT_TOWER", TEXT_TOWERS)):
        if c[key] not in table:
            problems.append(f"MODEL.CFFA.{key}: unknown tower {c[key]!r}; valid: {', '.join(sorted(table))}")
    package = {"clip": (CLIP_VOCAB, VOCAB_FILE), "minilm": (MINILM, MINILM_WEIGHTS)}.get(c.TEXT_TOWER)
    if package:
        try:
            shipped_file(*package)
        except MissingPackageError as error:
            problems.append(f"MODEL.CFFA.TEXT_TOWER {c.TEXT_TOWER}: {error}")
    for key, value in c.LOSS.items():
        if value < 0:
            problems.append(f"MODEL.CFFA.LOSS.{key}: {value}; valid: a loss weight >= 0 (0 removes the term)")
    if training and (c.LOSS.MAL > 0 or c.LOSS.MAL_LOCAL > 0):
        try:
            mal_coefficient(cfg.SOLVER.IMS_PER_BATCH)
        except ValueError as error:
            problems.append(f"SOLVER.IMS_PER_BATCH: {error}")
    if c.SIM_FUSION not in VIEWS:
        problems.append(f"MODEL.CFFA.SIM_FUSION: {c.SIM_FUSION!r}; valid: {', '.join(VIEWS)}")
    if not 0 < c.IRR.MASK_PROB <= 1:
        problems.append(f"MODEL.CFFA.IRR.MASK_PROB: {c.IRR.MASK_PROB}; valid: a probability in (0, 1]")
    if not 0 < c.FLFR.SELECT_RATIO <= 1:
        problems.append(f"MODEL.CFFA.FLFR.SELECT_RATIO: {c.FLFR.SELECT_RATIO}; valid: a share in (0, 1]")
    if c.CLIP.WEIGHTS and "clip" in (c.TEXT_TOWER, c.IMAGE_TOWER.split("_")[0]):
        from .clip_towers import clip_shape_problems

        try:
            problems.extend(f"MODEL.CFFA.CLIP.WEIGHTS: {p}" for p in clip_shape_problems(c.CLIP.WEIGHTS, cfg))
        except FileNotFoundError as error:
            problems.append(str(error))
