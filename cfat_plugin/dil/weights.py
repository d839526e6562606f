"""Loading what each DIL stage starts from: the baseline's ResNet and the stage I checkpoint.

A checkpoint adapter in timm's manner: a table of (prefix in the file -> prefix in the model) per source,
every tensor of the model under a mapped prefix must come from the file with its shape, and anything
missing or of another shape stops the run naming the keys (:class:`StageWeightsError`), before training:

- baseline (``MODEL.DIL.BASELINE_WEIGHTS``, a FastReID Baseline): ``backbone.{conv1,bn1,layer1-3}`` ->
  the content encoder's trunk; ``backbone.layer4`` -> stage II's sensitive branch. Its head and
  classifier are dropped (its classes are not needed; the published code drops ``model.fc`` too);
- stage I (``MODEL.DIL.STAGE1_WEIGHTS``): ``content_encoder.{trunk,head,classifier}`` -> stage II's
  trunk, invariant head and invariant classifier; the replay's frozen E_con, E_deg and G load the stage I
  model's own keys.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Dict, Iterator

import torch
from torch import nn

from ..utils.checkpoints import load_checkpoint_file
from ..utils.errors import StageWeightsError

logger = logging.getLogger(__name__)

BASELINE_TRUNK = {f"backbone.{name}.": f"{name}." for name in ("conv1", "bn1", "layer1", "layer2", "layer3")}
BASELINE_LAYER4 = {"backbone.layer4.": ""}
STAGE1_TO_STAGE2 = {"content_encoder.trunk.": "trunk.", "content_encoder.head.": "content_head.",
                    "content_encoder.classifier.": "inv_classifier."}


def reads_stage1(cfg) -> bool:
    """Whether training stage II reads ``MODEL.DIL.STAGE1_WEIGHTS``: to start from it (``STAGE1_INIT``), or for
    a replay through stage I's networks (``bank``, ``shuffle``; ``synthetic`` needs none)."""
    d = cfg.MODEL.DIL
    return bool(d.STAGE1_INIT) or (d.REPLAY.KL > 0 and d.REPLAY.MODE != "synthetic")


def checkpoint_state(path: str, key: str) -> Dict[str, torch.Tensor]:
    """The model tensors of the checkpoint ``path`` (named by its config ``key`` in errors)."""
    import os

    if not path or not os.path.isfile(path):
        raise StageWeightsError(f"{key}: file not found: {path!r}")
    return load_checkpoint_file(path)["model"]


def load_mapped(target: nn.Module, state: Dict[str, torch.Tensor], mapping: Dict[str, str], path: str,
                key: str) -> int:
    """Load ``state``'s tensors under ``mapping``'s file prefixes into ``target``'s keys under the model
    prefixes; every target key under a mapped prefix must be given with its shape. Returns the count."""
    mapped = {}
    for name, tensor in state.items():
        for file_prefix, model_prefix in mapping.items():
            if name.startswith(file_prefix):
                mapped[model_prefix + name[len(file_prefix):]] = (name, tensor)
    own = target.state_dict()
    wanted = [k for k in own if any(k.startswith(p) for p in mapping.values())]
    missing = [k for k in wanted if k not in mapped]
    wrong = [f"{mapped[k][0]} {tuple(mapped[k][1].shape)} in the file, {tuple(own[k].shape)} in the model"
             for k in wanted if k in mapped and mapped[k][1].shape != own[k].shape]
    if not mapped:
        raise StageWeightsError(f"{key}: {path} holds no {', '.join(sorted(mapping))}* tensors: not a checkpoint "
                                f"of the stage it names")
    if wrong or missing:
        shown = wrong[:4] + [f"{k} missing" for k in missing[:max(0, 4 - len(wrong))]]
        more = len(wrong) + len(missing) - len(shown)
        raise StageWeightsError(f"{key}: {path} does not fit this model ({len(wrong)} tensors of another shape, "
                                f"{len(missing)} missing): " + "; ".join(shown) + (f"; and {more} more" if more else "")
                                + " (trained with other MODEL.BACKBONE / MODEL.DIL sizes or classes?)")
    target.load_state_dict({k: mapped[k][1] for k in wanted}, strict=False)
    logger.info("Loaded %d tensors from %s (%s)", len(wanted), path, key)
    return len(wanted)


def load_baseline(module: nn.Module, path: str, part: str) -> None:
    """The baseline's ``part`` (``trunk``: stem..layer3; ``layer4``: the sensitive branch) into ``module``;
    without a file the module keeps its weights, and the log says so."""
    mapping = {"trunk": BASELINE_TRUNK, "layer4": BASELINE_LAYER4}[part]
    if not path:
        logger.warning("MODEL.DIL.BASELINE_WEIGHTS is empty: the %s keeps MODEL.BACKBONE.PRETRAIN's weights (the "
                       "published one is the trained ReID baseline's)", part)
        return
    load_mapped(module, checkpoint_state(path, "MODEL.DIL.BASELINE_WEIGHTS"), mapping, path,
                "MODEL.DIL.BASELINE_WEIGHTS")


@contextlib.contextmanager
def weights_from_elsewhere() -> Iterator[None]:
    """Building a model whose every weight another file fills next: the empty-baseline notice does not apply."""
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
