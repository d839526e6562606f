"""Any model of torchreid's catalogue (OSNet, its AIN/IBN variants, torchreid's ResNets...) as a FastReID backbone.

torchreid models end in global pooling, an fc embedding and a classifier;
FastReID heads pool a feature map themselves. The wrapper therefore returns
the model's ``featuremaps(x)``, the last convolutional map (B, C, H, W), and
removes the parts ``featuremaps`` never runs (pooling, fc, classifier), so
the optimizer, checkpoints and DDP see only parameters that learn.

Config: ``MODEL.BACKBONE.NAME: build_torchreid_backbone``,
``MODEL.BACKBONE.TORCHREID.NAME`` (a torchreid model name, e.g.
``osnet_x0_25``), ``MODEL.BACKBONE.FEAT_DIM`` equal to the map's channel
count (checked at build time). Weights come from a local torchreid
checkpoint, FastReID's way: ``MODEL.BACKBONE.PRETRAIN: True`` and
``MODEL.BACKBONE.PRETRAIN_PATH``; nothing is downloaded.
"""
import logging
import os
from typing import Dict, List, Sequence, Set

import torch
from torch import nn

from fastreid.modeling.backbones.build import BACKBONE_REGISTRY

from .vit_weights import WeightLoadReport, load_adapted_state, strip_prefixes

logger = logging.getLogger(__name__)

# Wrappers around torchreid's own key names: DataParallel, and this wrapper inside a FastReID model.
_PREFIXES = ("module.", "backbone.model.")


def torchreid_model_factory() -> Dict[str, object]:
    """torchreid's catalogue: model name -> constructor (``torchreid.reid.models``)."""
    from torchreid.reid import models

    return dict(vars(models)["__model_factory"])


def models_with_featuremaps() -> List[str]:
    """Catalogue names whose model class defines ``featuremaps`` (found without building any model)."""
    import sys

    names = []
    for name, factory in torchreid_model_factory().items():
        module = sys.modules[factory.__module__]
        if any(isinstance(obj, type) and issubclass(obj, nn.Module) and "featuremaps" in vars(obj)
               for obj in vars(module).values()):
            names.append(name)
    return sorted(names)


class TorchreidBackbone(nn.Module):
    """A torchreid model cut at its last feature map: ``forward(x)`` is ``model.featuremaps(x)``."""

    def __init__(self, name: str, probe_size: Sequence[int] = (256, 128)):
        super().__init__()
        factory = torchreid_model_factory()
        if name not in factory:
            raise ValueError(f"MODEL.BACKBONE.TORCHREID.NAME '{name}' is not in torchreid's catalogue; "
                             f"available: {sorted(factory)}")
        # num_classes only sizes the classifier, which is removed below; never download weights here.
        model = factory[name](num_classes=1, loss="softmax", pretrained=False, use_gpu=False)
        if not callable(getattr(model, "featuremaps", None)):
            raise ValueError(f"torchreid model '{name}' has no featuremaps() to cut at; models that have "
                             f"one: {models_with_featuremaps()}")
        self.torchreid_name = name
        self.model = model
        used, out = self._probe(probe_size)
        if not (isinstance(out, torch.Tensor) and out.dim() == 4):
            got = type(out).__name__ if not isinstance(out, torch.Tensor) else f"shape {tuple(out.shape)}"
            raise ValueError(f"torchreid model '{name}': featuremaps() returns {got}, not one (B, C, H, W) map")
        self.out_channels = out.shape[1]
        self.removed = [n for n, child in model.named_children()
                        if n not in used and any(True for _ in child.state_dict())]
        for child in self.removed:
            delattr(model, child)

    @torch.no_grad()
    def _probe(self, size: Sequence[int]):
        """Run ``featuremaps`` once on a blank batch; return the top-level children it used and its output."""
        used: Set[str] = set()
        hooks = []
        for top, child in self.model.named_children():
            for module in child.modules():
                hooks.append(module.register_forward_hook(lambda *_, top=top: used.add(top)))
        was_training = self.model.training
        try:
            out = self.model.eval().featuremaps(torch.zeros(2, 3, int(size[0]), int(size[1])))
        finally:
            self.model.train(was_training)
            for hook in hooks:
                hook.remove()
        return used, out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.featuremaps(x)


def load_torchreid_checkpoint(backbone: TorchreidBackbone, path: str) -> WeightLoadReport:
    """Load a local torchreid checkpoint (``{"state_dict": ...}`` or a raw state dict) into ``backbone``.

    ``module.`` prefixes are stripped; keys of removed parts (classifier, fc)
    and mis-shaped keys are dropped, and the report says which, and which model
    keys the file left at their initialisation.
    """
    if not path:
        raise ValueError("MODEL.BACKBONE.PRETRAIN is on but MODEL.BACKBONE.PRETRAIN_PATH is empty: "
                         "give a local torchreid checkpoint (nothing is downloaded)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"torchreid checkpoint not found: {path} (MODEL.BACKBONE.PRETRAIN_PATH "
                                f"must be a local file; nothing is downloaded)")
    from ...utils.checkpoints import load_checkpoint_file

    report = WeightLoadReport(path=path)
    own = backbone.model.state_dict()
    state = {}
    for raw_key, value in load_checkpoint_file(path)["model"].items():
        key = strip_prefixes(raw_key, _PREFIXES)
        if key not in own:
            report.dropped.append(f"{raw_key} (not in the backbone)")
        elif not isinstance(value, torch.Tensor) or value.shape != own[key].shape:
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            report.dropped.append(f"{raw_key} (shape {shape}, model {tuple(own[key].shape)})")
        else:
            state[key] = value.to(own[key].dtype)
    return load_adapted_state(backbone.model, state, report,
                              f"no tensor fits torchreid model '{backbone.torchreid_name}'")


@BACKBONE_REGISTRY.register()
def build_torchreid_backbone(cfg) -> TorchreidBackbone:
    """Build ``MODEL.BACKBONE.TORCHREID.NAME`` from torchreid; check FEAT_DIM; load local weights if asked."""
    bb = cfg.MODEL.BACKBONE
    backbone = TorchreidBackbone(bb.TORCHREID.NAME, cfg.INPUT.SIZE_TRAIN)
    if bb.FEAT_DIM != backbone.out_channels:
        raise ValueError(f"MODEL.BACKBONE.FEAT_DIM ({bb.FEAT_DIM}) must equal the channels of torchreid "
                         f"'{bb.TORCHREID.NAME}' feature map ({backbone.out_channels}): the head is built "
                         f"from FEAT_DIM")
    logger.info(f"torchreid backbone '{bb.TORCHREID.NAME}': {backbone.out_channels}-channel map; "
                f"removed (unused by featuremaps): {backbone.removed or 'nothing'}")
    if bb.PRETRAIN:
        load_torchreid_checkpoint(backbone, bb.PRETRAIN_PATH)
    return backbone
